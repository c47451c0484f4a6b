"""``mlops serve MODEL [options]``: serve a model in the foreground (Ctrl-C stops it and stores captures);
``mlops serve --status``: what this project serves; ``mlops serve --stop [MODEL] [--port P]``: stop servers.

Exit codes: 0 done, 2 bad input (unknown model or alias, port in use), 1 other failures.
"""

from __future__ import annotations

import argparse

__all__ = ["run"]


def run(args: argparse.Namespace) -> int:
    from ..core.errors import MlopsUsageError
    from ..core.serving import served_models, stop_servers

    if args.status and args.stop:
        raise MlopsUsageError("give --status or --stop, not both")
    if args.status:
        print(repr(served_models()))
        return 0
    if args.stop:
        print(repr(stop_servers(source=args.model, port=args.port)))
        return 0
    from ..core.serving.options import ServeOptions
    from ..modelserver.main import serve

    return serve(ServeOptions.from_args(args))

