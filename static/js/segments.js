/* Segment grant: the buttons and the confirm dialog follow the control group typed.
 * form[data-grant-texts] holds, per holdout percent, the button text and the question
 * (how many get the coupon, how many are held out), written by the server with the
 * draw's own rounding; "{name}" in the question becomes each button's data-name. An
 * empty or out-of-range value leaves the last texts: the browser and the server refuse
 * it anyway. Without this script the page keeps the texts for the value it was sent with. */
(function () {
  "use strict";

  function update(form, texts) {
    var input = form.elements.holdout_percent;
    var value = input ? String(input.value).trim() : "0";
    var entry = /^\d+$/.test(value) ? texts[String(parseInt(value, 10))] : null;
    if (!entry) return;
    form.querySelectorAll("button[data-name]").forEach(function (button) {
      button.textContent = entry.label;
      button.setAttribute("data-confirm", entry.confirm.split("{name}").join(button.getAttribute("data-name")));
    });
  }

  function init() {
    document.querySelectorAll("form[data-grant-texts]").forEach(function (form) {
      var texts;
      try { texts = JSON.parse(form.getAttribute("data-grant-texts")); } catch (e) { return; }
      var refresh = function () { update(form, texts); };
      form.addEventListener("input", refresh);
      form.addEventListener("change", refresh);
      refresh();
    });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
