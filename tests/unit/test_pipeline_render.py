"""Text, HTML and SVG of pipeline results: every value escaped, states visible."""

from __future__ import annotations

from mlops_magics.commands.pipeline import parse_params
from mlops_magics.core.pipeline.results import PipelineResult, StepResult
from mlops_magics.render.dag_svg import dag_svg
from mlops_magics.render.formatters import html as html_of


def _result() -> PipelineResult:
    steps = {
        "prep<x>": StepResult("prep<x>", "a&b.ipynb", state="succeeded", duration_s=1.5, executed="/s/<p>.ipynb"),
        "train": StepResult("train", "t.ipynb", state="failed", error="cell 2: ValueError: <script>alert(1)</script>",
                            depends_on=("prep<x>",), executed="/s/train.ipynb", attempts=2),
        "eval": StepResult("eval", "e.ipynb", state="skipped", reason="upstream step train failed",
                           depends_on=("train",)),
        "side": StepResult("side", "s.ipynb", state="cached", reason="unchanged"),
    }
    return PipelineResult("p", "/x/p.yaml", "/x/p.lock", steps, state="failed", run_id="r1", duration_s=3.0)


def test_html_escapes_everything_and_shows_states():
    html = html_of(_result())
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert "prep&lt;x&gt;" in html and "a&amp;b.ipynb" in html and "<x>" not in html
    for state in ("succeeded", "failed", "skipped", "cached"):
        assert f">{state}</span>" in html
    assert "(2 attempts)" in html and "&#10003;" in html  # the cache hit column
    assert html.count("<tr>") == 5 and "<svg" in html


def test_text_summary():
    text = repr(_result())
    assert text.startswith("pipeline p: failed in 3.0 s (1 succeeded, 1 cached, 1 failed, 1 skipped)")
    assert "notebook: /s/train.ipynb" in text and "(upstream step train failed)" in text
    result = _result()
    assert not result.ok and result.failed == ["train"] and result["side"].cached


def test_svg_layers_edges_and_escaping():
    svg = dag_svg({"a<": (), "b": ("a<",), "c": ("a<",), "d": ("b", "c")}, {"a<": "succeeded", "d": "running"})
    assert svg.startswith("<svg") and svg.endswith("</svg>")
    assert svg.count("<path d=") == 4 + 1  # four edges and the arrow head
    assert 'data-step="a&lt;"' in svg and "a<\"" not in svg
    assert 'width="' in svg and svg.count('class="mlops-step"') == 4


def test_parse_params():
    assert parse_params(["a=1", "b.c=0.5", "d=true", "e=[1, 2]", "f=text", "g="]) == {
        "a": 1, "b.c": 0.5, "d": True, "e": [1, 2], "f": "text", "g": ""}


def test_outcome_and_plan_are_shown():
    """What a step decided shows in the text summary and the widget; before a step starts, its plan."""
    result = _result()
    result["prep<x>"].outcome = "not promoted: churn v2 accuracy = 0.785 <is worse>"
    result["eval"].state, result["eval"].plan, result["eval"].reason = "pending", "run", "notebook code changed"
    text = repr(result)
    assert "outcome: not promoted: churn v2 accuracy = 0.785 <is worse>" in text
    html = html_of(result)
    assert 'class="mlops-outcome"' in html and "not promoted: churn v2 accuracy = 0.785 &lt;is worse&gt;" in html
    assert "will run: notebook code changed" in html
