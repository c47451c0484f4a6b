"""The chart widget's front end: an ES module and its CSS, as strings (no build step, no CDN).

The picture is an SVG built by :mod:`mlops_magics.render.charts` (every label escaped there); it is parsed
with ``DOMParser`` as SVG and imported, never assigned as ``innerHTML``. A click on a line, bar or point
says which run it is (its ``<title>`` and the ``data-run`` id).
"""

from __future__ import annotations

__all__ = ["CSS", "ESM"]

CSS = """
.mmc{font:12px/1.4 var(--jp-ui-font-family,system-ui,sans-serif);color:var(--jp-ui-font-color1,#222)}
.mmc [data-run]{cursor:pointer}.mmc [data-run]:hover{opacity:.75}
.mmc .info{min-height:1.4em;color:var(--jp-ui-font-color2,#555)}
.mmc .info code{background:var(--jp-layout-color2,#f3f3f3);padding:0 4px;border-radius:3px}
"""

ESM = r"""
// The static picture is displayed just before this widget (what papermill, nbconvert and GitHub show);
// where the widget runs it takes over: hide that output.
function hideStaticTwin(host) {
  const child = host.closest(".jp-OutputArea-child, .output_area");
  const prev = child && child.previousElementSibling;
  if (prev && prev.querySelector(".mlops-chart-static")) prev.style.display = "none";
}

function render({ model, el: host }) {
  const root = document.createElement("div");
  root.className = "mmc";
  const picture = document.createElement("div");
  const info = document.createElement("div");
  info.className = "info";
  root.append(picture, info);
  host.appendChild(root);
  setTimeout(() => hideStaticTwin(host), 0);

  function draw() {
    const doc = new DOMParser().parseFromString(model.get("svg") || "<svg xmlns='http://www.w3.org/2000/svg'/>", "image/svg+xml");
    const svg = doc.documentElement;
    if (svg.nodeName.toLowerCase() !== "svg") return;  // a parser error: keep the last picture
    for (const s of svg.querySelectorAll("script, foreignObject")) s.remove();
    picture.replaceChildren(document.importNode(svg, true));
  }

  picture.addEventListener("click", (event) => {
    const mark = event.target.closest("[data-run]");
    if (!mark) return;
    const title = mark.querySelector("title");
    info.replaceChildren();
    info.append(document.createTextNode((title ? title.textContent : "") + "  "));
    const run = mark.getAttribute("data-run");
    if (run) {
      const code = document.createElement("code");
      code.textContent = "run " + run;
      info.append(code);
    }
    model.set("selected", run || "");
    model.save_changes();
  });

  draw();
  model.on("change:svg", draw);
}

export default { render };
"""
