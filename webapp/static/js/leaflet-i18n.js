/* Leaflet's built-in labels in the page's language: the zoom buttons, the layer control's
   button, the popups' close button, the attribution link and the scale's units. Leaflet writes
   them in English; this runs after leaflet.js and before any map is made (each page includes it
   right after Leaflet), so every map (folium's and our own) is created with them. */
(function () {
  "use strict";
  var el = document.getElementById("ahya-leaflet-i18n");
  if (!window.L || !el) { return; }
  var t = JSON.parse(el.textContent);

  L.Control.Zoom.prototype.options.zoomInTitle = t.zoomIn;
  L.Control.Zoom.prototype.options.zoomOutTitle = t.zoomOut;
  var prefix = L.Control.Attribution.prototype.options.prefix;
  if (typeof prefix === "string") {
    L.Control.Attribution.prototype.options.prefix =
      prefix.replace('title="A JavaScript library for interactive maps"', 'title="' + t.leaflet.replace(/"/g, "&quot;") + '"');
  }

  var layersLayout = L.Control.Layers.prototype._initLayout;
  L.Control.Layers.prototype._initLayout = function () {
    layersLayout.apply(this, arguments);
    if (this._layersLink) {
      this._layersLink.title = t.layers;
      this._layersLink.setAttribute("aria-label", t.layers);
    }
  };

  var popupLayout = L.Popup.prototype._initLayout;
  L.Popup.prototype._initLayout = function () {
    popupLayout.apply(this, arguments);
    if (this._closeButton) {
      this._closeButton.setAttribute("aria-label", t.close);
      this._closeButton.title = t.close;
    }
  };

  // Metric units in words of the page; Arabic readers use metres, so no miles and feet there.
  if (t.metricOnly) { L.Control.Scale.prototype.options.imperial = false; }
  L.Control.Scale.prototype._updateMetric = function (maxMeters) {
    var meters = this._getRoundNum(maxMeters);
    var label = meters < 1000 ? t.m.replace("{n}", meters) : t.km.replace("{n}", meters / 1000);
    this._updateScale(this._mScale, label, meters / maxMeters);
  };
  if (t.metricOnly) {
    L.Control.Scale.prototype._updateImperial = function () {
      if (this._iScale) { this._iScale.style.display = "none"; }
    };
  }

  /* On the map page this file runs in the map's bundle, after folium made the map: give the
     controls that already exist their words too. */
  var map = window.AHYA_MAP && window.AHYA_MAP.map;
  if (!map) { return; }
  function label(el, text) {
    if (!el) { return; }
    el.title = text;
    el.setAttribute("aria-label", text);
  }
  var box = map.getContainer();
  label(box.querySelector(".leaflet-control-zoom-in"), t.zoomIn);
  label(box.querySelector(".leaflet-control-zoom-out"), t.zoomOut);
  label(box.querySelector(".leaflet-control-layers-toggle"), t.layers);
  if (map.attributionControl) { map.attributionControl.setPrefix(L.Control.Attribution.prototype.options.prefix); }
  // The scale control keeps no name: it is the move listener that is a Scale (Leaflet 1.9).
  ["move", "moveend"].forEach(function (type) {
    ((map._events && map._events[type]) || []).forEach(function (l) {
      if (!(l.ctx instanceof L.Control.Scale)) { return; }
      l.ctx._update();
      if (t.metricOnly && l.ctx._iScale) { l.ctx._iScale.style.display = "none"; }
    });
  });
})();
