/* diagram.js: BPMN diagrams with bpmn-js's NavigatedViewer (vendored, docs/frontends.md).
   Renders every <div class="bpmn-diagram" data-bpmn-url="..." data-bpmn-highlight="id1 id2">:
   fetches the BPMN XML from data-bpmn-url (this site, with the browser's session), shows it
   fitted to the box and marks the elements named in data-bpmn-highlight (class
   "bpmn-current", egov.css). Needs vendor/bpmn-js/bpmn-navigated-viewer.production.min.js
   before it and diagram-js.css, bpmn-js.css on the page. The page carries the text
   alternative (the list of current steps); without JavaScript or on a failure the box says
   that the diagram cannot be shown. No inline script or style: the CSP allows neither. */
(function () {
  "use strict";

  function failed(box) {
    box.classList.add("bpmn-diagram--failed");
    box.textContent = box.getAttribute("data-bpmn-failed") || "Das Diagramm kann nicht angezeigt werden.";
  }

  function highlight(viewer, ids) {
    var canvas = viewer.get("canvas");
    var registry = viewer.get("elementRegistry");
    ids.forEach(function (id) {
      if (registry.get(id)) {
        canvas.addMarker(id, "bpmn-current");
      }
    });
  }

  function render(box) {
    if (typeof window.BpmnJS !== "function") {
      failed(box);
      return;
    }
    var url = box.getAttribute("data-bpmn-url");
    var ids = (box.getAttribute("data-bpmn-highlight") || "").split(/\s+/).filter(Boolean);
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/xml" } })
      .then(function (response) {
        if (!response.ok) {
          throw new Error("HTTP " + response.status);
        }
        return response.text();
      })
      .then(function (xml) {
        box.textContent = "";
        var viewer = new window.BpmnJS({ container: box });
        return viewer.importXML(xml).then(function () {
          viewer.get("canvas").zoom("fit-viewport");
          highlight(viewer, ids);
          box.classList.add("bpmn-diagram--ready");
        });
      })
      .catch(function () {
        failed(box);
      });
  }

  function renderAll() {
    Array.prototype.forEach.call(document.querySelectorAll(".bpmn-diagram[data-bpmn-url]"), render);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", renderAll);
  } else {
    renderAll();
  }
})();
