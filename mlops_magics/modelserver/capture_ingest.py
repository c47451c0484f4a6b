"""``python -m mlops_magics.modelserver.capture_ingest --home H --name N``: the model server's capture ingester.

Started by the server's main process when it captures, it stores spooled partitions as versions of
dataset N (:class:`~mlops_magics.core.serving.capture_ingest.Ingester`). SIGINT and SIGTERM do not stop it (the
workers spool their last partition while shutting down); SIGUSR1 from the server, once its workers have
stopped, or the server's death makes it store what is left and exit.
"""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
import threading
import time
from pathlib import Path

__all__ = ["main"]


def _watch_parent(parent: int, stop: threading.Event) -> None:
    while not stop.wait(1.0):
        if os.getppid() != parent:
            stop.set()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m mlops_magics.modelserver.capture_ingest")
    parser.add_argument("--home", required=True)
    parser.add_argument("--name", required=True)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s [%(process)d ingest] %(message)s")
    try:
        os.nice(10)  # background work: it only has to keep up on average, requests come first for the CPU
    except OSError:
        pass
    stop = threading.Event()
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    signal.signal(signal.SIGUSR1, lambda *_: stop.set())
    threading.Thread(target=_watch_parent, args=(os.getppid(), stop), daemon=True).start()
    from ..core.serving.capture_ingest import Ingester

    ingester = Ingester(args.name, Path(args.home))
    started = time.monotonic()
    ingester.run(stop)
    logging.getLogger(__name__).info("capture %s: %d partitions, %d rows stored in %.0f s", args.name,
                                     ingester.partitions, ingester.rows, time.monotonic() - started)
    return 0


if __name__ == "__main__":
    sys.exit(main())
