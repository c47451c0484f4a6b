"""Waiting for a batch of transfers: all of them, or the first failure (the rest cancelled)."""

from __future__ import annotations

from concurrent.futures import FIRST_EXCEPTION, Future, wait
from typing import Iterable

__all__ = ["wait_or_raise"]


def wait_or_raise(futures: Iterable[Future]) -> None:
    """Wait for every future; on the first failure cancel those not started, wait for the running ones (no
    write is left half-done behind the caller's back) and raise that failure."""
    done, pending = wait(list(futures), return_when=FIRST_EXCEPTION)
    for fut in done:
        error = fut.exception()
        if error is not None:
            for other in pending:
                other.cancel()
            wait(pending)
            raise error
