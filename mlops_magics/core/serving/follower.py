"""Alias following: poll the registry, load a moved alias's new version in the background, swap it in.

MLflow resolves ``models:/name@alias`` once, when ``mlflow models serve`` starts (mlflow#4039). Here a
thread asks the registry every ``interval`` seconds which version each followed slot's alias names
(one ``get_model_version_by_alias`` call per slot, so a promotion on a shared ``mlflow server`` by any
machine is seen). A different version is loaded completely (model, drift reference, the face's app)
while the old one keeps answering, then swapped in with one assignment. A failed load keeps the old
model, is logged and counted, and is retried at the next poll.
"""

from __future__ import annotations

import logging
import threading
from typing import Callable

from .slots import ModelSlot
from .source import LoadedModel, ModelSource

__all__ = ["AliasFollower"]

log = logging.getLogger("mlops_magics.serving")


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return (text[0] if text else type(exc).__name__)[:300]


class AliasFollower:
    """The polling thread of one server process."""

    def __init__(self, slots: list[ModelSlot], resolve: Callable[[ModelSource], str],
                 prepare: Callable[[ModelSource, str], LoadedModel],
                 on_swap: Callable[[ModelSlot, LoadedModel | None, LoadedModel], None],
                 on_failure: Callable[[ModelSlot, str, str], None], interval: float,
                 on_clear: Callable[[ModelSlot], None] | None = None) -> None:
        self.slots = [s for s in slots if s.source.follows]
        self.resolve = resolve
        self.prepare = prepare
        self.on_swap = on_swap
        self.on_failure = on_failure
        self.on_clear = on_clear
        self.interval = interval
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> "AliasFollower":
        if self.slots:
            self._thread = threading.Thread(target=self._loop, name="mlops-alias-follower", daemon=True)
            self._thread.start()
        return self

    def close(self, timeout: float = 10.0) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)

    def _loop(self) -> None:
        while not self._stop.wait(self.interval):
            self.check()

    def check(self) -> list[str]:
        """One poll of every followed slot; returns what happened (for logs and tests)."""
        events = []
        for slot in self.slots:
            if self._stop.is_set():
                break
            try:
                version = self.resolve(slot.source)
            except Exception as exc:  # noqa: BLE001 - registry unreachable or alias deleted: keep serving
                if slot.load_error != f"resolve: {_first_line(exc)}":
                    log.warning("%s: cannot resolve %s (%s); still serving v%s", slot.role, slot.source.label,
                                _first_line(exc), slot.version)
                slot.load_error = f"resolve: {_first_line(exc)}"
                events.append(f"{slot.role}: resolve failed")
                continue
            if version == slot.version:
                if slot.load_error is not None:  # the alias came back (or the registry answers again)
                    log.info("%s: %s names v%s again; the last error no longer applies", slot.role,
                             slot.source.label, version)
                    slot.load_error = slot.failed_version = None
                    if self.on_clear is not None:
                        self.on_clear(slot)
                continue
            events.append(self.load(slot, version))
        return events

    def load(self, slot: ModelSlot, version: str) -> str:
        """Load ``version`` into ``slot`` (the old model answers until the swap)."""
        old = slot.version
        log.info("%s: %s moved v%s -> v%s; loading v%s", slot.role, slot.source.label, old, version, version)
        try:
            loaded = self.prepare(slot.source, version)
        except Exception as exc:  # noqa: BLE001 - any load failure keeps the old model serving
            message = _first_line(exc)
            if slot.failed_version != version:
                log.error("%s: loading %s v%s failed (%s); v%s keeps serving", slot.role, slot.source.name,
                          version, message, old)
            slot.load_error, slot.failed_version = message, version
            self.on_failure(slot, version, message)
            return f"{slot.role}: v{version} failed"
        previous = slot.swap(loaded)
        self.on_swap(slot, previous, loaded)
        log.info("%s: now serving %s v%s", slot.role, slot.source.name, version)
        return f"{slot.role}: v{old} -> v{version}"
