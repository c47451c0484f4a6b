"""The options shared by ``mlops run`` and ``%mlops pipeline run`` (one definition, two parsers)."""

from __future__ import annotations

import argparse
from typing import Any

import yaml

from ..errors import MlopsUsageError

__all__ = ["add_run_arguments", "check_executor", "parse_params"]


def add_run_arguments(parser: argparse.ArgumentParser) -> None:
    """PIPELINE.yaml [-p KEY=VALUE]... [--only STEP]... [--force] [--jobs N] [--executor E] [--dry-run]."""
    parser.add_argument("pipeline", metavar="PIPELINE.yaml", help="the pipeline file")
    parser.add_argument("-p", "--param", action="append", default=[], metavar="KEY=VALUE",
                        help="override a parameter: KEY for every step declaring it, STEP.KEY for one step "
                             "(VALUE is read as YAML: 3, 0.5, true, [1, 2], text)")
    parser.add_argument("--only", action="append", default=[], metavar="STEP",
                        help="run only this step (repeatable); other steps' outputs are used as they are")
    parser.add_argument("--force", action="store_true", help="re-run steps even when cached")
    parser.add_argument("--jobs", "-j", type=int, default=1, metavar="N",
                        help="run up to N independent steps at once (default 1)")
    parser.add_argument("--executor", default="local", metavar="local|dask://HOST:PORT",
                        help="where steps run: local kernels (default) or an existing Dask scheduler")
    parser.add_argument("--dry-run", action="store_true", help="show what would run and why; run nothing")


def parse_params(items: list[str]) -> dict[str, Any]:
    """``["seed=3", "train.lr=0.1"]`` -> ``{"seed": 3, "train.lr": 0.1}`` (values parsed as YAML)."""
    params: dict[str, Any] = {}
    for item in items:
        key, sep, text = item.partition("=")
        key = key.strip()
        if not sep or not key:
            raise MlopsUsageError(f"-p {item}: write KEY=VALUE (or STEP.KEY=VALUE)")
        try:
            params[key] = yaml.safe_load(text) if text.strip() else ""
        except yaml.YAMLError:
            params[key] = text
    return params


def check_executor(spec: str) -> None:
    """Fail early on a malformed executor string (before any step runs)."""
    if spec not in ("local", "") and not spec.startswith(("dask://", "tcp://", "tls://")):
        raise MlopsUsageError(f"--executor {spec}: use 'local' or 'dask://HOST:PORT'")
