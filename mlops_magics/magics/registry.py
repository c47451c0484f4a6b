"""The table of ``%mlops`` sub-commands: name -> (module, one-line help).

Modules are imported only when their command runs, so ``%load_ext`` stays fast. Each module
defines ``run(ctx: MagicContext) -> object``; whatever it returns is the magic's value (shown by
IPython through its ``_repr_html_`` / ``__repr__``, and assignable: ``df = %mlops data load x``).
"""

from __future__ import annotations

from dataclasses import dataclass

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
        Command("runs", "runs", "table of recent runs (newest first); .to_pandas() gives a DataFrame"),
        Command("compare", "compare", "compare runs side by side, showing what differs"),
        Command("status", "status", "tracking URI, store location, experiment and active runs"),
        Command("data", "data", "version files, folders and DataFrames; list, log, checkout, load, diff, push, pull"),
        Command("drift", "drift", "data drift between a reference and a current frame"),
        Command("register", "register", "log a model variable and register a version, checked by --gate"),
        Command("promote", "promote", "move an alias to a version (--if-better compares with the holder)"),
        Command("models", "models", "registered models, or one model's versions and alias history"),
        Command("load", "load", "load a registered version as its native object: m = %mlops load churn@champion"),
        Command("rollback", "rollback", "point an alias back at the version that held it before"),
        Command("pipeline", "pipeline", "run, show or inspect a pipeline of parameterized notebooks"),
        Command("serve", "serve", "serve a model in the background (metrics, alias following, shadow, capture)"),
    ]
}
