/* egov.js: the little behaviour the pages need (docs/frontends.md). Loaded with `defer` from
   our own files: the Content-Security-Policy allows no inline script. Every page works
   without it; it only moves the focus where a keyboard or screen-reader user needs it. */
(function () {
  "use strict";

  function focusErrorSummary() {
    var summary = document.querySelector("[data-error-summary]");
    if (summary) {
      summary.focus();
    }
  }

  // A link of the error summary focuses its field (a fragment alone only scrolls to it).
  function focusFieldOnClick(event) {
    var link = event.target.closest(".error-summary a[href^='#']");
    if (!link) {
      return;
    }
    var field = document.getElementById(link.getAttribute("href").slice(1));
    if (field) {
      event.preventDefault();
      field.focus();
      field.scrollIntoView({ block: "center" });
    }
  }

  document.addEventListener("DOMContentLoaded", focusErrorSummary);
  document.addEventListener("click", focusFieldOnClick);
})();
