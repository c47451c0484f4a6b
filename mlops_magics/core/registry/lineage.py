"""What a run was trained on: the data versions it used and the git commit, for a model version's tags.

Data versions come from the data engine's lineage (``mlops_magics.core.datastore``) when it knows the
run, and from the run's MLflow dataset inputs otherwise (those work against a remote
server too). A tracked cell's run inherits both from its parent notebook run when it has none of its own.
"""

from __future__ import annotations

from typing import Any

from ..backend import tags
from ..errors import MlopsError

__all__ = ["data_versions", "git_commit"]

_DATA_REF_TAG = "mlops.data.ref"  # written by the data engine on each dataset input


def _from_datastore(run_id: str) -> list[str]:
    from ..datastore import api

    try:
        found = api.lineage(run_id)
    except (MlopsError, OSError):  # a damaged or unreadable data store: the run's MLflow inputs still answer
        return []
    return [*found.used, *found.produced]


def _from_inputs(run: Any) -> list[str]:
    inputs = getattr(run, "inputs", None)
    out = []
    for item in getattr(inputs, "dataset_inputs", None) or []:
        input_tags = {t.key: t.value for t in (item.tags or [])}
        dataset = item.dataset
        out.append(input_tags.get(_DATA_REF_TAG) or f"{dataset.name}#{(dataset.digest or '')[:8]}")
    return out


def _parent(client: Any, run: Any) -> Any | None:
    parent_id = run.data.tags.get(tags.PARENT)
    if not parent_id:
        return None
    try:
        return client.get_run(parent_id)
    except Exception:  # noqa: BLE001 - a deleted parent: nothing to inherit
        return None


def _unique(items: list[str]) -> list[str]:
    return list(dict.fromkeys(items))


def data_versions(client: Any, run: Any) -> list[str]:
    """``["train@v3", ...]``: the data versions ``run`` (else its parent run) used or produced."""
    for candidate in (run, _parent(client, run)):
        if candidate is None:
            continue
        found = _unique(_from_datastore(candidate.info.run_id) + _from_inputs(candidate))
        if found:
            return found
    return []


def git_commit(client: Any, run: Any) -> str | None:
    """The run's ``mlflow.source.git.commit`` (or its parent's); else the project's current HEAD."""
    for candidate in (run, _parent(client, run)):
        if candidate is not None and candidate.data.tags.get(tags.GIT_COMMIT):
            return candidate.data.tags[tags.GIT_COMMIT]
    from ..backend import session
    from ..tracking.provenance import git_state

    state = git_state(session.settings().project_root)
    return state.commit if state is not None else None
