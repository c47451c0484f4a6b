"""Register a model object: check its gates, log it into its training run, create a registered version.

Which run: ``run=`` (id, id prefix or run name) > the active run when it is a cell or script run (we are
inside the training code) > the run of the tracked cell that last bound the model's variable > the active
notebook run > a new run. Gates are checked against that run's metrics before anything is logged. Once
a version exists, any failure deletes it again (and the registered model, if this call created it), so
nothing is left half-done.
"""

from __future__ import annotations

import sys
from typing import Any, Iterable

from ..backend import session, tags
from ..tracking import runs
from ..tracking.cell_runs import producing_run
from ..errors import MlopsUsageError
from . import flavors, lineage
from .aliases import move_alias
from .audit import alias_lock, current_holder, os_user
from .gates import Gate, enforce_gates, parse_gates
from .refs import check_alias, check_model_name
from .results import Registration

__all__ = ["TAG_DATA", "TAG_GATES", "TAG_GIT", "TAG_RUN", "register"]

TAG_RUN = "mlops.run_id"
TAG_DATA = tags.MODEL_DATA
TAG_GIT = "mlops.git_commit"
TAG_GATES = "mlops.gates"
TAG_FLAVOR = "mlops.flavor"
TAG_USER = "mlops.registered_by"


def _names_bound_to(model: Any) -> list[str]:
    """Names in the notebook's namespace (``__main__``) bound to ``model``."""
    main = sys.modules.get("__main__")
    namespace = getattr(main, "__dict__", {}) or {}
    return [k for k, v in list(namespace.items()) if v is model and not k.startswith("_")]


def _run_exists(client: Any, run_id: str) -> bool:
    try:
        client.get_run(run_id)
        return True
    except Exception:  # noqa: BLE001 - a run from another store or deleted
        return False


def _choose_run(client: Any, model: Any, run: str | None, variable: str | None) -> tuple[str | None, str]:
    """(run id or None for 'make a new one', how it was chosen)."""
    if run:
        from ..tracking.queries import resolve_run

        return resolve_run(run).info.run_id, "--run"
    active = runs.active_run()
    if active is not None and active.kind != "notebook":
        active.flush()
        return active.run_id, "active run"
    for name in ([variable] if variable else []) + _names_bound_to(model):
        run_id = producing_run(name)
        if run_id and _run_exists(client, run_id):
            return run_id, f"the tracked cell that produced {name}"
    if active is not None:
        active.flush()
        return active.run_id, "notebook run"
    return None, "new run"


def _gate_tag(checks: list) -> str:
    return "; ".join(f"{c.gate} ({c.value:.6g})" for c in checks)


def _ensure_registered_model(client: Any, name: str) -> bool:
    """Create the registered model when missing; True when this call created it."""
    if client.search_registered_models(f"name = '{name}'"):
        return False
    try:
        client.create_registered_model(name)
        return True
    except Exception as exc:  # created by another process meanwhile
        if "ALREADY_EXISTS" in (getattr(exc, "error_code", "") or "") or "already exists" in str(exc).lower():
            return False
        raise


def _undo(client: Any, name: str, version: str | None, created_model: bool, model_id: str) -> None:
    """Remove what this registration created (best effort, after a failure)."""
    for step in (
        (lambda: client.delete_model_version(name, version)) if version else None,
        (lambda: client.delete_registered_model(name)) if created_model else None,
        lambda: flavors.forget_logged_model(client, model_id),
    ):
        if step is None:
            continue
        try:
            step()
        except Exception:  # noqa: BLE001 - keep undoing; the original error is re-raised
            pass


def register(model: Any, name: str, *, gates: Iterable[str | Gate] | str | None = None, alias: str | None = None,
             input_example: Any = None, run: str | None = None, description: str | None = None,
             variable: str | None = None, reference: Any = None) -> Registration:
    """Log ``model`` in its training run and register it as a new version of ``name``.

    ``reference`` (a DataFrame, table path or data version of the training data) is summarised and
    stored with the version, so ``%mlops drift NAME@alias CUR`` can score batches against it.

    >>> register(clf, "churn", gates=["accuracy >= 0.85"], alias="challenger", input_example=X_test)
    """
    name = check_model_name(name)
    alias = check_alias(alias) if alias is not None else None
    parsed = parse_gates(gates)
    flavors.flavor_of(model, f"'{variable}'" if variable else "the model")
    example = flavors.example_of(input_example)
    summary = None
    if reference is not None:
        from .reference import summarize_reference

        summary = summarize_reference(reference, f"training data of {name}")
    session.ready()
    client = session.client()

    run_id, how = _choose_run(client, model, run, variable)
    if run_id is None and parsed:
        raise MlopsUsageError("a gate needs the training run's metrics, and no run was found: train in a "
                              "%%mlops track cell, pass --run RUN_ID, or register inside a tracked run")
    new_handle = None
    if run_id is None:
        new_handle = runs.start_run("register", run_name=f"register-{name}")
        run_id = new_handle.run_id
    status = "FAILED"
    try:
        result = _register_in_run(client, model, name, run_id, how, parsed, alias, example, description, summary)
        result.new_run = new_handle is not None
        status = "FINISHED"
        return result
    finally:
        if new_handle is not None:
            new_handle.end(status)


def _register_in_run(client: Any, model: Any, name: str, run_id: str, how: str, gates: list[Gate],
                     alias: str | None, example: Any, description: str | None,
                     summary: Any = None) -> Registration:
    run_obj = client.get_run(run_id)
    label = f"run '{run_obj.info.run_name}' ({run_id[:8]}, {how})"
    try:
        checks = enforce_gates(gates, run_obj.data.metrics, label)
    except MlopsUsageError as exc:
        if how != "active run" or "has no metric" not in str(exc):
            raise
        raise MlopsUsageError(f"{exc} (a tracked cell logs its metrics when it ends: register in the next "
                              "cell)") from None
    data = lineage.data_versions(client, run_obj)
    commit = lineage.git_commit(client, run_obj)

    logged = flavors.log_model(client, run_id, run_obj.info.experiment_id, model, example)
    version, created_model = None, False
    try:
        created_model = _ensure_registered_model(client, name)
        version_tags = {TAG_RUN: run_id, TAG_DATA: ", ".join(data), TAG_GATES: _gate_tag(checks),
                        TAG_FLAVOR: logged.flavor, TAG_USER: os_user()}
        if commit:
            version_tags[TAG_GIT] = commit
        if summary is not None:
            from .reference import TAG_REFERENCE, store_reference

            version_tags[TAG_REFERENCE] = store_reference(client, run_id, summary)
        mv = client.create_model_version(name, source=logged.model_uri, run_id=run_id, tags=version_tags,
                                         description=description, model_id=logged.model_id)
        version = str(mv.version)
        if alias is not None:
            with alias_lock(name):
                holder = current_holder(client, name, alias)
                move_alias(client, name, alias, version, "register", holder, description)
    except BaseException:
        _undo(client, name, version, created_model, logged.model_id)
        raise
    return Registration(name=name, version=version, run_id=run_id, flavor=logged.flavor, model_id=logged.model_id,
                        gates=checks, data_versions=data, git_commit=commit, alias=alias,
                        has_signature=logged.has_signature)
