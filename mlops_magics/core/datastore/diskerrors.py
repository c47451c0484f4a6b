"""OS errors while writing the store, turned into one-line StoreErrors (never a raw ``OSError``)."""

from __future__ import annotations

import errno
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from ..errors import StoreError

__all__ = ["NO_SPACE", "no_space", "write_errors"]

NO_SPACE = {errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC)}


def no_space(where: Path | str) -> StoreError:
    return StoreError(f"no space left on device at {where}; free some space (e.g. 'mlops data gc') and try again")


@contextmanager
def write_errors(where: Path) -> Iterator[None]:
    """Translate out-of-space, read-only and quota errors raised while writing under ``where``."""
    try:
        yield
    except OSError as exc:
        if exc.errno in NO_SPACE:
            raise no_space(where) from None
        if exc.errno == errno.EROFS:
            raise StoreError(f"{where} is on a read-only file system; set MLOPS_HOME to a writable folder") from None
        raise
