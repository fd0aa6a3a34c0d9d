/* The report form's helpers. The form works without them; they add:
 * - a small Leaflet map: a click fills the latitude/longitude inputs, typed coordinates
 *   move the marker, choosing a neighborhood (any spelling the map search knows) flies there
 *   and selects "area" precision;
 * - category options filtered by the chosen type, initiative-only fields hidden for challenges,
 *   and only the chosen category's structured fields shown (and sent).
 * window.AHYA_PICK exposes the map for tests.
 */
(function () {
  "use strict";
  var form = document.querySelector("form.report-form");
  if (!form) { return; }
  var lat = form.querySelector("#lat");
  var lon = form.querySelector("#lon");
  var area = form.querySelector("#area_name");
  var category = form.querySelector("#category");
  var initiative = form.querySelector("#initiative-fields");
  var JERUSALEM = [31.778, 35.225];

  function checkedKind() {
    var el = form.querySelector("input[name=kind]:checked");
    return el ? el.value : "";
  }

  function syncKind() {
    var kind = checkedKind();
    if (category) {
      category.querySelectorAll("optgroup").forEach(function (group) {
        var off = kind !== "" && group.dataset.kind !== kind;
        group.hidden = off;
        group.disabled = off;
      });
      var selected = category.options[category.selectedIndex];
      if (selected && selected.parentNode.disabled) {
        // "education" exists for both kinds: keep the id, move to the visible group.
        var twin = category.querySelector('optgroup[data-kind="' + kind + '"] option[value="' +
                                          selected.value + '"]');
        if (twin) { twin.selected = true; } else { category.value = ""; }
      }
    }
    if (initiative) { initiative.hidden = kind === "challenge"; }
    syncFields();
  }

  /* Structured fields: only the chosen category's group is shown and sent (a disabled
     fieldset's inputs are not submitted, nor kept by the offline queue's FormData). */
  function syncFields() {
    var kind = checkedKind();
    var chosen = category ? category.value : "";
    form.querySelectorAll("fieldset.category-fields").forEach(function (group) {
      var off = group.dataset.kind !== kind || group.dataset.category !== chosen;
      group.hidden = off;
      group.disabled = off;
    });
  }
  form.querySelectorAll("input[name=kind]").forEach(function (el) {
    el.addEventListener("change", syncKind);
  });
  if (category) { category.addEventListener("change", syncFields); }
  // The offline queue resets the form after keeping a report: show the fields of what is chosen now.
  form.addEventListener("reset", function () { window.setTimeout(syncKind, 0); });
  syncKind();

  var el = document.getElementById("pick-map");
  if (!el || !window.L || !lat || !lon) { return; }
  el.hidden = false;
  var map = L.map(el, {scrollWheelZoom: false}).setView(JERUSALEM, 12);
  L.tileLayer(el.dataset.tileUrl, {attribution: el.dataset.attribution, maxZoom: 19}).addTo(map);
  var marker = null;

  /* The areas with their names (on hover, and on focus from the keyboard): without tiles (no
     connection, a blocked tile server) the map is not an empty grey box, and one can tell
     Batn al-Hawa from Mamilla before clicking. A click on an area still sets the point (the
     click goes on to the map). The same cached file as the main map's; kept offline by the
     service worker (offline-form.js asks it to). */
  var AREA = {color: "#5c677d", weight: 1, fillColor: "#adb5bd", fillOpacity: 0.15};
  var EAST = {color: "#0b5563", weight: 1, fillColor: "#2a9d8f", fillOpacity: 0.15};
  var areasLayer = L.geoJSON(null, {
    style: function (f) { return f.properties.sector === "east" ? EAST : AREA; }
  }).addTo(map);
  areasLayer.bindTooltip(function (layer) { return layer.feature.properties._tip || ""; },
                         {sticky: true, className: "pick-area-tip"});
  if (el.dataset.areas && window.fetch) {
    fetch(el.dataset.areas, {credentials: "same-origin"}).then(function (resp) {
      if (!resp.ok) { throw new Error("HTTP " + resp.status); }
      return resp.json();
    }).then(function (data) {
      areasLayer.addData(data);
      if (marker) { marker.bringToFront(); }
      el.dataset.areasLoaded = "1";
    }).catch(function () { /* the map still works without its areas */ });
  }
  // Keyboard order: the zoom buttons before the ~50 areas (see map-controls.js).
  if (map._controlContainer) { el.insertBefore(map._controlContainer, el.firstChild); }

  function place(latlng) {
    if (marker) { marker.setLatLng(latlng); return; }
    marker = L.circleMarker(latlng, {radius: 9, color: "#0b5563", weight: 3, fillColor: "#f4a259",
                                     fillOpacity: 0.9}).addTo(map);
  }

  function typedPoint() {
    var a = parseFloat(lat.value.replace("\u066b", ".")), o = parseFloat(lon.value.replace("\u066b", "."));
    return isFinite(a) && isFinite(o) && Math.abs(a) <= 90 && Math.abs(o) <= 180 ? L.latLng(a, o) : null;
  }

  /* The datalist option the typed text names: its shown name, or any spelling the server
     accepts (data-keys, normalised by geo/reference/search.py; the typed text by normalize.js, the same
     rules), so "Shufat", "Shu'fat" and "شعفاط" all find Shu'fat, as on the map search. */
  function areaOption() {
    var value = area ? area.value.trim() : "";
    if (!value) { return null; }
    var options = document.querySelectorAll("#area-list option");
    var key = window.AHYA_NORMALIZE ? window.AHYA_NORMALIZE(value) : value;
    for (var i = 0; i < options.length; i++) {
      if (options[i].value === value) { return options[i]; }
    }
    for (var j = 0; key && j < options.length; j++) {
      if ((options[j].dataset.keys || "").split("|").indexOf(key) >= 0) { return options[j]; }
    }
    return null;
  }

  function setPrecision(value) {
    var radio = form.querySelector('input[name=precision][value="' + value + '"]');
    if (radio) { radio.checked = true; }
  }

  map.on("click", function (e) {
    place(e.latlng);
    lat.value = e.latlng.lat.toFixed(6);
    lon.value = e.latlng.lng.toFixed(6);
    // The clicked point is now the place: a previously chosen area no longer applies.
    if (area) { area.value = ""; }
  });

  function onTyped() {
    var p = typedPoint();
    if (p) { place(p); map.panTo(p); }
  }
  lat.addEventListener("change", onTyped);
  lon.addEventListener("change", onTyped);

  function onArea() {
    var opt = areaOption();
    if (!opt) { return; }
    var p = L.latLng(parseFloat(opt.dataset.lat), parseFloat(opt.dataset.lon));
    place(p);
    map.setView(p, 15);
    // The server takes typed coordinates before an area: clear them so the area counts.
    lat.value = "";
    lon.value = "";
    setPrecision("area");
  }
  if (area) {
    area.addEventListener("change", onArea);
    area.addEventListener("input", onArea);
  }

  // A re-shown form (after an error) puts the marker back where the user had it.
  var start = typedPoint();
  if (start) { place(start); map.setView(start, 16); } else if (areaOption()) { onArea(); }

  window.AHYA_PICK = {map: map, marker: function () { return marker; },
                     area: function () { var o = areaOption(); return o ? o.dataset.slug : null; }};
}());
