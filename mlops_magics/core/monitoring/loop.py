"""``--every``: check, wait, check again, in the foreground, until Ctrl-C. Nothing more than that.

For anything that must survive a logout or a reboot, run single checks from cron or a CI schedule instead
(``docs/monitoring.md``): each check is complete on its own (the cooldown and the window guard are read
back from the store), so a scheduler needs no state of ours.
"""

from __future__ import annotations

import time
from typing import Callable

from ..errors import MlopsError, MlopsUsageError, first_line

__all__ = ["watch"]


def watch(run_check: Callable[[], object], every: float, on_result: Callable[[object], None],
          on_error: Callable[[str], None], *, max_checks: int | None = None,
          sleep: Callable[[float], None] = time.sleep) -> int:
    """Call ``run_check`` every ``every`` seconds (start to start) until Ctrl-C; returns the checks done.

    A check failing on the store or the pipeline is reported through ``on_error`` and the loop goes on (the
    next check may succeed); a usage error (a wrong name, a removed alias) ends the loop. Ctrl-C raises
    ``KeyboardInterrupt`` as usual: a check interrupted midway has ended its run as KILLED.
    """
    done = 0
    while max_checks is None or done < max_checks:
        began = time.monotonic()
        try:
            on_result(run_check())
        except MlopsUsageError:
            raise
        except MlopsError as exc:
            on_error(first_line(exc))
        done += 1
        if max_checks is not None and done >= max_checks:
            break
        sleep(max(0.0, every - (time.monotonic() - began)))
    return done
