"""Charts that say which run a clicked mark is, update while a cell runs and stay as pictures afterwards.

Every chart is shown twice: a static block of SVG pictures (``text/html``: what a saved notebook,
papermill output, nbconvert and GitHub keep) and, where widgets run, an anywidget that hides that block
(:mod:`.chart_esm`), draws the same pictures and names the run of a clicked line, bar or point
(``widget.selected`` is its id). Two outputs rather than one bundle: a bundle holding a widget view makes
nbconvert and papermill outputs pick the view, which is blank without a live kernel.

:class:`LiveChart` is the one under a tracked cell: :meth:`~LiveChart.update` redraws the widget,
:meth:`~LiveChart.close` draws the final pictures into both outputs.
"""

from __future__ import annotations

import uuid
from typing import Any, Sequence

from ..core.errors import first_line
from ..render.charts import static_block

__all__ = ["LiveChart", "LiveRunChart", "chart_widget", "show_charts", "show_result", "static_bundle"]

_widget_class: Any = None


def _make_class() -> Any:
    global _widget_class
    if _widget_class is None:
        import anywidget
        import traitlets

        from .chart_esm import CSS, ESM

        class ChartWidget(anywidget.AnyWidget):
            """SVG charts; ``selected`` is the run id of the last clicked mark."""

            _esm = ESM
            _css = CSS
            charts = traitlets.List(traitlets.Unicode()).tag(sync=True)
            chart_id = traitlets.Unicode("").tag(sync=True)
            selected = traitlets.Unicode("").tag(sync=True)

            def __repr__(self) -> str:
                return f"<{len(self.charts)} chart{'s' if len(self.charts) != 1 else ''}>"

        _widget_class = ChartWidget
    return _widget_class


def new_chart_id() -> str:
    """What ties a widget to its static twin (hex: it goes into a CSS selector)."""
    return uuid.uuid4().hex


def chart_widget(charts: Sequence[str], chart_id: str = "") -> Any:
    """The interactive view of SVG ``charts`` (hiding the static block ``chart_id`` where it runs)."""
    return _make_class()(charts=list(charts), chart_id=chart_id)


def static_bundle(charts: Sequence[str], chart_id: str, text: str = "<chart>") -> dict[str, str]:
    """The pictures as a ``text/html`` output every notebook viewer shows."""
    return {"text/html": static_block(charts, chart_id), "text/plain": text}


def show_charts(charts: Sequence[str]) -> Any:
    """Display SVG charts: the static pictures, then the widget that replaces them where it runs."""
    from IPython.display import display

    chart_id = new_chart_id()
    display(static_bundle(charts, chart_id), raw=True)
    widget = chart_widget(charts, chart_id)
    display(widget)
    return widget


def show_result(result: Any) -> None:
    """IPython's display hook for results with charts (a comparison, a plot of runs): the static card
    with its pictures, then the widget that takes the pictures' place where widgets run."""
    from IPython.display import display

    from ..render.run_charts import card_html, card_parts

    parts = card_parts(result)
    charts = parts[1]
    chart_id = new_chart_id()
    display({"text/html": card_html(result, chart_id, parts), "text/plain": repr(result)}, raw=True)
    if charts:
        display(chart_widget(charts, chart_id))


class LiveChart:
    """Charts under a running cell: shown at once, redrawn by :meth:`update`, final at :meth:`close`."""

    def __init__(self, charts: Sequence[str]) -> None:
        from IPython.display import display

        self.chart_id = new_chart_id()
        self._static = display(static_bundle(charts, self.chart_id), raw=True, display_id=True)
        self.widget = chart_widget(charts, self.chart_id)
        display(self.widget)

    def update(self, charts: Sequence[str]) -> None:
        """Redraw the widget (the static pictures change only at :meth:`close`)."""
        self.widget.charts = list(charts)

    def close(self, charts: Sequence[str]) -> None:
        """The final pictures, in the widget and in the static output the saved notebook keeps."""
        self.widget.charts = list(charts)
        if self._static is not None:
            self._static.update(static_bundle(charts, self.chart_id), raw=True)


class LiveRunChart:
    """The chart of a running run's stepped metrics, under the cell that runs it (a context manager).

    A :class:`~mlops_magics.core.tracking.live_metrics.MetricWatcher` collects the metrics (those logged
    through our run handle at once, MLflow's autolog and the user's ``mlflow.log_metric`` from the
    store); the chart appears with the first metric that has two steps, is redrawn as they grow and
    ends as the final pictures. Nothing here raises into the cell: a failure ends the live drawing
    and is listed in ``problems``.
    """

    def __init__(self, handle: Any, poll_interval: float = 0.75, redraw_interval: float = 0.3) -> None:
        import threading

        from ..core.tracking.live_metrics import MetricWatcher

        self.handle = handle
        self.chart: LiveChart | None = None
        self.problems: list[str] = []
        self._lock = threading.Lock()
        self._closed = False
        self.watcher = MetricWatcher(handle, self._draw, poll_interval=poll_interval,
                                     redraw_interval=redraw_interval)

    def _pictures(self, series: Any) -> list[str]:
        from ..render.charts import metric_charts

        return metric_charts(series.snapshot(), run_id=self.handle.run_id, title=f"run {self.handle.name}")

    def _draw(self, series: Any) -> None:
        charts = self._pictures(series)
        with self._lock:
            if self._closed:
                return
            if self.chart is None:
                self.chart = LiveChart(charts)
            else:
                self.chart.update(charts)

    def __enter__(self) -> "LiveRunChart":
        self.watcher.start()
        return self

    def __exit__(self, *exc_info: Any) -> None:
        try:
            series = self.watcher.stop()
            with self._lock:
                self._closed = True
                if series.stepped():
                    charts = self._pictures(series)
                    if self.chart is None:
                        self.chart = LiveChart(charts)  # a quick cell: its steps came between two redraws
                    self.chart.close(charts)
        except Exception as exc:  # noqa: BLE001 - the cell's outcome matters, not its picture
            self.problems.append(f"live chart: {type(exc).__name__}: {first_line(exc)}")
        self.problems += [f"live chart: {e}" for e in self.watcher.problems()]
