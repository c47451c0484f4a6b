"""``%mlops serve MODEL [options]``: serve a registered model from a background process and show its card;
``%mlops serve --status``: what this project serves; ``%mlops serve --stop [MODEL] [--port P]``.

The server outlives the cell, not the kernel: kernel shutdown stops what this kernel started (an
``atexit`` hook, registered once), and a server whose kernel was killed stops by itself (it watches
its parent process).
"""

from __future__ import annotations

import atexit
import os
from typing import Any

from ..commands import serve
from .context import MagicContext
from .parser import MagicArgumentParser, command_parser

__all__ = ["build_parser", "run"]

_hooked = False


def build_parser() -> MagicArgumentParser:
    return command_parser("serve", serve)


def _stop_at_exit() -> None:
    from ..core.serving.launch import stop_children

    stop_children()


def _hook_shutdown() -> None:
    """Stop this kernel's servers when it shuts down (once per process, however many servers)."""
    global _hooked
    if not _hooked:
        atexit.register(_stop_at_exit)
        _hooked = True


def run(ctx: MagicContext) -> Any:
    from IPython.core.error import UsageError

    from ..core.backend import session
    from ..core.serving import served_models, start_background, stop_servers
    from ..core.serving.options import ServeOptions

    args = build_parser().parse(ctx.argv)
    if args.status and args.stop:
        raise UsageError("%mlops serve: give --status or --stop, not both")
    conf = session.settings()
    if args.status:
        return served_models(conf.home)
    if args.stop:
        if args.model or args.port is not None:
            return stop_servers(source=args.model, port=args.port, settings=conf)
        return stop_servers(owner_pid=os.getpid(), settings=conf)
    options = ServeOptions.from_args(args, home=str(conf.home))
    _hook_shutdown()
    return start_background(options, owner_pid=os.getpid(), settings=conf)
