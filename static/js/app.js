/* tokenmart's only script: small progressive enhancements, no build step, no CDN.
 * Every page works without it; with it:
 *   form[data-confirm="..."] / button[data-confirm]  asks before an irreversible step
 *   POST forms                                        submit once (a double click sends one)
 *   [data-countdown="ISO-8601"]                       counts down live; data-expired-text at 0
 *   [data-copy="text"]                                copies to the clipboard; data-copied-text
 *   [data-share-url]                                  the phone's share sheet, else copy
 *   [autofocus][aria-invalid=true]                    a refused form's first wrong field, mid-screen
 */
(function () {
  "use strict";

  function confirmFor(form, submitter) {
    var el = submitter && submitter.hasAttribute("data-confirm") ? submitter : form;
    var message = el.getAttribute("data-confirm");
    return !message || window.confirm(message);
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!(form instanceof HTMLFormElement)) return;
    if (!confirmFor(form, event.submitter)) { event.preventDefault(); return; }
    if ((form.getAttribute("method") || "get").toLowerCase() !== "post") return;
    if (form.dataset.submitted === "1") { event.preventDefault(); return; }
    form.dataset.submitted = "1";
    // Disable after the browser has read the submitter's name/value.
    setTimeout(function () {
      form.querySelectorAll("button[type=submit], button:not([type]), input[type=submit]")
        .forEach(function (b) { b.disabled = true; b.setAttribute("aria-busy", "true"); });
    }, 0);
  }, true);

  // A refused form's first wrong field: the browser scrolls a focused field only as far as
  // the screen's edge, under a phone's tab bar; put it in the middle instead.
  var wrong = document.querySelector("[autofocus][aria-invalid=true]");
  if (wrong) wrong.scrollIntoView({block: "center"});

  // Coming back with the back button shows the page from the cache: let it submit again.
  window.addEventListener("pageshow", function () {
    document.querySelectorAll("form[data-submitted]").forEach(function (form) {
      delete form.dataset.submitted;
      form.querySelectorAll("[aria-busy]").forEach(function (b) {
        b.disabled = false; b.removeAttribute("aria-busy");
      });
    });
  });

  function pad(n) { return (n < 10 ? "0" : "") + n; }

  function tick() {
    var now = Date.now();
    document.querySelectorAll("[data-countdown]").forEach(function (el) {
      var end = Date.parse(el.getAttribute("data-countdown"));
      if (isNaN(end)) return;
      var left = Math.max(0, Math.floor((end - now) / 1000));
      if (left === 0) {
        el.textContent = el.getAttribute("data-expired-text") || "00:00:00";
        el.classList.add("expired");
        return;
      }
      var days = Math.floor(left / 86400);
      var rest = left % 86400;
      var text = pad(Math.floor(rest / 3600)) + ":" + pad(Math.floor(rest % 3600 / 60)) + ":" + pad(rest % 60);
      if (days > 0) text = (el.getAttribute("data-days-format") || "%d d ").replace("%d", days) + text;
      el.textContent = text;
    });
  }

  function copy(text, button) {
    var done = function () {
      var original = button.textContent;
      button.textContent = button.getAttribute("data-copied-text") || "✓";
      setTimeout(function () { button.textContent = original; }, 2000);
    };
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(text).then(done, function () { fallbackCopy(text); done(); });
    } else { fallbackCopy(text); done(); }
  }

  function fallbackCopy(text) {
    var area = document.createElement("textarea");
    area.value = text; area.setAttribute("readonly", ""); area.style.position = "fixed"; area.style.opacity = "0";
    document.body.appendChild(area); area.select();
    try { document.execCommand("copy"); } catch (e) { /* nothing more to try */ }
    document.body.removeChild(area);
  }

  document.addEventListener("click", function (event) {
    var target = event.target instanceof Element ? event.target.closest("[data-copy], [data-share-url]") : null;
    if (!target) return;
    event.preventDefault();
    var url = target.getAttribute("data-share-url");
    if (url && navigator.share) {
      navigator.share({ title: document.title, url: url }).catch(function () { /* dismissed */ });
      return;
    }
    copy(url || target.getAttribute("data-copy"), target);
  });

  // A region that scrolls sideways (a wide table, a photo strip on a phone) must be
  // reachable by keyboard: found by its style, so no template has to remember it. Checked
  // again once images have loaded, since they are what makes a strip overflow.
  function focusableScrollers() {
    document.querySelectorAll("main div, main ul, main figure, main section").forEach(function (el) {
      if (el.scrollWidth <= el.clientWidth || el.hasAttribute("tabindex")) return;
      var overflow = getComputedStyle(el).overflowX;
      if (overflow === "auto" || overflow === "scroll") el.tabIndex = 0;
    });
  }
  window.addEventListener("load", focusableScrollers);

  document.addEventListener("DOMContentLoaded", function () {
    focusableScrollers();
    if (document.querySelector("[data-countdown]")) { tick(); setInterval(tick, 1000); }
  });
})();
