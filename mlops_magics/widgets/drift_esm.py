"""The drift widget's front end: an ES module and its CSS, as strings (no build step, no CDN).

All data is written with ``textContent`` / ``setAttribute`` (never ``innerHTML``), so column names and
category values cannot inject markup.
"""

from __future__ import annotations

__all__ = ["CSS", "ESM"]

CSS = """
.mmw{font:13px/1.4 var(--jp-ui-font-family,system-ui,sans-serif);color:var(--jp-ui-font-color1,#222);max-width:1100px}
.mmw h4{margin:2px 0 6px;font-size:15px}.mmw .yes{color:#b3261e;font-weight:600}.mmw .no{color:#1b7f3b;font-weight:600}
.mmw .muted{color:var(--jp-ui-font-color2,#777);font-size:12px}
.mmw .ctl{display:flex;gap:14px;align-items:center;margin:6px 0;flex-wrap:wrap}
.mmw .ctl input[type=number]{width:80px}
.mmw .tw{max-height:360px;overflow:auto;border:1px solid var(--jp-border-color2,#ddd)}
.mmw table{border-collapse:collapse;width:100%}
.mmw th,.mmw td{padding:3px 8px;border-bottom:1px solid var(--jp-border-color3,#eee);text-align:left;white-space:nowrap}
.mmw th{position:sticky;top:0;background:var(--jp-layout-color2,#f4f4f4);cursor:pointer;user-select:none}
.mmw td.n{text-align:right;font-variant-numeric:tabular-nums}
.mmw tr.d td{background:rgba(230,80,60,.09)}.mmw tr.sel td{outline:1px solid #e8710a}
.mmw tbody tr{cursor:pointer}.mmw .chart{margin-top:8px}
"""

ESM = r"""
const NS = "http://www.w3.org/2000/svg";
const GREY = "#9e9e9e", ORANGE = "#e8710a";

function el(tag, attrs, text) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, String(v));
  if (text !== undefined && text !== null) e.textContent = String(text);
  return e;
}
function svg(tag, attrs) {
  const e = document.createElementNS(NS, tag);
  for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, String(v));
  return e;
}
function fmt(x, kind) {
  if (x === null || x === undefined || Number.isNaN(x)) return "\u2013";
  if (typeof x === "boolean") return x ? "yes" : "no";
  if (kind === "p") return (x > 0 && x < 1e-3) ? x.toExponential(2) : x.toFixed(3);
  if (kind === "int") return Number(x).toLocaleString();
  return Number(x).toPrecision(4).replace(/\.?0+(e|$)/, "$1");
}
function label(x, isDt) {
  if (isDt) { try { return new Date(x * 1000).toISOString().slice(0, 16).replace("T", " "); } catch (e) { return fmt(x); } }
  return fmt(x);
}
function series(d) {
  let labels;
  if (d.type === "hist") {
    labels = [];
    for (let i = 0; i + 1 < d.edges.length; i++) labels.push(label(d.edges[i], d.datetime) + " \u2013 " + label(d.edges[i + 1], d.datetime));
  } else labels = d.labels.slice();
  const r = d.ref.concat([d.ref_missing]), c = d.cur.concat([d.cur_missing]);
  labels.push("missing");
  if (d.ref_inf || d.cur_inf) { labels.push("\u00b1inf"); r.push(d.ref_inf || 0); c.push(d.cur_inf || 0); }
  const rs = r.reduce((a, b) => a + b, 0) || 1, cs = c.reduce((a, b) => a + b, 0) || 1;
  return { labels, r: r.map(x => x / rs), c: c.map(x => x / cs) };
}
function sparkline(d, w = 90, h = 18) {
  const s = series(d), root = svg("svg", { width: w, height: h });
  const top = Math.max(...s.r, ...s.c) || 1, step = w / Math.max(s.r.length - 1, 1);
  for (const [v, color] of [[s.r, GREY], [s.c, ORANGE]]) {
    const pts = v.map((x, i) => (i * step).toFixed(1) + "," + (h - 1 - (h - 2) * x / top).toFixed(1)).join(" ");
    root.appendChild(svg("polyline", { points: pts, fill: "none", stroke: color, "stroke-width": 1.5 }));
  }
  return root;
}
function chart(d, w = 700, h = 160) {
  const s = series(d), n = s.labels.length, root = svg("svg", { width: w, height: h + 34 });
  const top = Math.max(...s.r, ...s.c) || 1, bw = w / n;
  for (let i = 0; i < n; i++) {
    for (const [v, color, off] of [[s.r[i], GREY, 0], [s.c[i], ORANGE, bw * 0.45]]) {
      const bh = (h - 4) * v / top;
      const rect = svg("rect", { x: (i * bw + off + 1).toFixed(1), y: (h - bh).toFixed(1), width: (bw * 0.45).toFixed(1), height: bh.toFixed(1), fill: color });
      const t = svg("title"); t.textContent = s.labels[i] + ": " + (v * 100).toFixed(1) + "% (" + (color === GREY ? "reference" : "current") + ")";
      rect.appendChild(t); root.appendChild(rect);
    }
  }
  // x axis: for histograms the range of the values (first and last bin edge), then the extra bins
  const bins = d.type === "hist" ? d.edges.length - 1 : n;
  const first = d.type === "hist" ? label(d.edges[0], d.datetime) : s.labels[0];
  const last = d.type === "hist" ? label(d.edges[d.edges.length - 1], d.datetime) : s.labels[bins - 1];
  const a = svg("text", { x: 0, y: h + 13, "font-size": 10 }); a.textContent = first;
  const b = svg("text", { x: (bins * bw).toFixed(1), y: h + 13, "font-size": 10, "text-anchor": "end" }); b.textContent = last;
  root.appendChild(a); root.appendChild(b);  // the bins right of it: missing / infinite (see the legend)
  const lg = svg("text", { x: 0, y: h + 29, "font-size": 11 }); lg.textContent = "\u25a0 reference (grey)   \u25a0 current (orange)   shares of rows; last bins: missing / infinite";
  root.appendChild(lg);
  return root;
}
function drifted(row, pth, dth) {
  if (row.test === "missing") return true;
  if (row.test === "ks" || row.test === "chi2") return row.p !== null && row.p < pth;
  return row.statistic !== null && row.statistic >= dth;
}

// The static report is displayed just before this widget (it is what papermill, nbconvert and
// GitHub show); where the widget runs, it replaces it: hide that output.
function hideStaticTwin(host) {
  const child = host.closest(".jp-OutputArea-child, .output_area");
  const prev = child && child.previousElementSibling;
  if (prev && prev.querySelector(".mmd")) prev.style.display = "none";
}

function render({ model, el: host }) {
  const root = el("div", { class: "mmw" });
  host.appendChild(root);
  setTimeout(() => hideStaticTwin(host), 0);
  let sortKey = null, sortDir = 1;

  function draw() {
    const data = model.get("data"), tips = model.get("tooltips") || {};
    const pth = model.get("p_threshold"), dth = model.get("distance_threshold");
    const rows = (data.columns || []).map(r => Object.assign({}, r, { drift: drifted(r, pth, dth) }));
    const nd = rows.filter(r => r.drift).length, share = rows.length ? nd / rows.length : 0;
    const dataset = rows.length > 0 && share >= data.drift_share;
    root.replaceChildren();

    const h = el("h4", {}, "Drift: " + nd + " of " + rows.length + " columns \u00b7 dataset drift: ");
    h.appendChild(el("span", { class: dataset ? "yes" : "no" }, dataset ? "yes" : "no"));
    root.appendChild(h);
    root.appendChild(el("div", { class: "muted" }, data.reference + " (" + fmt(data.n_ref, "int") + " rows) vs " + data.current + " (" + fmt(data.n_cur, "int") + " rows) \u00b7 method " + data.method + (data.correction === "bh" ? " \u00b7 Benjamini-Hochberg adjusted p-values" : "") + " \u00b7 dataset drift at \u2265 " + Math.round(data.drift_share * 100) + "% of columns"));
    for (const [k, v] of Object.entries(data.skipped || {})) root.appendChild(el("div", { class: "muted" }, k + ": " + v.join(", ")));

    const ctl = el("div", { class: "ctl" });
    const hasP = rows.some(r => r.test === "ks" || r.test === "chi2");
    const hasD = rows.some(r => !(r.test === "ks" || r.test === "chi2" || r.test === "missing" || r.test === "none"));
    function control(text, key, value, step, tip) {
      const lab = el("label", { title: tip }, text + " ");
      const inp = el("input", { type: "number", min: 0, step: step }); inp.value = value;
      inp.addEventListener("change", () => { const x = parseFloat(inp.value); if (x > 0) { model.set(key, x); model.save_changes(); } });
      lab.appendChild(inp); ctl.appendChild(lab);
    }
    if (hasP) control("p-value <", "p_threshold", pth, 0.001, tips.p_value || "");
    if (hasD) control("distance \u2265", "distance_threshold", dth, 0.01, tips.effect_size || "");
    root.appendChild(ctl);

    const cols = [["column", "column", "column"], ["kind", "kind", "kind"], ["test", "test", "test"], ["statistic", "statistic", "statistic"], ["p-value", "p", "p_value"], ["PSI", "psi", "psi"], ["effect", "effect_size", "effect_size"], ["drift", "drift", "drift"], ["missing ref / cur", "missing_cur", "missing"], ["distribution", null, "distribution"]];
    if (sortKey) rows.sort((a, b) => { const x = a[sortKey], y = b[sortKey]; if (x === y) return 0; if (x === null || x === undefined) return 1; if (y === null || y === undefined) return -1; return (x < y ? -1 : 1) * sortDir; });
    const wrap = el("div", { class: "tw" }), table = el("table"), thead = el("thead"), tr = el("tr");
    for (const [name, key, tipKey] of cols) {
      const th = el("th", { title: tips[tipKey] || "" }, name + (sortKey === key && key ? (sortDir > 0 ? " \u25b2" : " \u25bc") : ""));
      if (key) th.addEventListener("click", () => { if (sortKey === key) sortDir = -sortDir; else { sortKey = key; sortDir = (key === "column" || key === "kind" || key === "test") ? 1 : -1; } draw(); });
      tr.appendChild(th);
    }
    thead.appendChild(tr); table.appendChild(thead);
    const tbody = el("tbody"), selected = model.get("selected");
    for (const r of rows) {
      const row = el("tr", { class: (r.drift ? "d" : "") + (r.column === selected ? " sel" : "") });
      const c0 = el("td", { title: r.note || "" }, r.column + (r.role !== "feature" ? " (" + r.role + ")" : "") + (r.note ? " \u24d8" : ""));
      row.appendChild(c0);
      row.appendChild(el("td", {}, r.kind));
      row.appendChild(el("td", {}, r.test));
      row.appendChild(el("td", { class: "n" }, fmt(r.statistic)));
      row.appendChild(el("td", { class: "n" }, fmt(r.p, "p")));
      row.appendChild(el("td", { class: "n" }, fmt(r.psi)));
      row.appendChild(el("td", { class: "n" }, fmt(r.effect_size)));
      row.appendChild(el("td", {}, r.drift ? "yes" : "no"));
      row.appendChild(el("td", { class: "n" }, fmt(r.missing_ref, "int") + " / " + fmt(r.missing_cur, "int")));
      const sp = el("td"); const d = data.details[r.column]; if (d) sp.appendChild(sparkline(d)); row.appendChild(sp);
      row.addEventListener("click", () => { model.set("selected", r.column); model.save_changes(); });
      tbody.appendChild(row);
    }
    table.appendChild(tbody); wrap.appendChild(table); root.appendChild(wrap);
    if (data.omitted) root.appendChild(el("div", { class: "muted" }, data.omitted + " more columns: see result.table"));

    const sel = rows.find(r => r.column === selected) || rows[0];
    if (sel && data.details[sel.column]) {
      const box = el("div", { class: "chart" });
      box.appendChild(el("div", { title: tips.distribution || "" }, sel.column + ": reference vs current"));
      box.appendChild(chart(data.details[sel.column]));
      root.appendChild(box);
    } else if (sel) root.appendChild(el("div", { class: "muted" }, "distribution of " + sel.column + " not sent (too many columns): see result.details"));
  }
  for (const k of ["data", "p_threshold", "distance_threshold", "selected"]) model.on("change:" + k, draw);
  draw();
}
export default { render };
"""
