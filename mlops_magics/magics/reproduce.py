"""``%mlops reproduce RUN [--exact] [--rtol X] [--atol X] [--timeout S] [--kernel NAME] [--cwd DIR] [--fail]``.

Re-executes the notebook run's recorded cells in a fresh kernel and returns the check (shown as a card:
the verdict, the values that differ, the likely causes). With ``--fail`` a run that does not reproduce
fails the cell with ``NotReproduced`` after the card is shown.
"""

from __future__ import annotations

from typing import Any

from ..commands import reproduce
from .context import MagicContext
from .parser import MagicArgumentParser, command_parser

__all__ = ["build_parser", "run"]


def build_parser() -> MagicArgumentParser:
    return command_parser("reproduce", reproduce)


def run(ctx: MagicContext) -> Any:
    args = build_parser().parse(ctx.argv)
    result = reproduce.execute(args, progress=lambda line: print(f"mlops: {line}", flush=True))
    if args.fail and not result.reproduced:
        from IPython.display import display

        display(result)  # the card stays in the output of the failing cell
        result.raise_if_failed()
    return result
