/* Moderation preview: the private exact point and the public point on one small map.
   Circle markers only, so no marker images have to be served or styled for RTL. */
(function () {
  "use strict";
  var el = document.getElementById("mod-map");
  var dataEl = document.getElementById("mod-map-data");
  if (!el || !dataEl || !window.L) { return; }
  var d = JSON.parse(dataEl.textContent);
  var map = L.map(el, { scrollWheelZoom: false });
  L.tileLayer(d.tileUrl, { attribution: d.tileAttribution, maxZoom: 19 }).addTo(map);

  L.circleMarker(d.exact, {
    radius: 7, color: "#b3261e", weight: 3, fillColor: "#b3261e", fillOpacity: 0.9
  }).bindTooltip(d.exactLabel).addTo(map);
  /* Hollow and larger, so it stays visible when both points coincide (precision "exact"). */
  L.circleMarker(d.public, {
    radius: 12, color: "#0b5563", weight: 3, dashArray: "4 3", fill: false
  }).bindTooltip(d.publicLabel).addTo(map);

  var bounds = L.latLngBounds([d.exact, d.public]);
  map.fitBounds(bounds.pad(0.6), { maxZoom: 17 });
})();
