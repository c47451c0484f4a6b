"""Pipelines of parameterized notebooks from Python: the same engine as ``mlops run`` and
``%mlops pipeline``.

    from mlops_magics import pipeline
    result = pipeline.run("churn.yaml", params={"seed": 7}, jobs=2)
    result.ok, result["train"].state, result["train"].executed
    spec = pipeline.load("churn.yaml")        # validate only
    pipeline.status("churn.yaml")             # the last run, from the lock file
    pipeline.publish_outcome("kept v3: v4 is no better")   # in a step's notebook: what the step decided
"""

from __future__ import annotations

from .core.backend.outcome import publish_outcome
from .core.pipeline.plan import status
from .core.pipeline.results import PipelineCancelled, PipelineResult, StepResult
from .core.pipeline.runner import run
from .core.pipeline.spec import PipelineSpec, load

__all__ = ["PipelineCancelled", "PipelineResult", "PipelineSpec", "StepResult", "load", "publish_outcome", "run",
           "status"]
