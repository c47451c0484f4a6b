"""``mlops runs [--experiment NAME | --all-experiments] [--max N] [--sort METRIC] [--columns A,B]
[--json [FILE]] [--csv [FILE]]``: the table fits the terminal; JSON and CSV carry every column."""

from __future__ import annotations

import argparse
import json
import math
import shutil
import sys
from typing import Any, Callable

from ..commands import runs
from ..core.errors import MlopsUsageError


def _plain(value: Any) -> Any:
    """JSON has no NaN or infinity: those become null, like pandas' ``to_json``."""
    return None if isinstance(value, float) and not math.isfinite(value) else value


def _json_text(rows: list[dict[str, Any]]) -> str:
    return json.dumps([{k: _plain(v) for k, v in r.items()} for r in rows], indent=1) + "\n"


def _write(path: str, write: Callable[[Any], None]) -> None:
    """``write(file)`` on stdout (``-``) or into ``path``, with a one-line error when it cannot be written."""
    if path == "-":
        write(sys.stdout)
        return
    try:
        with open(path, "w", encoding="utf-8", newline="") as fh:
            write(fh)
    except OSError as exc:
        raise MlopsUsageError(f"cannot write {path}: {exc.strerror or exc}") from None


def run(args: argparse.Namespace) -> int:
    if args.json == args.csv == "-":
        raise MlopsUsageError("--json and --csv cannot both go to stdout; give one of them a FILE")
    table = runs.execute(args)
    if args.json:
        _write(args.json, lambda fh: fh.write(_json_text(table.rows)))
    if args.csv:
        _write(args.csv, lambda fh: table.to_pandas().to_csv(fh, index=False))
    if "-" not in (args.json, args.csv):
        print(table.text(shutil.get_terminal_size().columns, everything="--json or --csv"))
    return 0
