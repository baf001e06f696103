/* tourplanner maps: panel / bottom sheet, itinerary <-> markers, popups kept clear of controls. */
(function () {
  "use strict";
  var NARROW = 600;

  function narrow() { return window.innerWidth < NARROW; }

  function start() {
    var data = JSON.parse(document.getElementById("tp-data").textContent);
    var map = window[data.map];
    if (!map) { return; }
    var body = document.body;
    var panel = document.getElementById("tp-panel");
    var toggle = document.getElementById("tp-toggle");
    var container = map.getContainer();
    var stops = data.stops || [];
    if (!document.getElementById("tp-next")) { body.classList.add("tp-nonav"); }
    var byOrder = {};
    stops.forEach(function (s) { s.orders.forEach(function (o) { byOrder[o] = s; }); });

    map.attributionControl.setPrefix(false);
    if (data.attribution) { map.attributionControl.addAttribution(data.attribution); }
    if (data.fit) {
      map.fitBounds(data.fit, { padding: [24, 24] });
    }

    // the legend: a Leaflet control (collapsed on phones)
    var legendHtml = document.getElementById("tp-legend");
    if (legendHtml) {
      var Legend = L.Control.extend({
        onAdd: function () {
          legendHtml.hidden = false;
          if (narrow()) { legendHtml.open = false; }
          L.DomEvent.disableClickPropagation(legendHtml);
          L.DomEvent.disableScrollPropagation(legendHtml);
          return legendHtml;
        }
      });
      new Legend({ position: "bottomleft" }).addTo(map);
    }

    // the map follows the panel's size
    if (window.ResizeObserver) {
      new ResizeObserver(function () { map.invalidateSize({ pan: false }); }).observe(container);
    }

    function setExpanded(open) {
      if (narrow()) {
        if (open) { map.closePopup(); }  // the sheet takes the room a popup had
        body.classList.toggle("tp-expanded", open);
        body.classList.remove("tp-collapsed");
      } else {
        body.classList.toggle("tp-collapsed", !open);
      }
      toggle.setAttribute("aria-expanded", open ? "true" : "false");
      toggle.textContent = narrow() ? (open ? "\u25BE" : "\u25B4") : (open ? "\u203A" : "\u2039");
      toggle.title = open ? "Hide the itinerary" : "Show the itinerary";
    }
    function expanded() {
      return narrow() ? body.classList.contains("tp-expanded")
        : !body.classList.contains("tp-collapsed");
    }
    setExpanded(!narrow());
    window.addEventListener("resize", function () { setExpanded(expanded()); });

    // tap the head to open/close; drag it on phones
    var head = document.getElementById("tp-head");
    var drag = null;
    head.addEventListener("pointerdown", function (e) {
      if (!narrow()) { return; }
      drag = { y: e.clientY, h: panel.getBoundingClientRect().height, moved: false };
      head.setPointerCapture(e.pointerId);
    });
    head.addEventListener("pointermove", function (e) {
      if (!drag) { return; }
      var dy = drag.y - e.clientY;
      if (Math.abs(dy) > 6) { drag.moved = true; }
      if (drag.moved) {
        var h = Math.max(90, Math.min(window.innerHeight * 0.85, drag.h + dy));
        body.style.setProperty("--tp-sheet-h", h + "px");
      }
    });
    head.addEventListener("pointerup", function (e) {
      if (!drag) { return; }
      var moved = drag.moved;
      var h = panel.getBoundingClientRect().height;
      drag = null;
      body.style.removeProperty("--tp-sheet-h");
      if (moved) { setExpanded(h > window.innerHeight * 0.3); }
      else if (e.target !== toggle) { setExpanded(!expanded()); }
    });
    toggle.addEventListener("click", function (e) {
      e.stopPropagation();
      if (!narrow()) { setExpanded(!expanded()); }
    });
    toggle.addEventListener("pointerup", function (e) {
      if (narrow()) { e.stopPropagation(); setExpanded(!expanded()); drag = null; }
    });

    // the next stop (collapsed sheet), the highlighted row
    var current = 0;
    var now = new Date();
    for (var i = 0; i < stops.length; i++) {
      if (stops[i].dep && new Date(stops[i].dep) > now) { current = i; break; }
    }
    function show(index) {
      current = (index + stops.length) % stops.length;
      var stop = stops[current];
      document.querySelectorAll(".tp-next-item").forEach(function (el) {
        el.hidden = stop.orders.indexOf(Number(el.dataset.order)) !== 0;
      });
      document.querySelectorAll(".tp-row").forEach(function (row) {
        var on = stop.orders.indexOf(Number(row.dataset.order)) >= 0;
        row.classList.toggle("tp-active", on);
        row.setAttribute("aria-current", on ? "true" : "false");
      });
      var row = document.querySelector('.tp-row[data-order="' + stop.orders[0] + '"]');
      if (row && expanded()) { row.scrollIntoView({ block: "nearest" }); }
    }
    function fly(index) {
      show(index);
      var stop = stops[current];
      var marker = window[stop.marker];
      if (narrow() && expanded()) { setExpanded(false); }
      setTimeout(function () {
        map.invalidateSize({ pan: false });
        map.closePopup();
        var zoom = Math.max(map.getZoom(), 17);
        map.once("moveend", function () { marker.openPopup(); });
        map.flyTo([stop.lat, stop.lon], zoom, { duration: 0.5 });
      }, 60);
    }
    if (stops.length) {
      show(current);
      stops.forEach(function (stop, index) {
        var marker = window[stop.marker];
        if (marker) { marker.on("click", function () { show(index); }); }
      });
      document.querySelectorAll(".tp-row").forEach(function (row) {
        row.addEventListener("click", function () {
          fly(stops.indexOf(byOrder[Number(row.dataset.order)]));
        });
        row.addEventListener("keydown", function (e) {
          if (e.key === "Enter" || e.key === " ") { e.preventDefault(); row.click(); }
        });
      });
      var prev = document.getElementById("tp-prev");
      var next = document.getElementById("tp-nextbtn");
      if (prev) { prev.addEventListener("click", function () { fly(current - 1); }); }
      if (next) { next.addEventListener("click", function () { fly(current + 1); }); }
      var item = document.querySelector("#tp-next .tp-next-body");
      if (item) { item.addEventListener("click", function () { fly(current); }); }
    }

    // markers that would cover each other at this zoom are fanned out around their place
    function fan() {
      var items = [];
      stops.forEach(function (stop) {
        var marker = window[stop.marker];
        var el = marker && marker.getElement() && marker.getElement().firstElementChild;
        if (!el) { return; }
        el.style.transform = "";
        items.push({ el: el, w: el.offsetWidth, p: map.latLngToLayerPoint(marker.getLatLng()) });
      });
      // clusters: markers that overlap, directly or through others
      var parent = items.map(function (_, i) { return i; });
      function root(i) { while (parent[i] !== i) { i = parent[i] = parent[parent[i]]; } return i; }
      items.forEach(function (a, i) {
        items.forEach(function (b, j) {
          if (j > i && Math.abs(a.p.x - b.p.x) < (a.w + b.w) / 2 + 2 &&
              Math.abs(a.p.y - b.p.y) < 30) { parent[root(j)] = root(i); }
        });
      });
      var clusters = {};
      items.forEach(function (it, i) { (clusters[root(i)] = clusters[root(i)] || []).push(it); });
      Object.keys(clusters).forEach(function (key) {
        var group = clusters[key];
        if (group.length < 2) { return; }
        var n = group.length;
        var widest = Math.max.apply(null, group.map(function (g) { return g.w; }));
        var r = Math.max(16, (Math.max(widest, 28) + 4) / (2 * Math.sin(Math.PI / n)));
        var cx = 0, cy = 0;
        group.forEach(function (g) { cx += g.p.x / n; cy += g.p.y / n; });
        group.forEach(function (g, k) {
          var a = 2 * Math.PI * k / n - Math.PI / 2;
          var dx = cx + r * Math.cos(a) - g.p.x, dy = cy + r * Math.sin(a) - g.p.y;
          g.el.style.transform = "translate(" + dx.toFixed(1) + "px," + dy.toFixed(1) + "px)";
        });
      });
    }
    map.on("zoomend overlayadd", fan);
    fan();

    // popups fit between the map's top and bottom controls
    function band() {
      var box = container.getBoundingClientRect();
      var top = 8, bottom = 8;
      container.querySelectorAll(".leaflet-top .leaflet-control").forEach(function (c) {
        var r = c.getBoundingClientRect();
        if (r.height) { top = Math.max(top, r.bottom - box.top + 8); }
      });
      container.querySelectorAll(".leaflet-bottom .leaflet-control").forEach(function (c) {
        var r = c.getBoundingClientRect();
        if (r.height) { bottom = Math.max(bottom, box.bottom - r.top + 8); }
      });
      return { top: top, bottom: bottom, width: box.width, height: box.height };
    }
    map.on("popupopen", function (e) {
      var popup = e.popup;
      if (popup._source && popup._source.closeTooltip) { popup._source.closeTooltip(); }
      var b = band();
      popup.options.autoPan = true;
      popup.options.autoPanPaddingTopLeft = L.point(8, b.top);
      popup.options.autoPanPaddingBottomRight = L.point(8, b.bottom);
      // the content's width; the popup adds about 50 px of padding and its close button
      popup.options.maxWidth = Math.max(140, Math.min(320, b.width - 16 - 56));
      popup.options.minWidth = Math.min(popup.options.minWidth || 50, popup.options.maxWidth);
      popup.options.maxHeight = Math.max(80, b.height - b.top - b.bottom - 40);
      popup.update();
    });

    window.tpReady = performance.now();  // when the page became interactive (measured)
    // print: every walk's directions open, the map refitted to the printed size
    function forPrint() {
      document.querySelectorAll("#tp-panel details").forEach(function (d) { d.open = true; });
      map.closePopup();
      map.invalidateSize({ pan: false });
      if (data.fit) { map.fitBounds(data.fit, { padding: [16, 16], animate: false }); }
    }
    window.addEventListener("beforeprint", forPrint);
    var printing = window.matchMedia && window.matchMedia("print");
    if (printing && printing.addEventListener) {
      printing.addEventListener("change", function (e) { if (e.matches) { forPrint(); } });
    }
  }

  if (document.readyState === "complete") { start(); }
  else { window.addEventListener("load", start); }
})();
