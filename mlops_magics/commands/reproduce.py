"""``reproduce RUN [--exact] [--rtol X] [--atol X] [--timeout S] [--kernel NAME] [--cwd DIR]``: the reproducibility
check."""

from __future__ import annotations

import argparse
from typing import Any, Callable

from . import Face

SUMMARY = "re-execute a notebook run's recorded cells in a fresh kernel and say whether its values reproduce"
DESCRIPTION = ("Re-execute the cells notebook run RUN recorded in a fresh kernel (papermill) with the data versions "
               "it used, into a new run linked to it: each cell once, in its last version, in the order the cells "
               "first ran (--exact: every recorded execution as it happened). Then compare the params and metrics "
               "of both runs and of their %%mlops track cells' runs. Says 'reproduced', or which values differ "
               "and the likely causes: cells that failed, variables defined before %mlops track, files changed "
               "since, cells edited after they ran or run out of order, changed packages.")


def add_arguments(parser: argparse.ArgumentParser, face: Face) -> None:
    from ..core.reproduce.compare import DEFAULT_ATOL, DEFAULT_RTOL

    parser.add_argument("run", metavar="RUN", help="the notebook run: id, id prefix (8+ characters) or run name")
    parser.add_argument("--exact", action="store_true",
                        help="replay every recorded execution as it happened (re-runs and earlier versions too)")
    parser.add_argument("--rtol", type=float, default=DEFAULT_RTOL, metavar="X",
                        help=f"relative tolerance for numbers (default {DEFAULT_RTOL:g})")
    parser.add_argument("--atol", type=float, default=DEFAULT_ATOL, metavar="X",
                        help=f"absolute tolerance for numbers (default {DEFAULT_ATOL:g})")
    parser.add_argument("--timeout", type=float, metavar="SECONDS", help="stop the re-execution after this long")
    parser.add_argument("--kernel", default="python3", metavar="NAME", help="kernel to run in (default python3)")
    parser.add_argument("--cwd", metavar="DIR",
                        help="the kernel's working folder (default: the original notebook's, else the project root)")
    if face == "magic":  # the CLI says it with its exit status
        parser.add_argument("--fail", action="store_true",
                            help="raise NotReproduced (a real error output) when the run does not reproduce")


def execute(args: argparse.Namespace, progress: Callable[[str], None] | None = None) -> Any:
    """The check; IPython's input transformer reads the cells' magics (the core never imports IPython)."""
    from IPython.core.inputtransformer2 import TransformerManager

    from ..core.reproduce import reproduce

    return reproduce(args.run, to_python=TransformerManager().transform_cell, rtol=args.rtol, atol=args.atol,
                     exact=args.exact, timeout=args.timeout, kernel=args.kernel, cwd=args.cwd, progress=progress)
