/* The small map of an organization's page (/organizations/<id>): the outlines of the areas it
   serves, the points of served places without an outline, and its published initiatives at their
   PUBLIC points, read from #org-map-data. User text reaches the DOM through textContent only. */
(function () {
  "use strict";
  var source = document.getElementById("org-map-data");
  if (!source || !window.L) { return; }
  var cfg = JSON.parse(source.textContent);
  // A view before any vector layer: Leaflet's renderer needs one to place paths.
  var map = L.map("org-map", { scrollWheelZoom: false }).setView([31.7767, 35.2345], 11);
  L.tileLayer(cfg.tiles, { attribution: cfg.attribution, maxZoom: 19 }).addTo(map);
  var bounds = L.latLngBounds([]);

  function label(text) {
    var node = document.createElement("span");
    node.textContent = text;
    node.setAttribute("dir", "auto");
    return node;
  }

  var outlines = L.geoJSON({ type: "FeatureCollection", features: cfg.outlines }, {
    style: { color: "#0b5563", weight: 2, fillColor: "#2a9d8f", fillOpacity: 0.18 },
    onEachFeature: function (feature, layer) { layer.bindTooltip(label(feature.properties.name)); }
  }).addTo(map);
  if (cfg.outlines.length) { bounds.extend(outlines.getBounds()); }
  var points = cfg.points.map(function (p) {
    var m = L.circleMarker([p.lat, p.lon], { radius: 7, weight: 2, color: "#0b5563", fillColor: "#f4a259",
                                             fillOpacity: 0.9 }).addTo(map);
    m.bindTooltip(label(p.name));
    bounds.extend(m.getLatLng());
    return m;
  });
  var markers = cfg.reports.map(function (r) {
    var m = L.circleMarker([r.lat, r.lon], { radius: 6, weight: 2, color: "#fff", fillColor: r.colour,
                                             fillOpacity: 1 }).addTo(map);
    m.bindPopup(function () {
      var box = document.createElement("div");
      box.className = "ahya-report-popup";
      box.setAttribute("dir", cfg.dir);
      var link = document.createElement("a");
      link.href = r.url;
      link.textContent = r.title;
      link.setAttribute("dir", "auto");
      box.appendChild(link);
      return box;
    });
    bounds.extend(m.getLatLng());
    return m;
  });
  if (bounds.isValid()) {
    map.fitBounds(bounds, { padding: [20, 20], maxZoom: 15 });
  }  // else: Jerusalem as a whole, for an organization without areas yet
  window.AHYA_ORG_MAP = { map: map, outlines: outlines, points: points, markers: markers };
})();
