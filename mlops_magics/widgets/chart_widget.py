"""Charts that update while a cell runs and stay as a picture afterwards.

:func:`show_chart` displays the static SVG (what a saved notebook, papermill output, nbconvert and GitHub
keep) and, where widgets run, an anywidget that takes its place, redraws when :meth:`LiveChart.update` is
called (at most every ``min_interval`` seconds) and says which run a clicked mark is. :meth:`LiveChart.close`
draws the final picture into both.
"""

from __future__ import annotations

import threading
import time
from typing import Any, Callable

__all__ = ["LiveChart", "chart_widget", "show_chart"]

_widget_class: Any = None


def _make_class() -> Any:
    global _widget_class
    if _widget_class is None:
        import anywidget
        import traitlets

        from .chart_esm import CSS, ESM

        class ChartWidget(anywidget.AnyWidget):
            """An SVG chart; ``selected`` is the run id of the last clicked mark."""

            _esm = ESM
            _css = CSS
            svg = traitlets.Unicode("").tag(sync=True)
            selected = traitlets.Unicode("").tag(sync=True)

        _widget_class = ChartWidget
    return _widget_class


def chart_widget(svg: str) -> Any:
    """The interactive chart for one SVG picture."""
    return _make_class()(svg=svg)


def _static(svg: str) -> dict[str, str]:
    return {"text/html": f'<div class="mlops-chart-static">{svg}</div>', "text/plain": "<chart>"}


def show_chart(svg: str) -> Any:
    """Display a chart: the static picture, then the widget that replaces it where it runs."""
    from IPython.display import display

    display(_static(svg), raw=True)
    widget = chart_widget(svg)
    display(widget)
    return widget


class LiveChart:
    """A chart drawn by ``draw()`` (returning SVG), redrawn on :meth:`update` at most every ``min_interval``."""

    def __init__(self, draw: Callable[[], str], min_interval: float = 0.25) -> None:
        from IPython.display import display

        self.draw = draw
        self.min_interval = min_interval
        self._last = 0.0
        self._lock = threading.Lock()
        svg = draw()
        self._static = display(_static(svg), raw=True, display_id=True)
        self.widget = chart_widget(svg)
        display(self.widget)

    def update(self, force: bool = False) -> None:
        """Redraw the widget now if ``min_interval`` has passed (or ``force``)."""
        now = time.monotonic()
        with self._lock:
            if not force and now - self._last < self.min_interval:
                return
            self._last = now
        self.widget.svg = self.draw()

    def close(self) -> None:
        """The final picture, in the widget and in the static output the saved notebook keeps."""
        svg = self.draw()
        self.widget.svg = svg
        if self._static is not None:
            self._static.update(_static(svg), raw=True)
