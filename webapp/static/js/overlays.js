/* The imported overlays on the public map. None is in the page: the page lists them
   (#ahya-overlays: title, style, data URLs per zoom tier) and each overlay's GeoJSON is fetched
   from its versioned, cached URL only when it is switched on, again when the zoom crosses into
   another tier (large overlays are simplified per zoom on the server). Overlays on by default
   are switched on at once. Each gets a pane of its own (drawn in the stored order), a line in
   the layer control and an entry in the "Map layers" legend while it is shown.
   AHYA_MAP.overlays[name] = {layer, loaded (tier drawn, -1 before), ready (promise)}. */
(function () {
  "use strict";
  var cfg = window.AHYA_MAP;
  var O = window.AhyaOverlay;
  if (!cfg || !cfg.map || !window.L || !O) { return; }
  var list = [];
  try { list = JSON.parse(document.getElementById("ahya-overlays").textContent) || []; } catch (e) { list = []; }
  if (!list.length) { return; }
  var strings = {};
  try { strings = JSON.parse(document.getElementById("ahya-i18n").textContent); } catch (e) { /* none */ }
  var map = cfg.map;
  var dir = strings.lang === "ar" ? "rtl" : "ltr";
  cfg.overlays = {};

  var legendList = null;
  var Legend = L.Control.extend({
    options: { position: "topright" },
    onAdd: function () {
      var box = L.DomUtil.create("details", "ahya-legend ahya-overlay-legend");
      box.id = "ahya-overlay-legend";
      box.setAttribute("dir", dir);
      box.open = window.innerWidth > 700;  // as the reports legend: closed on a phone
      box.appendChild(O.node("summary", "", strings.overlayLegend));
      legendList = box.appendChild(O.node("ul"));
      legendList.setAttribute("data-fit", "");
      L.DomEvent.disableClickPropagation(box);
      L.DomEvent.disableScrollPropagation(box);
      return box;
    }
  });
  var legend = new Legend();

  function drawLegend() {
    var on = list.filter(function (o) { return map.hasLayer(cfg.overlays[o.name].layer); });
    if (!on.length) { legend.remove(); return; }
    if (!legend._map) { legend.addTo(map); }
    legendList.textContent = "";
    on.forEach(function (o) { legendList.appendChild(O.legendItem(o)); });
  }

  function tierFor(o, zoom) {
    for (var i = 0; i < o.zooms.length; i++) { if (zoom <= o.zooms[i]) { return i; } }
    return o.zooms.length - 1;
  }

  list.forEach(function (o, i) {
    var pane = "ahya-overlay-" + i;
    // Above the areas (overlayPane, 400), below the report markers (600); in the stored order.
    map.createPane(pane).style.zIndex = String(410 + Math.min(i, 80));
    var layer = O.layer(o, pane);
    var state = { layer: layer, loaded: -1, wanted: -1, ready: null };
    cfg.overlays[o.name] = state;

    function load() {
      if (!map.hasLayer(layer)) { return; }
      var tier = tierFor(o, map.getZoom());
      if (tier === state.loaded || tier === state.wanted) { return; }
      state.wanted = tier;
      state.ready = fetch(o.urls[tier], { credentials: "same-origin" })
        .then(function (resp) {
          if (!resp.ok) { throw new Error("HTTP " + resp.status); }
          return resp.json();
        })
        .then(function (data) {
          if (state.wanted !== tier) { return; }  // the zoom moved on meanwhile
          layer.clearLayers();
          layer.addData(data);
          state.loaded = tier;
        })
        .catch(function () {
          state.wanted = -1;
          cfg.notice && cfg.notice(strings.overlayError + " " + o.title, "ahya-overlay-error-" + i);
        });
    }
    layer.on("add", load);
    map.on("zoomend", load);
    if (cfg.control) {
      cfg.control.addOverlay(layer, '<span class="ahya-layer-name" dir="auto">' + O.escapeHtml(o.title) + "</span>");
    }
    if (o.visible) { layer.addTo(map); }
  });
  drawLegend();
  map.on("overlayadd overlayremove", drawLegend);
})();
