/* The small map of an area profile (/areas/<slug>): the outline (or the point) and the area's
   published reports at their PUBLIC points, read from the page's #area-map-data JSON.
   Every user-written string reaches the DOM through textContent, never innerHTML. */
(function () {
  "use strict";
  var source = document.getElementById("area-map-data");
  if (!source || !window.L) { return; }
  var cfg = JSON.parse(source.textContent);

  var map = L.map("area-map", { scrollWheelZoom: false });
  L.tileLayer(cfg.tiles, { attribution: cfg.attribution, maxZoom: 19 }).addTo(map);

  var outline;
  if (cfg.outline) {
    // Not interactive: clicks belong to the report markers drawn on top of it.
    outline = L.geoJSON(cfg.outline, {
      interactive: false,
      style: { color: "#0b5563", weight: 3, fillColor: "#2a9d8f", fillOpacity: 0.15 }
    }).addTo(map);
  } else {
    outline = L.circleMarker([cfg.point.lat, cfg.point.lon], {
      radius: 9, weight: 3, color: "#0b5563", fillColor: "#f4a259", fillOpacity: 0.9, interactive: false
    }).addTo(map);
  }

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) { node.className = className; }
    if (text !== undefined) { node.textContent = text; }
    return node;
  }

  function popup(r) {
    var box = el("div", "ahya-report-popup");
    box.setAttribute("dir", cfg.dir);
    var title = el("h3");
    var link = el("a", "", r.title);
    link.href = r.url;
    link.setAttribute("dir", "auto");
    title.appendChild(link);
    box.appendChild(title);
    var meta = cfg.strings[r.kind] + " · " + r.category + (r.demo ? " · " + cfg.strings.demo : "");
    box.appendChild(el("p", "meta", meta));
    return box;
  }

  var markers = cfg.reports.map(function (r) {
    var icon = el("div", "ahya-report-marker " + r.kind + (r.demo ? " demo" : ""), r.icon);
    icon.style.background = r.colour;
    icon.setAttribute("data-id", String(r.id));
    if (r.icon.length > 1) { icon.className += " small-text"; }
    var marker = L.marker([r.lat, r.lon], {
      icon: L.divIcon({ className: "ahya-report-icon", html: icon, iconSize: [26, 26] }),
      title: r.title, alt: r.title, keyboard: true
    });
    marker.bindPopup(function () { return popup(r); });
    return marker.addTo(map);
  });

  // Fit the outline and every marker: an offset public point may lie just outside the boundary.
  var bounds = cfg.outline ? outline.getBounds() : L.latLngBounds([[cfg.point.lat, cfg.point.lon]]);
  markers.forEach(function (m) { bounds.extend(m.getLatLng()); });
  if (cfg.outline || markers.length) {
    map.fitBounds(bounds, { padding: [20, 20], maxZoom: 16 });
  } else {
    map.setView([cfg.point.lat, cfg.point.lon], 15);
  }
  // For tests and for anyone extending the page from the console.
  window.AHYA_AREA_MAP = { map: map, outline: outline, markers: markers };
})();
