"""``mlops models [NAME] [--history]`` and ``mlops history NAME [--alias A]``: the model registry."""

from __future__ import annotations

import argparse

from ..commands import models


def run(args: argparse.Namespace) -> int:
    print(repr(models.execute(args)))
    return 0
