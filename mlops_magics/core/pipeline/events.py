"""Progress events: emitted while a pipeline runs, delivered to the ``progress`` callback.

Events produced in worker threads are queued and delivered from the thread that called
:func:`~mlops_magics.core.pipeline.runner.run`, so a callback never needs a lock to draw.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["PipelineEvent"]


@dataclass(frozen=True)
class PipelineEvent:
    """One thing that happened.

    ``kind`` is one of ``waiting`` (another execution of the pipeline holds its run lock; ``message``
    says which), ``planned`` (each step's ``plan`` and ``reason`` are set: what will run, what is
    cached), ``started``, ``cell`` (a code cell began: ``cell`` of ``cells``), ``retry`` (an attempt
    failed and another follows; ``message`` says why), ``kernel-retry`` (a kernel start raced and is
    retried), ``finished`` (``state`` is the step's final state) and ``done`` (the whole pipeline;
    ``step`` is empty).
    """

    kind: str
    step: str = ""
    state: str = ""
    message: str = ""
    cell: int = 0
    cells: int = 0
    attempt: int = 1
