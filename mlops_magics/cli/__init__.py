"""The ``mlops`` command: thin wrappers over the core, one module per sub-command.

Each entry of ``CLI_COMMANDS`` names the module here whose ``run(args) -> int`` handles it and the module
of :mod:`mlops_magics.commands` that defines its arguments (shared with the magic). Only the invoked
command's modules are imported. ``MlopsUsageError`` exits 2, any other ``MlopsError`` exits 1, always with
a one-line message on stderr.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from dataclasses import dataclass
from typing import NoReturn, Sequence

from ..commands.argv import normalise
from ..core.errors import MlopsError, exit_status

__all__ = ["CLI_COMMANDS", "CliArgumentParser", "CliCommand", "build_parser", "main"]


@dataclass(frozen=True)
class CliCommand:
    """``handler``: module here with ``run(args) -> int``; ``command``: module of :mod:`mlops_magics.commands`
    and the names in it of the argument function, the one-line summary and the description."""

    handler: str
    command: str
    arguments: str = "add_arguments"
    summary: str = "SUMMARY"
    description: str = "DESCRIPTION"


CLI_COMMANDS: dict[str, CliCommand] = {
    "status": CliCommand("status", "status"),
    "runs": CliCommand("runs", "runs"),
    "data": CliCommand("data", "data"),
    "drift": CliCommand("drift", "drift"),
    "validate": CliCommand("validate", "validate"),
    "monitor": CliCommand("monitor", "monitor"),
    "models": CliCommand("models", "models"),
    "history": CliCommand("models", "models", "add_history_arguments", "HISTORY_SUMMARY", "HISTORY_SUMMARY"),
    "promote": CliCommand("promote", "promote"),
    "rollback": CliCommand("rollback", "rollback"),
    "reproduce": CliCommand("reproduce", "reproduce"),
    "serve": CliCommand("serve", "serve"),
    "package": CliCommand("package", "package"),
    "run": CliCommand("run", "pipeline", "add_run_arguments", "RUN_SUMMARY", "RUN_DESCRIPTION"),
}


class CliArgumentParser(argparse.ArgumentParser):
    """argparse with a one-line usage error (``mlops data push: argument --remote: ... Try '... --help'.``)."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: {message}. Try '{self.prog} --help'.\n")


def _add(sub: argparse._SubParsersAction, name: str, entry: CliCommand) -> None:
    command = importlib.import_module(f"{__package__.rpartition('.')[0]}.commands.{entry.command}")
    parser = sub.add_parser(name, help=getattr(command, entry.summary),
                            description=getattr(command, entry.description))
    getattr(command, entry.arguments)(parser, "cli")
    handler = importlib.import_module(f"{__package__}.{entry.handler}").run
    parser.set_defaults(handler=handler, command_parser=parser)


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """The ``mlops`` parser; with ``command``, only that sub-command's modules are imported (fast start)."""
    from .. import __version__

    parser = CliArgumentParser(prog="mlops", description="MLOps from the notebook, on the command line.")
    parser.add_argument("--version", action="version", version=f"mlops_magics {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    names = [command] if command in CLI_COMMANDS else list(CLI_COMMANDS)
    for name in names:
        _add(sub, name, CLI_COMMANDS[name])
    return parser


def _command_word(argv: Sequence[str]) -> str | None:
    for word in argv:
        if not word.startswith("-"):
            return word
    return None


def main(argv: Sequence[str] | None = None) -> int:
    argv = normalise(sys.argv[1:] if argv is None else argv)
    # MLflow prints "View run ... at URL" on stdout when a run on a server ends: noise in a command's output
    os.environ.setdefault("MLFLOW_SUPPRESS_PRINTING_URL_TO_STDOUT", "true")
    parser = build_parser(_command_word(argv))
    args = parser.parse_args(argv)
    handler = getattr(args, "handler", None)
    if handler is None:
        parser.print_help()
        return 2
    try:
        return int(handler(args) or 0)
    except MlopsError as exc:  # a usage mistake exits 2, a failure 1
        print(f"mlops {args.command}: {exc}", file=sys.stderr)
        return exit_status(exc)
    except KeyboardInterrupt:
        print(f"mlops {args.command}: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # `mlops runs | head`: the reader left; say nothing more
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 141


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
