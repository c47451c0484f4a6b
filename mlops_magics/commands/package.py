"""``package``: the arguments of ``mlops package`` (a container build context for a registered model)."""

from __future__ import annotations

import argparse
from typing import Any

from . import Face

__all__ = ["DESCRIPTION", "SUMMARY", "add_arguments", "execute"]

SUMMARY = "write a container build context for a registered model version"
DESCRIPTION = ("A Dockerfile, the model (the version pinned), its pinned requirements and our server as the entry "
               "point with metrics on, like `mlflow models generate-dockerfile`.")


def add_arguments(parser: argparse.ArgumentParser, face: Face) -> None:
    """MODEL, --out and the image's options."""
    parser.add_argument("model", metavar="MODEL", help="NAME@ALIAS, NAME@vN or NAME@latest (the version is pinned)")
    parser.add_argument("--out", required=True, metavar="DIR", help="folder to write the build context into")
    parser.add_argument("--port", type=int, default=8080, help="port the container listens on (default 8080)")
    parser.add_argument("--base-image", metavar="IMAGE",
                        help="base image (default: python:X.Y-slim for the model's Python version)")
    parser.add_argument("--force", action="store_true", help="replace DIR when it is not empty")


def execute(args: argparse.Namespace) -> Any:
    """Write the build context; returns the PackageResult."""
    from ..core.serving import package

    return package(args.model, args.out, port=args.port, base_image=args.base_image, force=args.force)
