"""Pipelines of parameterized notebooks: spec, DAG, cache keys, executors (local pool, Dask), runner.

Pure Python (no IPython). The public entry points are re-exported by :mod:`mlops_magics.pipeline`.
"""

from __future__ import annotations

from .results import PipelineCancelled, PipelineResult, StepResult
from .runner import run
from .spec import PipelineSpec, StepSpec, load

__all__ = ["PipelineCancelled", "PipelineResult", "PipelineSpec", "StepResult", "StepSpec", "load", "run"]
