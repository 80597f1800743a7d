/* map.js: the geometries of a page on a map (docs/frontends.md), with the vendored Leaflet.
   No tile layer (no map server is reachable offline, a CDN is not allowed): the shapes on a
   plain background. Every element `[data-map]` carries its GeoJSON FeatureCollection
   (EPSG:4326) in `data-geojson`; each feature's properties name `title`, `kind` ("area" or
   "variant") and `index` (the variant's colour, `.map-variant--N`). The page lists the same
   shapes in text, so it is usable without the map; without JavaScript the map stays hidden. */
(function () {
  "use strict";

  var COLOURS = 4;

  function className(feature) {
    var props = feature.properties || {};
    if (props.kind === "area") {
      return "map-area";
    }
    return "map-variant map-variant--" + ((props.index || 0) % COLOURS);
  }

  function show(element) {
    var data = JSON.parse(element.getAttribute("data-geojson"));
    element.hidden = false; // hidden without JavaScript: the list below says it all
    var map = L.map(element, {
      attributionControl: false,
      zoomSnap: 0.25,
      scrollWheelZoom: false
    });
    var layer = L.geoJSON(data, {
      style: function (feature) {
        return { className: className(feature) };
      },
      pointToLayer: function (feature, latlng) {
        return L.circleMarker(latlng, { radius: 8, className: className(feature) });
      },
      onEachFeature: function (feature, shape) {
        if (feature.properties && feature.properties.title) {
          shape.bindTooltip(String(feature.properties.title), { sticky: true });
        }
      }
    }).addTo(map);
    var bounds = layer.getBounds();
    if (bounds.isValid()) {
      map.fitBounds(bounds, { padding: [16, 16] });
    } else {
      map.setView([50.927, 11.586], 12);
    }
    element.classList.add("map--ready");
  }

  function start() {
    if (typeof L === "undefined") {
      return;
    }
    var maps = document.querySelectorAll("[data-map]");
    for (var i = 0; i < maps.length; i += 1) {
      show(maps[i]);
    }
  }

  document.addEventListener("DOMContentLoaded", start);
})();
