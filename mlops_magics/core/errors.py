"""The few exception types users see.

Every message says what went wrong and what to do about it, in one line. The magic
layer turns :class:`MlopsUsageError` into IPython's ``UsageError``; the CLI prints the
message and exits non-zero.
"""

from __future__ import annotations

__all__ = [
    "CheckFailed",
    "MlopsError",
    "MlopsUsageError",
    "NoActiveRun",
    "NotFound",
    "StoreError",
    "exit_status",
    "first_line",
]


def exit_status(exc: "MlopsError") -> int:
    """The exit status a command-line face gives this error: 2 for a usage mistake, 1 for a failure."""
    return 2 if isinstance(exc, MlopsUsageError) else 1


def first_line(exc: BaseException, limit: int = 200) -> str:
    """The first line of an exception's message (its type name when it has none), at most ``limit`` chars."""
    lines = str(exc).strip().splitlines()
    return (lines[0] if lines else type(exc).__name__)[:limit]


class MlopsError(Exception):
    """Base class of every error mlops_magics raises on purpose."""

    def _render_traceback_(self) -> list[str]:
        # IPython shows this instead of a traceback: our messages already say what to do.
        return [f"\x1b[0;31m{type(self).__name__}\x1b[0m: {self}"]


class MlopsUsageError(MlopsError):
    """The user asked for something malformed (bad argument, bad name, bad value)."""


class NotFound(MlopsUsageError):
    """A named thing (run, experiment, dataset, version, model) does not exist."""


class NoActiveRun(MlopsUsageError):
    """An operation needs an active run and there is none."""


class StoreError(MlopsError):
    """The tracking store or object store could not be reached or written."""


class CheckFailed(MlopsError):
    """A check the user asked for did not pass (a quality gate, ``--if-better``, ``--fail`` on drift).

    Not a usage error: in a notebook it is a real error output (name and message), so papermill
    and the pipeline runner report it; the CLI exits 1.
    """
