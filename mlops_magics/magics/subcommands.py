"""The table of ``%mlops`` sub-commands: name -> (module, one-line help).

Modules are imported only when their command runs, so ``%load_ext`` stays fast. Each module
defines ``run(ctx: MagicContext) -> object``; whatever it returns is the magic's value (shown by
IPython through the display formatters of :mod:`mlops_magics.render.formatters` or its ``__repr__``, and
assignable: ``df = %mlops data load x``).
"""

from __future__ import annotations

from dataclasses import dataclass

from ..commands import data, drift, models, monitor, pipeline, promote, reproduce, rollback, runs, serve, status, validate

__all__ = ["COMMANDS", "Command"]


@dataclass(frozen=True)
class Command:
    name: str
    module: str
    summary: str
    cell: bool = False  # also usable as %%mlops NAME


COMMANDS: dict[str, Command] = {
    c.name: c
    for c in [
        Command("help", "help", "list the sub-commands, or 'help CMD' for one"),
        Command("track", "track", "start the notebook run; as %%mlops track, run the cell in its own run", cell=True),
        Command("stop", "stop", "end the notebook run (FINISHED unless --status says otherwise)"),
        Command("log", "log", "log param/metric/artifact into the innermost active run"),
        Command("runs", "runs", runs.SUMMARY),
        Command("compare", "compare", "compare runs side by side, showing what differs"),
        Command("status", "status", status.SUMMARY),
        Command("data", "data", data.SUMMARY),
        Command("drift", "drift", drift.SUMMARY),
        Command("validate", "validate", validate.SUMMARY),
        Command("monitor", "monitor", monitor.SUMMARY),
        Command("register", "register", "log a model variable and register a version, checked by --gate"),
        Command("promote", "promote", promote.SUMMARY),
        Command("models", "models", models.SUMMARY),
        Command("load", "load", "load a registered version as its native object: m = %mlops load churn@champion"),
        Command("rollback", "rollback", rollback.SUMMARY),
        Command("pipeline", "pipeline", pipeline.SUMMARY),
        Command("reproduce", "reproduce", reproduce.SUMMARY),
        Command("serve", "serve", serve.SUMMARY),
    ]
}
