"""The pictures: static SVG builders, compare curves and bars, plots of runs, and the live metric watcher,
on the embedded store and a real ``mlflow server`` (the ``store`` fixture)."""

from __future__ import annotations

import re
import threading
import time
import xml.dom.minidom
from html import escape

import pytest

from mlops_magics.core.errors import MlopsUsageError
from mlops_magics.core.tracking import queries, runs
from mlops_magics.core.tracking.histories import sampled_histories, stepped_keys
from mlops_magics.core.tracking.live_metrics import MetricSeries, MetricWatcher
from mlops_magics.core.tracking.run_plots import lower_is_better, plot_runs
from mlops_magics.core.tracking.runs import track
from mlops_magics.render import charts
from mlops_magics.render.formatters import html as html_of
from mlops_magics.render.run_charts import card_parts
from mlops_magics.widgets import chart_esm

EVIL = "<img src=x onerror=alert(1)>"


def _points(svg: str, series: str) -> int:
    """How many points the line of ``series`` has in a line chart."""
    group = re.search(rf'data-series="{re.escape(escape(series, quote=True))}".*?<path d="([^"]+)"', svg)
    assert group, f"no line for {series}"
    return group.group(1).count("L") + 1


def _wait(condition, what: str, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"gave up waiting for {what}")
        time.sleep(0.05)


def test_svg_builders_escape_every_label_and_parse_as_xml():
    line = charts.line_chart({EVIL: [(0, 1.0), (1, 0.5), (2, float("nan")), (3, 0.25)]}, title=EVIL,
                             x_label=EVIL, run_ids={EVIL: "r1"})
    scatter = charts.scatter_chart([(0.1, 1.0, EVIL, "r1"), (0.01, 2.0, "b", "r2")], x_label=EVIL, y_label=EVIL,
                                   best="r1", x_log=True)
    cats = charts.scatter_chart([(0, 1.0, "a", "r1"), (1, 2.0, "b", "r2")], x_label="opt", y_label="acc",
                                x_categories=[EVIL, "sgd"])
    bars = charts.bar_chart({EVIL: {EVIL: 1.0, "b": -2.0}}, run_ids={EVIL: "r1"})
    parallel = charts.parallel_coordinates(
        [{"lr": 0.001, "opt": 0, "rmse": 0.5}, {"lr": 0.1, "opt": 1, "rmse": 0.4}], ["lr", "opt", "rmse"],
        colour_by="rmse", names=[EVIL, "b"], run_ids=["r1", "r2"], best="r2", categories={"opt": [EVIL, "sgd"]},
        log_axes=["lr"])
    for svg in (line, scatter, cats, bars, parallel):
        assert "<img" not in svg and "<script" not in svg
        assert "&lt;img src=x onerror=alert(1)&gt;" in svg
        xml.dom.minidom.parseString(svg)  # well-formed: the widget parses it as SVG
    assert _points(line, EVIL) == 3  # the NaN is left out
    assert "best: b" in parallel and 'data-run="r2"' in parallel
    assert "best: &lt;img" in scatter


def test_metric_charts_put_different_scales_on_charts_of_their_own():
    series = {"loss": [(i, 100.0 / (i + 1)) for i in range(10)], "accuracy": [(i, 50.0 + i) for i in range(10)],
              "lr": [(i, 0.001 * 0.9 ** i) for i in range(10)]}
    assert charts.scale_groups(series) == [["loss", "accuracy"], ["lr"]]
    pictures = charts.metric_charts(series, run_id="abc", title="run x")
    assert len(pictures) == 2 and 'data-series="lr"' in pictures[1] and 'data-run="abc"' in pictures[0]
    block = charts.static_block(pictures, "0123abcd")
    assert block.startswith('<div class="mlops-chart-static" data-chart="0123abcd"') and block.count("<svg") == 2
    assert charts.static_block([], "x") == ""


def test_widget_front_end_parses_svg_and_loads_nothing_from_the_network():
    assert "innerHTML" not in chart_esm.ESM and "insertAdjacentHTML" not in chart_esm.ESM
    assert "image/svg+xml" in chart_esm.ESM
    assert not re.search(r"import\s.*from\s+['\"]https?:", chart_esm.ESM)
    assert "http" not in chart_esm.ESM


def _training_run(name: str, lr: float, optimizer: str, steps: int, scale: float) -> str:
    with track(run_name=name, params={"learning_rate": lr, "optimizer": optimizer}) as run:
        for step in range(steps):
            run.log_metric("loss", scale / (step + 1), step=step)
        run.log_metric("rmse", scale * lr * 10)
        return run.run_id


def test_compare_draws_overlaid_curves_and_bars_of_what_differs(store, store_client):
    first = _training_run(EVIL, 0.1, "adam", 30, 1.0)
    second = _training_run("b", 0.01, "sgd", 50, 2.0)
    run = store_client.get_run(second)
    assert stepped_keys(run) == ["loss"]  # rmse was logged once, at step 0
    assert sampled_histories(store_client, [first, second], "loss", max_points=10)[second][-1] == (49, 2.0 / 50)
    comparison = queries.compare_runs([first, second])
    assert set(comparison.curves) == {"loss"}
    assert [s for s, _ in comparison.curves["loss"][first]] == list(range(30))
    head, pictures = card_parts(comparison)
    curves, bars = pictures
    label = comparison.labels()
    assert _points(curves, label[first]) == 30
    assert _points(curves, label[second]) == 50
    assert "rmse" in bars and f'data-run="{second}"' in bars
    page = html_of(comparison)
    assert "<img" not in page and "&lt;img src=x onerror=alert(1)&gt;" in page
    assert page.count("<svg") == 2 and 'class="mlops-chart-static"' in page
    with pytest.raises(MlopsUsageError, match="a second time"):
        queries.compare_runs([first, first])


def test_compare_keeps_curves_bounded(store, store_client):
    with track(run_name="long") as run:
        for step in range(1500):
            run.log_metric("loss", 1.0 / (step + 1), step=step)
        long_id = run.run_id
    short_id = _training_run("short", 0.1, "adam", 5, 1.0)
    comparison = queries.compare_runs([long_id, short_id])
    points = comparison.curves["loss"][long_id]
    assert len(points) <= 400 and points[0][0] == 0 and points[-1][0] == 1499


def test_plot_runs_marks_the_best_run_by_the_right_end(store):
    from mlops_magics.core.backend import session

    for name, lr, opt in ((EVIL, 0.1, "adam"), ("mid", 0.01, "sgd"), ("low", 0.001, "adam")):
        _training_run(name, lr, opt, 3, 1.0)
    rows = queries.list_runs(session.settings().experiment, 50).rows
    plot = plot_runs("rmse", ["learning_rate"], rows, None)
    assert plot.lower_is_better and plot.best["name"] == "low" and plot.numeric == {"learning_rate": True}
    (scatter,) = card_parts(plot)[1]
    assert "best: low" in scatter and "0.001" in scatter  # a log axis: 0.001 to 0.1 is a factor of 100
    higher = plot_runs("+rmse", ["optimizer"], rows, None)
    assert not higher.lower_is_better and higher.best["name"] == EVIL and higher.categories("optimizer") == ["adam", "sgd"]
    several = plot_runs("rmse", None, rows, None)  # the params that differ
    assert several.by == ["learning_rate", "optimizer"]
    page = html_of(several)
    assert "mlops-parallel" in page and "<img" not in page and "best: low" in page
    assert repr(several).splitlines()[1].startswith("best low")
    with pytest.raises(MlopsUsageError, match="no such param in these runs; known: learning_rate, optimizer"):
        plot_runs("rmse", ["depth"], rows, None)
    with pytest.raises(MlopsUsageError, match="no listed run has the metric 'f1'; known: loss, rmse"):
        plot_runs("f1", None, rows, None)


@pytest.mark.parametrize("metric, expected", [
    ("rmse", ("rmse", True)), ("val_loss", ("val_loss", True)), ("accuracy", ("accuracy", False)),
    ("-accuracy", ("accuracy", True)), ("+rmse", ("rmse", False)), ("valid_0-l2", ("valid_0-l2", True)),
    ("r2", ("r2", False)),
])
def test_which_end_is_best(metric, expected):
    assert lower_is_better(metric) == expected


def test_metric_series_keeps_the_handles_values_and_stays_bounded():
    series = MetricSeries(max_points=50)
    for step in range(500):
        series.push("loss", 1.0 / (step + 1), step)
    series.replace("loss", [(0, 99.0)])  # the store lags behind the handle: ignored
    snap = series.snapshot()["loss"]
    assert len(snap) <= 50 and snap[0] == (0, 1.0) and snap[-1] == (499, 1.0 / 500)
    assert series.stepped()


def test_watcher_sees_handle_values_and_values_sent_straight_to_the_store(store, store_client):
    handle = runs.start_run("cell", run_name="live")
    drawn: list[dict] = []
    watcher = MetricWatcher(handle, lambda s: drawn.append(s.snapshot()), poll_interval=0.1, redraw_interval=0.05)
    watcher.start()
    try:
        for step in range(5):
            handle.log_metric("loss", 1.0 / (step + 1), step=step)  # buffered by the handle, not in the store yet
        _wait(lambda: drawn and len(drawn[-1].get("loss", [])) == 5, "the handle's values")
        for step in range(4):  # what MLflow's autolog or the user's mlflow.log_metric do
            store_client.log_metric(handle.run_id, "val_acc", 0.5 + step / 10, step=step)
        _wait(lambda: len(drawn[-1].get("val_acc", [])) == 4, "the store's values")
    finally:
        series = watcher.stop()
        handle.end()
    assert not watcher._thread.is_alive()
    assert series.snapshot()["val_acc"][-1] == (3, 0.8) and watcher.problems() == []


def test_watcher_never_raises_into_the_cell(store):
    handle = runs.start_run("cell", run_name="broken-chart")

    def draw(series):
        raise RuntimeError("cannot draw")

    watcher = MetricWatcher(handle, draw, poll_interval=0.05, redraw_interval=0.02).start()
    try:
        handle.log_metric("loss", 1.0, step=0)
        handle.log_metric("loss", 0.5, step=1)
        _wait(lambda: watcher.errors, "the failed drawing")
    finally:
        watcher.stop()
        handle.end()
    assert set(watcher.problems()) == {"RuntimeError: cannot draw"}
    assert not any(t.name == "mlops-live-metrics" for t in threading.enumerate())
