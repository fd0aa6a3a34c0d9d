/* "Share / embed" dialog of the map page.
   The link and the iframe code are made when the dialog opens, from location: the filter
   panel may have changed the query string since the page loaded. Copy uses the Clipboard API
   and falls back to selecting the text (and execCommand) where the API is missing (http://,
   old browsers). The native <dialog> gives the focus trap and Escape; focus returns to the
   button on close. */
(function () {
  "use strict";
  var opener = document.getElementById("share-open");
  var dialog = document.getElementById("share-dialog");
  var confEl = document.getElementById("ahya-share");
  if (!opener || !dialog || !confEl || typeof dialog.showModal !== "function") { return; }
  var conf = JSON.parse(confEl.textContent);
  var linkField = document.getElementById("share-link");
  var embedField = document.getElementById("share-embed");
  var status = document.getElementById("share-status");
  var exportLink = document.getElementById("share-export");

  function attr(text) {  // for an HTML attribute value in double quotes
    return String(text).replace(/&/g, "&amp;").replace(/"/g, "&quot;").replace(/</g, "&lt;");
  }

  function viewQuery() {
    var params = new URLSearchParams(window.location.search);
    // The embed keeps the page's language even when the host page's visitors have another one.
    if (!params.has("lang") && conf.lang) { params.set("lang", conf.lang); }
    var text = params.toString();
    return text ? "?" + text : "";
  }

  function fill() {
    var query = viewQuery();
    var embedUrl = new URL(opener.getAttribute("data-embed") + query, window.location.href).href;
    linkField.value = window.location.href;
    embedField.value = '<iframe src="' + attr(embedUrl) + '" title="' + attr(conf.iframeTitle) +
      '" width="100%" height="480" style="border:0" loading="lazy" allow="fullscreen; geolocation"></iframe>';
    exportLink.href = opener.getAttribute("data-export") + query;
    status.textContent = "";
  }

  function open(event) {
    if (event) { event.preventDefault(); }
    fill();
    dialog.showModal();
    linkField.focus();
    linkField.select();
  }

  function copied(ok, field) {
    if (!ok) { field.focus(); field.select(); }
    status.textContent = ok ? conf.copied : conf.copyFailed;
  }

  function fallbackCopy(field) {
    field.focus();
    field.select();
    var ok = false;
    try { ok = document.execCommand("copy"); } catch (e) { ok = false; }
    copied(ok, field);
  }

  function copy(field) {
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(field.value).then(function () { copied(true, field); },
                                                      function () { fallbackCopy(field); });
    } else {
      fallbackCopy(field);
    }
  }

  dialog.addEventListener("click", function (event) {
    var button = event.target.closest("[data-copy]");
    if (button) { copy(document.getElementById(button.getAttribute("data-copy"))); }
    // A click on the backdrop (outside the dialog's box) closes it, like Escape.
    if (event.target === dialog) {
      var r = dialog.getBoundingClientRect();
      var inside = event.clientX >= r.left && event.clientX <= r.right &&
                   event.clientY >= r.top && event.clientY <= r.bottom;
      if (!inside) { dialog.close(); }
    }
  });
  dialog.addEventListener("close", function () { opener.focus(); });

  opener.setAttribute("role", "button");
  opener.setAttribute("aria-haspopup", "dialog");
  opener.setAttribute("aria-controls", "share-dialog");
  opener.addEventListener("click", open);
  opener.addEventListener("keydown", function (event) {
    if (event.key === " ") { open(event); }  // a role=button answers Space as well as Enter
  });

  /* On the map, the button joins Leaflet's top-left controls so it never covers another one,
     after the map's own controls (the map's bundle runs its files in separate tasks). */
  (window.AHYA_AFTER_MAP || function (fn) { fn(); })(function () {
    var map = window.AHYA_MAP && window.AHYA_MAP.map;
    if (map && window.L && L.Control) {
      var Share = L.Control.extend({
        options: { position: "topleft" },
        onAdd: function () {
          var box = L.DomUtil.create("div", "leaflet-bar ahya-share-control");
          box.appendChild(opener);
          L.DomEvent.disableClickPropagation(box);
          return box;
        }
      });
      var share = new Share().addTo(map);
      // Above the filter panel when it shares the corner: opened, the panel grows downwards
      // and must not push the button off the map.
      var panel = document.getElementById("map-filters");
      var box = share.getContainer();
      if (panel && panel.parentNode === box.parentNode) { box.parentNode.insertBefore(box, panel); }
      opener.classList.add("in-map");
    }
  });
})();
