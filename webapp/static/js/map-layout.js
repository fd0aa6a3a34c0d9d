/* Keeps the map's controls inside the map and off each other, whatever the fonts and the screen.

   Leaflet stacks the controls of one corner, but nothing stops a tall top corner (zoom, full
   screen, share, an open filter panel, the legend) from running down over a bottom corner
   (scale, sources, attribution), where its lowest controls can no longer be clicked. Text
   widths and heights depend on the fonts (the Noto fonts of Android phones wrap differently),
   so the space is measured, not guessed: each top corner may reach down to the top of the
   bottom corner under it, and the scrollable parts of the open panels in it ([data-fit]: the
   filter form, the legend's list) are given a max-height that makes the corner fit. If even
   that cannot fit (a phone's short screen), the other open panel of the corner is closed:
   the one the reader just opened stays open.

   AHYA_LAYOUT.fit() re-measures; it runs on resize, on each panel's toggle, and once after the
   map's scripts have added their controls. */
(function () {
  "use strict";
  var cfg = window.AHYA_MAP;
  if (!cfg || !cfg.map) { return; }
  var map = cfg.map;
  var container = map.getContainer();
  var GAP = 10;          // Leaflet's margin between a control and the map's edge
  var MIN_SCROLL = 96;   // a scrolling list shorter than this is no use: close a panel instead
  var lastOpened = null;

  function corner(v, h) { return container.querySelector(".leaflet-" + v + ".leaflet-" + h); }

  function stackBottom(el) {
    var bottom = 0;
    Array.prototype.forEach.call(el.children, function (c) {
      if (c.offsetParent === null) { return; }
      bottom = Math.max(bottom, c.getBoundingClientRect().bottom + GAP);
    });
    return bottom;
  }

  function bottomTop(h) {
    // Top edge of the bottom corner's highest visible control (the map's bottom when empty).
    var el = corner("bottom", h);
    var top = container.getBoundingClientRect().bottom;
    if (!el) { return top; }
    Array.prototype.forEach.call(el.children, function (c) {
      if (c.offsetParent === null) { return; }
      top = Math.min(top, c.getBoundingClientRect().top);
    });
    return top;
  }

  function fitCorner(h) {
    var top = corner("top", h);
    if (!top) { return; }
    var fits = Array.prototype.filter.call(top.querySelectorAll("[data-fit]"), function (el) {
      el.style.maxHeight = "";
      return !el.closest("details:not([open])") && el.getClientRects().length > 0;
    });
    var limit = bottomTop(h);
    var over = stackBottom(top) - limit;
    if (over <= 0) { return; }
    // Shrink the tallest scrollable part first, down to MIN_SCROLL each; the panel the reader
    // just opened last.
    function mine(el) { return lastOpened && lastOpened.contains(el) ? 1 : 0; }
    fits.sort(function (a, b) { return mine(a) - mine(b) || b.offsetHeight - a.offsetHeight; });
    fits.forEach(function (el) {
      if (over <= 0) { return; }
      var room = el.offsetHeight - MIN_SCROLL;
      if (room <= 0) { return; }
      var cut = Math.min(room, over);
      el.style.maxHeight = (el.offsetHeight - cut) + "px";
      over -= cut;
    });
    if (over > 0) {
      var open = Array.prototype.filter.call(top.querySelectorAll("details[open]"), function (d) {
        return d !== lastOpened && d.closest(".leaflet-control");
      });
      if (open.length) {
        open[0].open = false;  // its toggle event fits the corner again
        return;
      }
      // Nothing left to close: the last resort is a shorter scroll area than MIN_SCROLL.
      fits.forEach(function (el) {
        if (over <= 0) { return; }
        var cut = Math.min(el.offsetHeight - 40, over);
        if (cut > 0) { el.style.maxHeight = (el.offsetHeight - cut) + "px"; over -= cut; }
      });
    }
  }

  function fit() {
    fitCorner("left");
    fitCorner("right");
  }

  var pending = false;
  function later() {
    if (pending) { return; }
    pending = true;
    window.requestAnimationFrame(function () { pending = false; fit(); });
  }

  // "toggle" does not bubble: listen in the capture phase for every <details> in the map.
  container.addEventListener("toggle", function (e) {
    if (e.target.open) { lastOpened = e.target; }
    fit();
  }, true);
  window.addEventListener("resize", later);
  map.on("resize", later);
  if (window.ResizeObserver) {
    // The corners' contents change size when a legend or a status line is redrawn.
    var observer = new ResizeObserver(later);
    ["top", "bottom"].forEach(function (v) {
      ["left", "right"].forEach(function (h) { var el = corner(v, h); if (el) { observer.observe(el); } });
    });
  }
  (window.AHYA_AFTER_MAP || function (fn) { fn(); })(fit);
  window.AHYA_LAYOUT = { fit: fit };
})();
