/* The organizers' arrivals dashboard: figures, bars and an inline SVG chart, refreshed every 10 s. */
(function () {
  "use strict";
  var root = document.getElementById("arrivals");
  if (!root) return;
  var T = JSON.parse(document.getElementById("arrivals-i18n").textContent);
  var $ = function (id) { return document.getElementById(id); };

  function el(tag, text, cls) {
    var e = document.createElement(tag);
    if (text !== undefined && text !== null) e.textContent = text;
    if (cls) e.className = cls;
    return e;
  }

  function chart(points) {
    var box = $("chart");
    box.textContent = "";
    $("chart-empty").hidden = points.length > 0;
    if (!points.length) return;
    var W = 600, H = 180, pad = 24, max = Math.max.apply(null, points.map(function (p) { return p.count; })) || 1;
    var bw = (W - pad * 2) / points.length;
    // the axis: every step-th bucket and the last one, never two labels on top of each other
    var step = points.length < 8 ? 1 : Math.ceil(points.length / 6), last = points.length - 1, ticks = {};
    for (var k = 0; k <= last; k += step) { ticks[k] = true; }
    if (!ticks[last]) { if (last % step < step / 2) { delete ticks[last - last % step]; } ticks[last] = true; }
    if (last > 0 && !ticks[0]) { ticks[0] = true; }
    var ns = "http://www.w3.org/2000/svg", svg = document.createElementNS(ns, "svg");
    svg.setAttribute("viewBox", "0 0 " + W + " " + H);
    svg.setAttribute("role", "img");
    svg.setAttribute("aria-labelledby", "chart-title");  /* the section heading names the chart */
    points.forEach(function (p, i) {
      var h = (H - pad * 2) * p.count / max, r = document.createElementNS(ns, "rect");
      r.setAttribute("x", pad + i * bw + 1); r.setAttribute("width", Math.max(1, bw - 2));
      r.setAttribute("y", H - pad - h); r.setAttribute("height", h); r.setAttribute("fill", "#2f855a");
      var title = document.createElementNS(ns, "title"); title.textContent = p.label + ": " + p.count;
      r.appendChild(title); svg.appendChild(r);
      if (ticks[i]) {
        var t = document.createElementNS(ns, "text");
        t.setAttribute("x", pad + i * bw + bw / 2); t.setAttribute("y", H - 6);
        t.setAttribute("font-size", "11"); t.setAttribute("text-anchor", "middle"); t.textContent = p.label;
        svg.appendChild(t);
      }
    });
    var top = document.createElementNS(ns, "text");
    top.setAttribute("x", 2); top.setAttribute("y", pad - 6); top.setAttribute("font-size", "11"); top.textContent = max;
    svg.appendChild(top);
    box.appendChild(svg);
  }

  function render(d) {
    $("arrived").textContent = d.arrived;
    $("expected").textContent = d.expected;
    $("missing").textContent = Math.max(0, d.expected - d.arrived);
    // Times arrive formatted for the page's language and the event's zone (checkin/reports.py).
    $("updated").textContent = d.updated;
    $("zone").textContent = d.zone;
    var vips = $("vips");
    vips.textContent = "";
    d.vips_missing.forEach(function (v) {
      var li = el("li");
      li.appendChild(el("strong", v.name + (v.name_local ? " · " + v.name_local : "")));
      if (v.organization) { li.appendChild(el("br")); li.appendChild(el("small", v.organization)); }
      vips.appendChild(li);
    });
    $("vips-empty").hidden = d.vip_state !== "all_arrived";
    $("vips-none").hidden = d.vip_state !== "none";
    var cats = $("by-category");
    cats.textContent = "";
    d.by_category.forEach(function (c) {
      var li = el("li"), bar = el("div", null, "bar"), fill = el("span");
      li.appendChild(el("span", c.category + " — " + c.arrived + " / " + c.expected));
      fill.style.width = (c.expected ? Math.min(100, 100 * c.arrived / c.expected) : 0) + "%";
      fill.style.background = c.color;
      bar.appendChild(fill); li.appendChild(bar); cats.appendChild(li);
    });
    $("categories-empty").hidden = d.by_category.length > 0;
    var gates = $("by-gate");
    gates.textContent = "";
    d.by_gate.forEach(function (g) {
      var tr = el("tr");
      tr.appendChild(el("td", g.label || T.entrance));
      tr.appendChild(el("td", g.arrived));
      tr.appendChild(el("td", g.expected === null ? T.none : g.expected));
      gates.appendChild(tr);
    });
    rooms(d.rooms || []);
    chart(d.over_time);
  }

  // Each session door: its room, who is inside now against the capacity (checkin/occupancy.py).
  function rooms(list) {
    var box = $("rooms");
    box.textContent = "";
    list.forEach(function (r) {
      var li = el("li", null, r.state + (r.is_full ? " full" : "")), head = el("div");
      head.appendChild(el("span", T[r.state], "tag"));
      if (r.is_full) { head.appendChild(el("span", T.full, "tag danger")); }
      if (r.refuses_when_full) { head.appendChild(el("span", T.refuses, "tag")); }
      li.appendChild(head);
      li.appendChild(el("strong", r.room || r.session));
      li.appendChild(el("br"));
      li.appendChild(el("small", (r.room ? r.session + " · " : "") + r.time));
      li.appendChild(el("p", r.inside + (r.capacity === null ? "" : " / " + r.capacity) + " " + T.inside, "room-figure"));
      if (r.capacity) {
        var bar = el("div", null, "bar"), fill = el("span");
        fill.style.width = Math.min(100, 100 * r.inside / r.capacity) + "%";
        bar.appendChild(fill); li.appendChild(bar);
      }
      var link = el("a", T.report);
      link.href = T.report_url.replace(/\/0\/attendance$/, "/" + r.session_id + "/attendance");
      li.appendChild(link);
      box.appendChild(li);
    });
    $("rooms-empty").hidden = list.length > 0;
  }

  function refresh() {
    fetch(root.dataset.url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (d) { if (d) render(d); }, function () {});
  }

  render(JSON.parse(document.getElementById("arrivals-data").textContent));
  setInterval(refresh, 10000);
})();
