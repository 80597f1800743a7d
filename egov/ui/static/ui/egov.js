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

/* An upload form (`data-upload`, egov/portal/apply.py) sends its files with a progress bar
   and refuses files over the room left (`data-upload-max`, in bytes) before sending them.
   Without JavaScript the form is sent as it is; the server checks the same limits. */
(function () {
  "use strict";

  function show(form, text) {
    var status = form.querySelector("[data-upload-status]");
    form.querySelector("[data-upload-progress]").hidden = false;
    status.textContent = text;
  }

  function send(event) {
    var form = event.target.closest("form[data-upload]");
    if (!form || !window.FormData || !window.XMLHttpRequest) {
      return;
    }
    var input = form.querySelector("input[type=file]");
    var status = form.querySelector("[data-upload-status]");
    var bar = form.querySelector("progress");
    var total = 0;
    for (var i = 0; i < input.files.length; i += 1) {
      total += input.files[i].size;
    }
    if (input.files.length === 0) {
      return; // the server names the missing file next to the field
    }
    event.preventDefault();
    if (total > Number(form.getAttribute("data-upload-max"))) {
      show(form, status.getAttribute("data-too-big"));
      input.focus();
      return;
    }
    var request = new XMLHttpRequest();
    request.open("POST", form.action);
    request.upload.addEventListener("progress", function (progress) {
      if (progress.lengthComputable) {
        bar.value = Math.round((progress.loaded / progress.total) * 100);
        show(form, bar.value + " %");
      }
    });
    request.addEventListener("load", function () {
      if (request.responseURL && request.responseURL.indexOf(form.action + "?") === 0) {
        window.location.assign(request.responseURL); // uploaded: the page it was sent on to
      } else {
        form.removeAttribute("data-upload");
        form.submit(); // refused: sent once more as a plain form, for the page with the error
      }
    });
    request.addEventListener("error", function () {
      show(form, status.getAttribute("data-failed"));
    });
    show(form, "0 %");
    request.send(new FormData(form));
  }

  document.addEventListener("submit", send);
})();
