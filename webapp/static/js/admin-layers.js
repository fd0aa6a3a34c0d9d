/* /admin/layers: the list's colour swatches, and one layer's preview: its served data drawn in
   its saved style (overlay-style.js, as the public map draws it), fitted to the features, with
   its legend entry below the map. */
(function () {
  "use strict";
  document.querySelectorAll(".layer-swatch[data-color]").forEach(function (el) {
    var color = el.getAttribute("data-color");
    if (/^#[0-9a-fA-F]{6}$/.test(color)) { el.style.backgroundColor = color; }
  });
  var el = document.getElementById("layer-preview");
  var dataEl = document.getElementById("layer-preview-data");
  if (!el || !dataEl || !window.L || !window.AhyaOverlay) { return; }
  var d = JSON.parse(dataEl.textContent);
  var o = d.overlay;
  if (!o) { return; }
  var map = L.map(el, { scrollWheelZoom: false }).setView([31.778, 35.225], 12);
  L.tileLayer(d.tileUrl, { attribution: d.tileAttribution, maxZoom: 19 }).addTo(map);
  var layer = window.AhyaOverlay.layer(o, "overlayPane").addTo(map);
  var legend = document.getElementById("layer-preview-legend");
  if (legend) { legend.appendChild(window.AhyaOverlay.legendItem(o)); }
  /* As on the public map: the lightest tier first (fitted to the features), then the tier of
     each zoom, so a layer of 50,000 features previews as quickly as it will show. */
  var loaded = -1;
  function tierFor(zoom) {
    for (var i = 0; i < o.zooms.length; i++) { if (zoom <= o.zooms[i]) { return i; } }
    return o.zooms.length - 1;
  }
  function load(tier) {
    return fetch(o.urls[tier], { credentials: "same-origin" })
      .then(function (resp) { if (!resp.ok) { throw new Error("HTTP " + resp.status); } return resp.json(); })
      .then(function (data) {
        layer.clearLayers();
        layer.addData(data);
        loaded = tier;
        return data;
      });
  }
  load(0).then(function (data) {
    var bounds = layer.getBounds();
    if (bounds.isValid()) { map.fitBounds(bounds.pad(0.1), { maxZoom: 17, animate: false }); }
    el.setAttribute("data-loaded", String(data.features.length));
    map.on("zoomend", function () {
      var tier = tierFor(map.getZoom());
      if (tier !== loaded) { load(tier).catch(function () { /* the lighter tier stays */ }); }
    });
    map.fire("zoomend");
  }).catch(function () { el.setAttribute("data-loaded", "error"); });
})();
