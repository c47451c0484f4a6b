"""``%mlops help [CMD]``: the sub-commands with one line each, or one command's full help."""

from __future__ import annotations

import importlib

from IPython.core.error import UsageError

from .context import MagicContext
from .subcommands import COMMANDS


def overview() -> str:
    """The list of sub-commands, one line each."""
    width = max(len(name) for name in COMMANDS)
    lines = ["%mlops SUB-COMMAND [options]   (%mlops SUB-COMMAND --help for one)", ""]
    for name, command in COMMANDS.items():
        prefix = "%%mlops" if command.cell else " %mlops"
        lines.append(f"  {prefix} {name.ljust(width)}  {command.summary}")
    return "\n".join(lines)


def run(ctx: MagicContext) -> None:
    if not ctx.argv:
        print(overview())
        return None
    name = ctx.argv[0]
    if name not in COMMANDS or name == "help":
        if name == "help":
            print(overview())
            return None
        raise UsageError(f"%mlops help: no sub-command '{name}'; type '%mlops help' for the list")
    module = importlib.import_module(f"{__package__}.{COMMANDS[name].module}")
    print(module.build_parser().format_help())
    return None
