"""``%mlops`` / ``%%mlops``: route the first word to its sub-command module."""

from __future__ import annotations

import importlib
from typing import Any

from IPython.core.error import UsageError
from IPython.core.magic import Magics, line_cell_magic, magics_class, needs_local_scope

from ..commands.argv import normalise
from ..core.errors import MlopsUsageError
from .context import MagicContext
from .parser import HelpShown, split_line
from .subcommands import COMMANDS

__all__ = ["MlopsMagics"]


def _unknown(name: str) -> UsageError:
    import difflib

    close = difflib.get_close_matches(name, COMMANDS, n=1)
    hint = f" Did you mean '{close[0]}'?" if close else ""
    return UsageError(f"%mlops: unknown sub-command '{name}'.{hint} Type '%mlops help' for the list.")


@magics_class
class MlopsMagics(Magics):
    """The ``%mlops`` line and cell magic."""

    @needs_local_scope
    @line_cell_magic
    def mlops(self, line: str, cell: str | None = None, local_ns: dict | None = None) -> Any:
        """MLOps from the notebook. Type ``%mlops help`` for the sub-commands."""
        argv = normalise(split_line(line))
        name = argv[0] if argv else "help"
        command = COMMANDS.get(name)
        if command is None:
            raise _unknown(name)
        if cell is not None and not command.cell:
            raise UsageError(f"%%mlops {name} is not a cell magic; use it as a line: %mlops {name} ...")
        module = importlib.import_module(f"{__package__}.{command.module}")
        ctx = MagicContext(shell=self.shell, argv=argv[1:], cell=cell, local_ns=local_ns)
        try:
            return module.run(ctx)
        except HelpShown:
            return None
        except MlopsUsageError as exc:
            raise UsageError(str(exc)) from None
