"""Argument parsing for ``%mlops`` sub-commands: argparse that raises ``UsageError``.

Pattern from jupysql's ``%sqlcmd``: one small parser per sub-command whose ``error()`` raises
instead of exiting the kernel, and whose ``--help`` prints and stops without an error.
"""

from __future__ import annotations

import argparse
import shlex
from types import ModuleType
from typing import NoReturn, Sequence

from IPython.core.error import UsageError

__all__ = ["HelpShown", "MagicArgumentParser", "command_parser", "split_line"]


class HelpShown(Exception):
    """Raised after ``--help`` was printed: the command has nothing more to do."""


class MagicArgumentParser(argparse.ArgumentParser):
    """An ``ArgumentParser`` for a magic: errors become ``UsageError``, never ``SystemExit``."""

    def __init__(self, prog: str, description: str | None = None, **kwargs) -> None:
        kwargs.setdefault("add_help", True)
        super().__init__(prog=prog, description=description, **kwargs)

    def error(self, message: str) -> NoReturn:
        raise UsageError(f"{self.prog}: {message}. Try '{self.prog} --help'.")

    def exit(self, status: int = 0, message: str | None = None) -> NoReturn:
        if message:
            print(message)
        raise HelpShown()

    def parse(self, argv: Sequence[str]) -> argparse.Namespace:
        """Parse ``argv``; ``HelpShown`` propagates when ``--help`` was asked for."""
        return self.parse_args(list(argv))


def split_line(line: str) -> list[str]:
    """Split a magic line like a shell would, with a usage error for unbalanced quotes."""
    try:
        return shlex.split(line, posix=True)
    except ValueError as exc:
        raise UsageError(f"%mlops: cannot parse the line ({exc}); check the quotes") from None


def command_parser(name: str, command: ModuleType, arguments: str = "add_arguments",
                   description: str = "DESCRIPTION") -> MagicArgumentParser:
    """``%mlops NAME``'s parser from the command's one definition in :mod:`mlops_magics.commands`."""
    parser = MagicArgumentParser(f"%mlops {name}", description=getattr(command, description))
    getattr(command, arguments)(parser, "magic")
    return parser
