/* Full screen and locate-me controls: a few lines of our own instead of CDN plugins. */
(function () {
  "use strict";
  var cfg = window.AHYA_MAP;
  if (!cfg || !cfg.map) { return; }
  var map = cfg.map;
  var t = JSON.parse(document.getElementById("ahya-i18n").textContent);

  /* U+26F6 (square four corners) is missing from common fonts (DejaVu, Liberation):
     draw the full screen icon as SVG so it never shows as an empty box. */
  var FULLSCREEN_ICON = '<svg viewBox="0 0 16 16" width="16" height="16" aria-hidden="true" ' +
    'focusable="false" style="vertical-align:-2px"><path d="M1 6V1h5M10 1h5v5M15 10v5h-5M6 15H1v-5" ' +
    'fill="none" stroke="currentColor" stroke-width="2"/></svg>';

  function button(container, label, glyph, onClick) {
    var a = L.DomUtil.create("a", "", container);
    a.href = "#"; a.setAttribute("role", "button"); a.title = label;
    a.setAttribute("aria-label", label);
    if (glyph.charAt(0) === "<") { a.innerHTML = glyph; } else { a.textContent = glyph; }
    L.DomEvent.on(a, "click", function (e) { L.DomEvent.preventDefault(e); onClick(a); });
    L.DomEvent.disableClickPropagation(a);
    return a;
  }

  var Controls = L.Control.extend({
    options: { position: "topleft" },
    onAdd: function () {
      var box = L.DomUtil.create("div", "leaflet-bar ahya-control");
      var page = document.documentElement;
      var fs = button(box, t.fullscreen, FULLSCREEN_ICON, function () {
        if (document.fullscreenElement) { document.exitFullscreen(); }
        else if (page.requestFullscreen) { page.requestFullscreen(); }
      });
      fs.id = "ahya-fullscreen";
      document.addEventListener("fullscreenchange", function () {
        var on = !!document.fullscreenElement;
        fs.title = on ? t.exitFullscreen : t.fullscreen;
        fs.setAttribute("aria-label", fs.title);
        setTimeout(function () { map.invalidateSize(); }, 100);
      });
      var loc = button(box, t.locate, "◎", function () {
        map.locate({ setView: true, maxZoom: 16, enableHighAccuracy: true });
      });
      loc.id = "ahya-locate";
      return box;
    }
  });
  new Controls().addTo(map);

  /* Keyboard order: the controls before the map's contents. Leaflet puts its control container
     after the panes, so ~50 focusable areas (their tooltips make them tab stops) came before
     the zoom buttons; the container is absolutely positioned and stacked by z-index, so moving
     it first changes the Tab order only. */
  var mapBox = map.getContainer();
  if (map._controlContainer && mapBox.firstChild !== map._controlContainer) {
    mapBox.insertBefore(map._controlContainer, mapBox.firstChild);
  }

  /* The sources note joins the bottom corner on the reading side, where Leaflet stacks it over
     the scale (or the attribution) instead of under it. */
  var credits = document.querySelector(".map-credits");
  if (credits) {
    var Credits = L.Control.extend({
      options: { position: document.documentElement.dir === "rtl" ? "bottomright" : "bottomleft" },
      onAdd: function () {
        credits.classList.add("in-map");
        L.DomEvent.disableClickPropagation(credits);
        return credits;
      }
    });
    new Credits().addTo(map);
  }

  var you = null;
  map.on("locationfound", function (e) {
    if (you) { map.removeLayer(you); }
    you = L.layerGroup([
      L.circle(e.latlng, { radius: e.accuracy, weight: 1, fillOpacity: 0.1 }),
      L.marker(e.latlng, { icon: L.divIcon({ className: "ahya-you", iconSize: [16, 16] }) })
    ]).addTo(map);
  });
  map.on("locationerror", function () { window.alert(t.locateError); });
})();
