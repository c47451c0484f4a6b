"""Small runtime helpers of the runner: warming up before the first step, muting papermill's log."""

from __future__ import annotations

import contextlib
import logging
import threading
from typing import Iterator

__all__ = ["prefetch", "quiet"]

_prefetched = threading.Event()


def prefetch() -> None:
    """A step will run: import papermill and jupyter_client in the background while the store warms up."""
    if _prefetched.is_set():
        return
    _prefetched.set()

    def work() -> None:
        with contextlib.suppress(Exception):
            import jupyter_client.manager  # noqa: F401
            import papermill  # noqa: F401

    threading.Thread(target=work, name="mlops-pipeline-prefetch", daemon=True).start()
    from .. import tracking  # noqa: F401 - registers tracking's warm-up tasks (reap dead runs)
    from ..backend import session

    session.start_warmup()


@contextlib.contextmanager
def quiet(logger_name: str) -> Iterator[None]:
    """papermill and nbclient log 'Kernel died...' on their own; the result object reports failures instead."""
    logger = logging.getLogger(logger_name)

    def block(record: logging.LogRecord) -> bool:
        return False  # a filter returning False drops the record

    logger.addFilter(block)
    try:
        yield
    finally:
        logger.removeFilter(block)
