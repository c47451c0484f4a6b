"""``%mlops stop [--status FINISHED|FAILED|KILLED]``: end the notebook run and wait until the background
writer has stored everything logged so far (a drain point)."""

from __future__ import annotations

from typing import Any

from ..core.tracking import notebook_runs, writer
from .context import MagicContext
from .parser import MagicArgumentParser

STATUSES = ("FINISHED", "FAILED", "KILLED")


def build_parser() -> MagicArgumentParser:
    parser = MagicArgumentParser("%mlops stop", description="End the notebook run started by %mlops track.")
    parser.add_argument("--status", default="FINISHED", type=str.upper, choices=STATUSES,
                        help="final status (default FINISHED)")
    return parser


def run(ctx: MagicContext) -> Any:
    args = build_parser().parse(ctx.argv)
    card = notebook_runs.stop(args.status)
    writer.drain()
    if card is None:
        print("mlops: no notebook run is active; %mlops track starts one")
        return None
    return card
