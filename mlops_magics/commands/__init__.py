"""Each command's arguments, defined once, for the magic (``%mlops NAME``) and the CLI (``mlops NAME``).

A module here has ``add_arguments(parser, face)``, where ``face`` is ``"magic"`` or ``"cli"`` for the few
options that only make sense in one place (a variable name in a cell, an exit status in a shell), and,
where both faces do the same thing with the parsed arguments, the function that does it. The magics build
their parsers with :class:`~mlops_magics.magics.parser.MagicArgumentParser` (errors become ``UsageError``),
the CLI with plain argparse; both pass the words through :func:`.argv.normalise` first.
"""

from typing import Literal

Face = Literal["magic", "cli"]

__all__ = ["Face"]
