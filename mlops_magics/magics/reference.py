"""The magic reference page, generated from the parsers so it cannot drift from the code.

``python -m mlops_magics.magics.reference > docs/magics.md`` writes it; a test checks the committed
page equals what this prints.
"""

from __future__ import annotations

import argparse
import importlib
import os

from .subcommands import COMMANDS

__all__ = ["reference_markdown"]


def _subparsers(parser: argparse.ArgumentParser) -> list[tuple[str, argparse.ArgumentParser]]:
    found = []
    for action in parser._actions:  # argparse has no public accessor for sub-parsers
        if isinstance(action, argparse._SubParsersAction):
            seen = set()
            for sub_name, sub_parser in action.choices.items():
                if id(sub_parser) not in seen:
                    seen.add(id(sub_parser))
                    found.append((sub_name, sub_parser))
    return found

WIDTH = "100"


def reference_markdown() -> str:
    """Every sub-command's ``--help``, as Markdown."""
    previous = os.environ.get("COLUMNS")
    os.environ["COLUMNS"] = WIDTH  # argparse wraps to the terminal width: fix it for a stable page
    try:
        parts = [
            "# `%mlops` reference",
            "",
            "Generated from the argument parsers by `python -m mlops_magics.magics.reference`; "
            "`%mlops CMD --help` prints the same in a notebook.",
            "",
        ]
        for name, command in COMMANDS.items():
            if name == "help":
                continue
            module = importlib.import_module(f"{__package__}.{command.module}")
            title = f"`%mlops {name}`" + (f" / `%%mlops {name}`" if command.cell else "")
            parser = module.build_parser()
            parts += [f"## {title}", "", command.summary, "", "```text", parser.format_help().rstrip(), "```", ""]
            for sub_name, sub_parser in _subparsers(parser):
                parts += [f"### `%mlops {name} {sub_name}`", "", "```text", sub_parser.format_help().rstrip(), "```", ""]
        return "\n".join(parts)
    finally:
        if previous is None:
            os.environ.pop("COLUMNS", None)
        else:
            os.environ["COLUMNS"] = previous


if __name__ == "__main__":  # pragma: no cover
    print(reference_markdown(), end="")
