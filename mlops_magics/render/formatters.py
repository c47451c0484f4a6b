"""How the core's result objects look in a notebook: IPython display formatters.

Core results are plain dataclasses with a text ``repr`` and no display code. This table tells IPython
which builder in :mod:`mlops_magics.render` draws each as HTML, and that a drift result shows as its static
report plus the interactive widget. Registered by type name (IPython's ``for_type_by_name``), so neither
the result modules nor the builders are imported until a result is shown. :func:`register` runs when
``mlops_magics`` is imported inside an IPython shell and at ``%load_ext``; :func:`html` gives the same HTML
outside IPython (tests, saved reports).
"""

from __future__ import annotations

import importlib
from typing import Any, Callable

__all__ = ["HTML_BUILDERS", "html", "register"]

_CORE = "mlops_magics.core"
# (module, class) -> "module:function" under mlops_magics.render; a class also covers its subclasses
HTML_BUILDERS: dict[tuple[str, str], str] = {
    (f"{_CORE}.tracking.results", "RunCard"): "cards:run_card_html",
    (f"{_CORE}.tracking.results", "RunTable"): "cards:run_table_html",
    (f"{_CORE}.tracking.results", "RunComparison"): "run_charts:comparison_html",
    (f"{_CORE}.tracking.run_plots", "RunPlot"): "run_charts:run_plot_html",
    (f"{_CORE}.tracking.results", "StoreStatus"): "cards:status_html",
    (f"{_CORE}.registry.results", "Registration"): "registry_cards:registration_html",
    (f"{_CORE}.registry.results", "Comparison"): "registry_cards:comparison_html",
    (f"{_CORE}.registry.results", "Promotion"): "registry_cards:promotion_html",
    (f"{_CORE}.registry.results", "ModelTable"): "registry_cards:model_table_html",
    (f"{_CORE}.registry.results", "VersionTable"): "registry_cards:version_table_html",
    (f"{_CORE}.registry.results", "AliasHistory"): "registry_cards:history_html",
    (f"{_CORE}.pipeline.results", "PipelineResult"): "pipeline_html:pipeline_html",
    (f"{_CORE}.pipeline.results", "PipelineGraph"): "pipeline_html:graph_html",
    (f"{_CORE}.drift.result", "DriftResult"): "drift_html:render_html",
    (f"{_CORE}.drift.quality", "QualityReport"): "quality_html:quality_html",
    (f"{_CORE}.monitoring.results", "MonitorCheck"): "monitor_html:monitor_card_html",
    (f"{_CORE}.datastore.diff", "DataDiff"): "data_html:diff_html",
    (f"{_CORE}.reproduce.results", "Reproduction"): "reproduce_html:reproduction_html",
    (f"{_CORE}.serving.results", "ServedModel"): "serving_html:served_card_html",
    (f"{_CORE}.serving.results", "ServedTable"): "serving_html:served_table_html",
    (f"{_CORE}.result_table", "TableResult"): "tables:table_html",
}
# shown by a function of their own instead of one mimebundle (static HTML, then the widget that takes its
# place: the drift report, the pictures of a comparison or a plot of runs)
DISPLAY_HOOKS: dict[tuple[str, str], str] = {
    (f"{_CORE}.drift.result", "DriftResult"): "mlops_magics.widgets.drift_widget:show",
    (f"{_CORE}.tracking.results", "RunComparison"): "mlops_magics.widgets.chart_widget:show_result",
    (f"{_CORE}.tracking.run_plots", "RunPlot"): "mlops_magics.widgets.chart_widget:show_result",
}


def _resolve(target: str) -> Callable[[Any], Any]:
    module, _, name = target.partition(":")
    if not module.startswith("mlops_magics."):
        module = f"{__package__}.{module}"
    return getattr(importlib.import_module(module), name)


def _lazy(target: str) -> Callable[[Any], Any]:
    def build(obj: Any) -> Any:
        return _resolve(target)(obj)

    build.__name__ = target.rpartition(":")[2]
    return build


def html(obj: Any) -> str | None:
    """The HTML IPython would show for ``obj`` (None for a type with no builder)."""
    for cls in type(obj).__mro__:
        target = HTML_BUILDERS.get((cls.__module__, cls.__name__))
        if target is not None:
            return _resolve(target)(obj)
    return None


def register(shell: Any) -> None:
    """Teach ``shell``'s display formatters our result types (idempotent)."""
    formatter = shell.display_formatter
    for (module, name), target in HTML_BUILDERS.items():
        formatter.formatters["text/html"].for_type_by_name(module, name, _lazy(target))
    for (module, name), target in DISPLAY_HOOKS.items():
        formatter.ipython_display_formatter.for_type_by_name(module, name, _lazy(target))
