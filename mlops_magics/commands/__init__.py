"""Each command's arguments, defined once and shared by the magic, the CLI and the model server.

A module here defines ``add_arguments(parser) -> None`` with plain argparse calls; the faces build
their own parser (a magic parser that raises ``UsageError``, a CLI sub-parser) and call it.
"""
