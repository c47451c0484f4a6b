"""The ``mlops`` command: thin wrappers over the core, one module per sub-command.

Each module in ``CLI_COMMANDS`` defines ``add_parser(subparsers)`` (registering its parser with
``set_defaults(handler=run)``) and ``run(args) -> int``. ``MlopsUsageError`` exits 2, any other
``MlopsError`` exits 1, always with a one-line message on stderr.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from typing import Sequence

from ..core.errors import MlopsError, MlopsUsageError

__all__ = ["main"]

# name -> module under mlops_magics.cli
CLI_COMMANDS: dict[str, str] = {
    "status": "status",
    "runs": "runs",
    "data": "data",
    "drift": "drift",
    "models": "models",
    "promote": "models",
    "rollback": "models",
    "history": "models",
    "run": "run",
    "serve": "serve",
    "package": "package",
}


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """The ``mlops`` parser; with ``command``, only that sub-command's module is imported (fast start)."""
    from .. import __version__

    parser = argparse.ArgumentParser(prog="mlops", description="MLOps from the notebook, on the command line.")
    parser.add_argument("--version", action="version", version=f"mlops_magics {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    wanted = [CLI_COMMANDS[command]] if command in CLI_COMMANDS else list(CLI_COMMANDS.values())
    for module_name in dict.fromkeys(wanted):
        importlib.import_module(f"{__package__}.{module_name}").add_parser(sub)
    return parser


def _command_word(argv: Sequence[str]) -> str | None:
    for word in argv:
        if not word.startswith("-"):
            return word
    return None


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser(_command_word(argv))
    args = parser.parse_args(argv)
    handler = getattr(args, "handler", None)
    if handler is None:
        parser.print_help()
        return 2
    try:
        return int(handler(args) or 0)
    except MlopsUsageError as exc:
        print(f"mlops {args.command}: {exc}", file=sys.stderr)
        return 2
    except MlopsError as exc:
        print(f"mlops {args.command}: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print(f"mlops {args.command}: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # `mlops runs | head`: the reader left; say nothing more
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 141


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
