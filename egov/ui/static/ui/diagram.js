/* diagram.js: BPMN diagrams with bpmn-js's NavigatedViewer (vendored, docs/frontends.md).
   Renders every <div class="bpmn-diagram" data-bpmn-url="..." data-bpmn-highlight="id1 id2">:
   fetches the BPMN XML from data-bpmn-url (this site, with the browser's session), shows it
   fitted to the box and marks the elements named in data-bpmn-highlight (class
   "bpmn-current", egov.css). A page needs only this script: it loads the viewer and its two
   style sheets from vendor/bpmn-js/ next to it when the page has not. A box's role="img" and
   aria-label move to the drawn SVG (the box then holds the viewer's focusable parts). The
   page carries the text alternative (e.g. the list of current steps); without JavaScript or
   on a failure the box says that the diagram cannot be shown (data-bpmn-failed). No inline
   script or style: the Content-Security-Policy allows neither. */
(function () {
  "use strict";

  var script = document.currentScript;
  var vendor = script ? script.src.replace(/ui\/diagram\.js(\?.*)?$/, "vendor/bpmn-js/") : null;

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

  function describeSvg(box) {
    var svg = box.querySelector("svg");
    if (!svg || box.getAttribute("role") !== "img") {
      return;
    }
    svg.setAttribute("role", "img");
    svg.setAttribute("aria-label", box.getAttribute("aria-label") || "");
    box.removeAttribute("role");
    box.removeAttribute("aria-label");
  }

  function render(box) {
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
          describeSvg(box);
          box.classList.add("bpmn-diagram--ready");
        });
      })
      .catch(function () {
        failed(box);
      });
  }

  function styleSheet(name) {
    var present = document.querySelector("link[rel='stylesheet'][href$='vendor/bpmn-js/" + name + "']");
    if (!present && vendor) {
      var link = document.createElement("link");
      link.rel = "stylesheet";
      link.href = vendor + name;
      document.head.appendChild(link);
    }
  }

  function withViewer(then) {
    if (typeof window.BpmnJS === "function") {
      then();
      return;
    }
    var loader = document.createElement("script");
    loader.src = vendor + "bpmn-navigated-viewer.production.min.js";
    loader.onload = then;
    loader.onerror = then;  // render() then fails each box with its message
    document.head.appendChild(loader);
  }

  function renderAll() {
    var boxes = document.querySelectorAll(".bpmn-diagram[data-bpmn-url]");
    if (!boxes.length) {
      return;
    }
    styleSheet("diagram-js.css");
    styleSheet("bpmn-js.css");
    withViewer(function () {
      Array.prototype.forEach.call(boxes, function (box) {
        if (typeof window.BpmnJS === "function") {
          render(box);
        } else {
          failed(box);
        }
      });
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", renderAll);
  } else {
    renderAll();
  }
})();
