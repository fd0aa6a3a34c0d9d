/* Full screen and locate-me controls: a few lines of our own instead of CDN plugins. */
(function () {
  "use strict";
  var cfg = window.AHYA_MAP;
  if (!cfg || !cfg.map) { return; }
  var map = cfg.map;
  var t = JSON.parse(document.getElementById("ahya-i18n").textContent);

  function button(container, label, glyph, onClick) {
    var a = L.DomUtil.create("a", "", container);
    a.href = "#"; a.setAttribute("role", "button"); a.title = label;
    a.setAttribute("aria-label", label); a.textContent = glyph;
    L.DomEvent.on(a, "click", function (e) { L.DomEvent.preventDefault(e); onClick(a); });
    L.DomEvent.disableClickPropagation(a);
    return a;
  }

  var Controls = L.Control.extend({
    options: { position: "topleft" },
    onAdd: function () {
      var box = L.DomUtil.create("div", "leaflet-bar ahya-control");
      var page = document.documentElement;
      var fs = button(box, t.fullscreen, "⛶", function () {
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
