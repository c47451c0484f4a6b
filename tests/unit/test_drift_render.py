"""Static HTML, text and widget renderings: escaping, size, fallbacks."""

from __future__ import annotations

import json
import re

import numpy as np
import pandas as pd
import pytest

from mlops_magics.drift import compare
from mlops_magics.widgets import drift_esm
from mlops_magics.widgets.drift_widget import payload, payload_size, static_bundle
from mlops_magics.render.drift_html import render_html
from mlops_magics.render.formatters import html as html_of

EVIL = "<img src=x onerror=alert(1)>"


@pytest.fixture
def evil_result():
    rng = np.random.default_rng(0)
    ref = pd.DataFrame({EVIL: rng.choice([EVIL, "<script>alert(2)</script>", "ok"], 300),
                        "x" + EVIL: rng.normal(size=300)})
    cur = ref.copy()
    cur["x" + EVIL] += 1
    return compare(ref, cur, reference_label=EVIL, current_label="cur")


def test_static_html_escapes_names_and_values(evil_result):
    html = render_html(evil_result)
    assert "<img" not in html and "<script>" not in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html
    assert "&lt;script&gt;" in html  # the category value, in a chart tooltip
    assert "<script" not in html.lower()  # the static report has no scripts at all


def test_static_bundle_is_what_every_viewer_can_show(evil_result):
    data = static_bundle(evil_result)
    assert "application/vnd.jupyter.widget-view+json" not in data  # nbconvert would pick it and show nothing
    assert data["text/html"] == render_html(evil_result) == html_of(evil_result)
    assert data["text/plain"].startswith("Drift in 1 of 2 columns")


def test_widget_sends_names_as_data_and_never_uses_inner_html(evil_result):
    sent = payload(evil_result)
    assert sent["columns"][0]["column"] in (EVIL, "x" + EVIL)
    json.dumps(sent, allow_nan=False)
    assert "innerHTML" not in drift_esm.ESM and "insertAdjacentHTML" not in drift_esm.ESM
    assert "http://" not in drift_esm.ESM.replace("http://www.w3.org/2000/svg", "")  # no CDN
    assert not re.search(r"import\s.*from\s+['\"]https?:", drift_esm.ESM)


def test_sizes_stay_small_whatever_the_shape():
    rng = np.random.default_rng(1)
    wide = pd.DataFrame({f"c{i}": rng.normal(size=200) for i in range(400)})
    r = compare(wide, wide + 0.1)
    assert len(render_html(r).encode()) < 200_000
    assert payload_size(r) < 200_000
    tall = pd.DataFrame({"x": rng.normal(size=200_000), "c": rng.choice(list("abc"), 200_000)})
    r2 = compare(tall, tall.iloc[::-1])
    assert payload_size(r2) < 30_000 and len(render_html(r2)) < 60_000


def test_text_rendering(evil_result):
    text = repr(evil_result)
    assert text.splitlines()[0].startswith("Drift in 1 of 2 columns (50%); dataset drift: yes")
    assert "statistic" in text


def test_widget_rejudges_on_threshold_change(evil_result):
    from mlops_magics.widgets.drift_widget import drift_widget

    w = drift_widget(evil_result)
    assert w.p_threshold == 0.05 and w.result.n_drifted == 1
    w.p_threshold = 1e-300
    assert w.result.n_drifted == 0 and w.result.thresholds["p_value"] == 1e-300
