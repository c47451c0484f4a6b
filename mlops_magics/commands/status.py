"""``status``: where runs are stored and which are active."""

from __future__ import annotations

import argparse
from typing import Any

from . import Face

SUMMARY = "tracking URI, store location, experiment, active runs and dead runs reaped"
DESCRIPTION = "Where runs are stored and which are active."


def add_arguments(parser: argparse.ArgumentParser, face: Face) -> None:
    """No options."""


def execute(args: argparse.Namespace) -> Any:
    from ..core.tracking import queries

    return queries.store_status()
