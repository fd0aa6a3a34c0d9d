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
  // The exact tier: the admin checks the data as imported.
  fetch(o.urls[o.urls.length - 1], { credentials: "same-origin" })
    .then(function (resp) { if (!resp.ok) { throw new Error("HTTP " + resp.status); } return resp.json(); })
    .then(function (data) {
      layer.addData(data);
      var bounds = layer.getBounds();
      if (bounds.isValid()) { map.fitBounds(bounds.pad(0.1), { maxZoom: 17 }); }
      el.setAttribute("data-loaded", String(data.features.length));
    })
    .catch(function () { el.setAttribute("data-loaded", "error"); });
})();
