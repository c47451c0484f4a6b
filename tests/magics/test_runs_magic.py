"""``%mlops runs`` in a real InteractiveShell: the current experiment only, key columns first and every
column in a fold below, escaped."""

from __future__ import annotations

import re

import pytest
from IPython.core.error import UsageError

from mlops_magics.render.formatters import html as html_of

HOSTILE = "<img src=x onerror=alert(1)>"


def _header(html: str) -> list[str]:
    """The column headers of the first table."""
    first = html.split("<details", 1)[0]
    return re.findall(r"<th style=[^>]*>(.*?)</th>", first)


def test_runs_magic_shows_the_current_experiment(ip):
    ip.run_cell("%%mlops track --run-name here\nacc = 0.5 + 0.25\n")
    ip.run_cell("%%mlops track --run-name there --experiment other\nacc = 0.5 + 0.125\n")
    table = ip.run_line_magic("mlops", "runs")
    assert table.experiment == "Default" and [r["name"] for r in table.rows] == ["here"]
    every = ip.run_line_magic("mlops", "runs --all-experiments")
    assert {r["name"] for r in every.rows} == {"here", "there"}
    assert "experiment" in _header(html_of(every))

    ip.run_line_magic("mlops", "track --experiment other --run-name session")  # a notebook run in other
    try:
        table = ip.run_line_magic("mlops", "runs")
        assert table.experiment == "other"
        assert [r["name"] for r in table.rows] == ["session", "there"]
        ip.run_cell("%%mlops track --run-name inside\nacc = 0.5 + 0.0625\n")
        assert [r["name"] for r in ip.run_line_magic("mlops", "runs").rows][:1] == ["inside"]
    finally:
        ip.run_line_magic("mlops", "stop")


def test_runs_magic_key_columns_then_the_rest_folded(ip):
    ip.run_cell(
        "from mlops_magics import track\n"
        "for i in range(2):\n"
        f"    with track(run_name={HOSTILE!r} + str(i), params={{'depth': i, 'note': '<script>x</script>'}},\n"
        "               capture_env=False) as run:\n"
        "        run.log_metrics({'accuracy': 0.8 + i / 10, 'rmse': 0.2,\n"
        "                         **{f'drift.c{j}.p_value': j / 100 for j in range(40)}})\n"
    )
    table = ip.run_line_magic("mlops", "runs --sort accuracy")
    html = html_of(table)
    header = _header(html)
    assert header == ["run", "id", "status", "started", "duration", "accuracy", "rmse"]  # what fits a cell
    fold = html.split("<details", 1)[1]
    assert "all 51 columns (40 more metrics, 2 more params)" in fold
    assert "drift.c39.p_value" in fold and "depth" in fold
    assert "<script>" not in html and "<img" not in html and "&lt;script&gt;x&lt;/script&gt;" in fold
    assert "&lt;img src=x onerror=alert(1)&gt;1" in html.split("<details", 1)[0]
    assert len(table.to_pandas().columns) == 9 + 42 + 2

    chosen = ip.run_line_magic("mlops", "runs --columns rmse,params.depth")
    assert _header(html_of(chosen)) == ["run", "rmse", "depth"]
    with pytest.raises(UsageError, match="no column 'nope'"):
        ip.run_line_magic("mlops", "runs --columns nope")
    with pytest.raises(UsageError, match="not allowed with argument"):
        ip.run_line_magic("mlops", "runs --experiment x --all-experiments")


def test_runs_magic_without_runs_says_how_to_start(ip):
    empty = ip.run_line_magic("mlops", "runs")
    assert "no runs in Default yet" in html_of(empty) and "%%mlops track" in repr(empty)
