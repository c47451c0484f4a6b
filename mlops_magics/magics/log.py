"""``%mlops log param|metric|artifact ...``: into the innermost active run."""

from __future__ import annotations

import math
from typing import Any

from IPython.core.error import UsageError

from ..core.tracking import notebook_runs, runs
from .context import MagicContext
from .parser import MagicArgumentParser


def build_parser() -> MagicArgumentParser:
    parser = MagicArgumentParser(
        "%mlops log",
        description="Log into the innermost active run (the tracked cell's, else the notebook run).",
    )
    sub = parser.add_subparsers(dest="what", metavar="{param,metric,artifact}")
    p = sub.add_parser("param", help="NAME=VALUE ...")
    p.add_argument("pairs", nargs="+", metavar="NAME=VALUE")
    m = sub.add_parser("metric", help="NAME=VALUE ... [--step N]")
    m.add_argument("pairs", nargs="+", metavar="NAME=VALUE")
    m.add_argument("--step", type=int, default=0)
    a = sub.add_parser("artifact", help="PATH [--path DIR_IN_RUN]")
    a.add_argument("path")
    a.add_argument("--path", dest="artifact_path", help="folder inside the run's artifacts")
    for child in (p, m, a):
        child.prog = f"%mlops log {child.prog.split()[-1]}"
        child.error = parser.error  # type: ignore[method-assign]
        child.exit = parser.exit  # type: ignore[method-assign]
    return parser


def _pairs(pairs: list[str]) -> dict[str, str]:
    out = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not name.strip():
            raise UsageError(f"%mlops log: '{pair}' is not NAME=VALUE (e.g. %mlops log metric accuracy=0.93)")
        out[name.strip()] = value.strip()
    return out


def _number(name: str, text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise UsageError(f"%mlops log metric: {name}={text} is not a number") from None
    if math.isinf(value):
        raise UsageError(f"%mlops log metric: {name} is infinite; log a finite number")
    return value


def run(ctx: MagicContext) -> Any:
    args = build_parser().parse(ctx.argv)
    if args.what is None:
        raise UsageError("%mlops log: say what to log: param NAME=VALUE, metric NAME=VALUE or artifact PATH")
    handle = runs.active_run()
    if handle is None:
        raise UsageError("%mlops log: no active run; start one with %mlops track, or use a %%mlops track cell")
    if args.what == "param":
        handle.log_params(_pairs(args.pairs))
    elif args.what == "metric":
        handle.log_metrics({k: _number(k, v) for k, v in _pairs(args.pairs).items()}, step=args.step)
    else:
        left_out = handle.log_artifact(args.path, args.artifact_path)
        if left_out:
            print(f"mlops: logged {args.path} without {', '.join(left_out[:5])} (the store is never uploaded "
                  "into itself)")
    nb = notebook_runs.current()
    if nb is not None and nb.handle is handle:
        handle.flush()  # the notebook run lives long: show it in the store now
    return None
