/* Cash-out form: the confirm dialog names what will happen, as the person typed it.
 * form[data-confirm-template] gets its data-confirm rewritten on every change, with
 * {amount} (as ¥0.00), {method} (the chosen option's text), {account} and {name}
 * filled in; app.js then asks with that text on submit. Without this script the
 * form keeps its generic server-rendered data-confirm. */
(function () {
  "use strict";

  function money(value) {
    var lang = document.documentElement.lang || undefined;
    return "¥" + value.toLocaleString(lang, { minimumFractionDigits: 2, maximumFractionDigits: 2 });
  }

  function update(form) {
    var amount = parseFloat(form.elements.amount && form.elements.amount.value);
    var select = form.elements.payout_method;
    if (!isFinite(amount) || amount <= 0 || !select) return;
    var values = {
      "{amount}": money(amount),
      "{method}": select.selectedIndex >= 0 ? select.options[select.selectedIndex].text : "",
      "{account}": (form.elements.payout_account.value || "").trim(),
      "{name}": (form.elements.payout_account_name.value || "").trim()
    };
    var text = form.getAttribute("data-confirm-template");
    Object.keys(values).forEach(function (key) { text = text.split(key).join(values[key]); });
    form.setAttribute("data-confirm", text);
  }

  function init() {
    document.querySelectorAll("form[data-confirm-template]").forEach(function (form) {
      var refresh = function () { update(form); };
      form.addEventListener("input", refresh);
      form.addEventListener("change", refresh);
      refresh();
    });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
