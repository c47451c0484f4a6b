"""Is a process still there? One answer for every owner check (run reaper, spools, servers, capture).

Written by hand on purpose: ``os.kill(pid, 0)`` plus a look at ``/proc`` is what psutil's ``pid_exists``
and ``status`` do, and psutil is not a runtime dependency of ours.
"""

from __future__ import annotations

import os

__all__ = ["pid_alive", "process_state"]


def process_state(pid: int) -> str | None:
    """The state letter Linux gives process ``pid`` (``R``, ``S``, ``T`` stopped, ``Z`` zombie, ...), or None
    when there is no such process or no ``/proc`` to ask (macOS)."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as fh:
            return fh.read().rsplit(")", 1)[-1].split()[0]
    except (OSError, IndexError):
        return None


def pid_alive(pid: int) -> bool:
    """True when a process with this id exists on this machine and is not a zombie (exited, unreaped)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # PermissionError: it exists, owned by someone else
        return True
    return process_state(pid) != "Z"  # without /proc, existence is all we can tell
