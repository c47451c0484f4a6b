"""``package``: the arguments of ``mlops package`` (a container build context for a registered model)."""

from __future__ import annotations

import argparse

__all__ = ["add_arguments"]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """MODEL, --out and the image's options."""
    parser.add_argument("model", metavar="MODEL", help="NAME@ALIAS, NAME@vN or NAME@latest (the version is pinned)")
    parser.add_argument("--out", required=True, metavar="DIR", help="folder to write the build context into")
    parser.add_argument("--port", type=int, default=8080, help="port the container listens on (default 8080)")
    parser.add_argument("--base-image", metavar="IMAGE",
                        help="base image (default: python:X.Y-slim for the model's Python version)")
    parser.add_argument("--force", action="store_true", help="replace DIR when it is not empty")
