"""The chart widget's front end: an ES module and its CSS, as strings (no build step, no CDN).

The pictures are SVG built by :mod:`mlops_magics.render.charts` (every label escaped there); each is
parsed with ``DOMParser`` as SVG and imported, never assigned as ``innerHTML``. A click on a line, bar
or point says which run it is (its ``<title>`` and the ``data-run`` id) and sets ``selected``.

The static twin (the same pictures in a ``.mlops-chart-static[data-chart=ID]`` block, what papermill,
nbconvert and GitHub show) is hidden by a style rule the view carries, for as long as the view lives:
re-rendered static outputs (the final picture of a live chart) stay hidden, and a saved notebook
opened without a kernel shows the pictures again.
"""

from __future__ import annotations

__all__ = ["CSS", "ESM"]

CSS = """
.mmc{font:12px/1.4 var(--jp-ui-font-family,system-ui,sans-serif);color:var(--jp-ui-font-color1,#222)}
.mmc .pictures{display:flex;flex-direction:column;gap:4px}
.mmc [data-run]{cursor:pointer}.mmc [data-run]:hover{opacity:.75}
.mmc .info{min-height:1.4em;color:var(--jp-ui-font-color2,#555)}
.mmc .info code{background:var(--jp-layout-color2,#f3f3f3);padding:0 4px;border-radius:3px}
"""

ESM = r"""
const CHART_ID = /^[0-9a-f]{8,64}$/;

// the rule that hides this chart's static twin (and its output row when the twin is all it holds)
function twinRule(id) {
  if (!CHART_ID.test(id)) return "";
  const twin = `.mlops-chart-static[data-chart="${id}"]`;
  return `${twin}{display:none!important}` +
    `.jp-OutputArea-child:has(> .jp-OutputArea-output > ${twin}){display:none!important}` +
    `.output_area:has(> .output_subarea > ${twin}){display:none!important}`;
}

function parseSvg(text) {
  const doc = new DOMParser().parseFromString(text || "", "image/svg+xml");
  const svg = doc.documentElement;
  if (!svg || svg.nodeName.toLowerCase() !== "svg") return null;  // a parser error
  for (const bad of svg.querySelectorAll("script, foreignObject")) bad.remove();
  return document.importNode(svg, true);
}

function render({ model, el: host }) {
  const root = document.createElement("div");
  root.className = "mmc";
  const style = document.createElement("style");
  const picture = document.createElement("div");
  picture.className = "pictures";
  const info = document.createElement("div");
  info.className = "info";
  root.append(style, picture, info);
  host.appendChild(root);

  function draw() {
    const svgs = (model.get("charts") || []).map(parseSvg);
    if (svgs.some((s) => s === null)) return;  // keep the last good pictures
    picture.replaceChildren(...svgs.map((svg) => {
      const box = document.createElement("div");
      box.append(svg);
      return box;
    }));
  }

  picture.addEventListener("click", (event) => {
    const mark = event.target.closest("[data-run]");
    if (!mark) return;
    const title = mark.querySelector("title");
    const run = mark.getAttribute("data-run") || "";
    info.replaceChildren(document.createTextNode((title ? title.textContent : "") + "  "));
    if (run) {
      const code = document.createElement("code");
      code.textContent = "run " + run;
      info.append(code);
    }
    model.set("selected", run);
    model.save_changes();
  });

  style.textContent = twinRule(model.get("chart_id"));
  draw();
  model.on("change:charts", draw);
  return () => model.off("change:charts", draw);
}

export default { render };
"""
