"""Drift references stored with a model version.

``register(..., reference=frame)`` summarises the training data once (quantile edges, counts,
category frequencies: :func:`mlops_magics.core.drift.summarize`), logs the summary as
``drift_reference/reference.json`` in the version's run and tags the version with that path. A
later ``%mlops drift churn@champion CUR`` scores the current batch against the summary, with no
reference rows needed (:func:`drift_reference` is what the drift engine asks).
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path
from typing import Any

from ..errors import MlopsUsageError, NotFound

__all__ = ["TAG_REFERENCE", "drift_reference", "store_reference", "summarize_reference"]

TAG_REFERENCE = "mlops.drift_reference"
ARTIFACT = "drift_reference/reference.json"


def summarize_reference(reference: Any, label: str) -> Any:
    """A ReferenceSummary from a DataFrame, a table path, a data version or a summary."""
    from ..drift.sources import coerce_source
    from ..drift.summary import ReferenceSummary, summarize

    value = coerce_source(reference, "reference", label)
    return value if isinstance(value, ReferenceSummary) else summarize(value, source=label)


def store_reference(client: Any, run_id: str, summary: Any) -> str:
    """Log the summary in the run; returns its artifact path (the version's tag value)."""
    with tempfile.TemporaryDirectory(prefix="mlops-reference-") as tmp:
        path = Path(tmp) / Path(ARTIFACT).name
        path.write_text(json.dumps(summary.to_dict()), encoding="utf-8")
        client.log_artifact(run_id, str(path), artifact_path=str(Path(ARTIFACT).parent))
    return ARTIFACT


def drift_reference(spec: str) -> Any:
    """The stored summary of ``NAME@REF`` when NAME is a registered model; None when it is not one."""
    from ..backend import session
    from ..backend.quiet import quiet_downloads
    from ..drift.summary import ReferenceSummary
    from .refs import parse_ref, resolve

    try:
        ref = parse_ref(spec)
    except MlopsUsageError:
        return None
    client = session.client()
    try:
        version = resolve(client, ref)
    except NotFound:
        return None
    artifact = (version.tags or {}).get(TAG_REFERENCE)
    if not artifact:
        raise MlopsUsageError(
            f"{ref.name} v{version.version} has no stored drift reference; register it with "
            "--reference TRAINING_DATA to score batches against it"
        )
    with tempfile.TemporaryDirectory(prefix="mlops-reference-") as tmp, quiet_downloads():
        local = client.download_artifacts(version.run_id, artifact, tmp)
        return ReferenceSummary.load(local)
