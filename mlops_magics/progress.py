"""Progress bars for long data operations, drawn by ``tqdm`` (``tqdm.auto``: terminal or notebook).

Core functions report :class:`mlops_magics.core.datastore.meter.Progress` events (counts and bytes)
to a ``progress`` callable; this adapter turns them into one bar per stage::

    from mlops_magics import data
    from mlops_magics.progress import TqdmProgress
    data.add("big.bin", progress=TqdmProgress())
    data.push("s3://bucket/mlops", progress=TqdmProgress())

Faces (the magic, the CLI) pass ``TqdmProgress()`` for adds, pushes, pulls and checkouts.
"""

from __future__ import annotations

from typing import Any

__all__ = ["TqdmProgress"]


class TqdmProgress:
    """A ``progress`` callable drawing one tqdm bar per stage (bytes, with the item count as postfix).

    ``min_bytes``: stages smaller than this draw nothing (an unchanged add must stay silent).
    Extra keyword arguments go to ``tqdm`` (e.g. ``file=sys.stderr``, ``disable=True``, ``leave=False``).
    """

    def __init__(self, min_bytes: int = 16 << 20, **tqdm_kwargs: Any) -> None:
        self.min_bytes = min_bytes
        self.tqdm_kwargs = tqdm_kwargs
        self._bars: dict[tuple[str, str], Any] = {}

    def _bar(self, event: Any) -> Any:
        key = (event.stage, event.label)
        bar = self._bars.get(key)
        if bar is None:
            from tqdm.auto import tqdm

            options = {"unit": "B", "unit_scale": True, "unit_divisor": 1000,  # decimal units, like human_size "leave": True,
                       "desc": f"{event.stage} {event.label}".strip(), **self.tqdm_kwargs}
            bar = tqdm(total=event.bytes_total, **options)
            self._bars[key] = bar
        return bar

    def __call__(self, event: Any) -> None:
        key = (event.stage, event.label)
        if key not in self._bars and (event.bytes_total or 0) < self.min_bytes:
            return  # small (or not yet sized) work: no bar
        bar = self._bar(event)
        if event.bytes_total is not None and bar.total != event.bytes_total:
            bar.total = event.bytes_total
        if event.bytes > bar.n:
            bar.update(event.bytes - bar.n)
        if event.items_total:
            bar.set_postfix_str(f"{event.items}/{event.items_total} objects", refresh=False)
        if event.done:
            bar.refresh()
            bar.close()
            del self._bars[key]

    def close(self) -> None:
        """Close any bar still open (after an error)."""
        for bar in self._bars.values():
            bar.close()
        self._bars.clear()
