"""``models [NAME] [--history] [--alias A]`` (and the CLI's ``history NAME``): the registry's contents."""

from __future__ import annotations

import argparse
from typing import Any

from . import Face

SUMMARY = "registered models, or one model's versions and alias history"
DESCRIPTION = ("Registered models; with NAME, its versions (aliases, key metrics, source run, data versions, "
               "created) and recent alias moves; with --history, every recorded alias move.")
HISTORY_SUMMARY = "the alias history of a model (who, when, from, to, why)"


def add_arguments(parser: argparse.ArgumentParser, face: Face) -> None:
    parser.add_argument("name", nargs="?", metavar="NAME", help="one registered model")
    parser.add_argument("--history", action="store_true", help="the alias history of NAME (who, when, from, to, why)")
    parser.add_argument("--alias", metavar="ALIAS", help="with --history: only this alias")


def add_history_arguments(parser: argparse.ArgumentParser, face: Face) -> None:
    """``history NAME [--alias A]``: the same as ``models NAME --history``."""
    parser.add_argument("name", metavar="NAME", help="registered model name")
    parser.add_argument("--alias", metavar="ALIAS", help="only this alias")
    parser.set_defaults(history=True)


def execute(args: argparse.Namespace) -> Any:
    from ..core.errors import MlopsUsageError
    from ..registry import history, models

    if (args.history or args.alias) and not args.name:
        raise MlopsUsageError("models: --history needs a model name, e.g. models churn --history")
    if args.history or args.alias:
        return history(args.name, args.alias)
    return models(args.name)
