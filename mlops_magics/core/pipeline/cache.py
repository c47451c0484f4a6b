"""Cache keys and the decision to run or reuse a step.

A step's key is the BLAKE3 of a canonical JSON of: the hash of its notebook's code cells, its
kernel, its effective parameters, the content hash of each input (file, folder, URL or data
version) and the keys of the steps it depends on. A step is reused (cached) when the lock file
records a successful run with the same key and every output still exists with the recorded hash.
Nothing here starts a kernel or touches MLflow.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping

from blake3 import blake3

from .inputs import MISSING, hash_ref
from .spec import StepSpec

__all__ = ["Decision", "KeyParts", "decide", "hash_outputs", "key_parts"]


@dataclass(frozen=True)
class KeyParts:
    """What a step's key is made of (recorded in the lock file, to explain a cache miss)."""

    code: str
    kernel: str
    params: dict[str, Any]
    inputs: dict[str, str]
    upstream: dict[str, str]
    key: str = field(default="")

    def to_json(self) -> dict[str, Any]:
        return {"code": self.code, "kernel": self.kernel, "params": self.params, "inputs": self.inputs,
                "upstream": self.upstream}


def _canonical(value: Any) -> bytes:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), default=repr).encode("utf-8")


def key_parts(step: StepSpec, root: Path, upstream_keys: Mapping[str, str]) -> KeyParts:
    """Hash everything the step's result depends on (reads its input files now)."""
    inputs = {item.ref: hash_ref(item, root) for item in step.inputs}
    upstream = {name: upstream_keys.get(name, MISSING) for name in step.depends_on}
    parts = KeyParts(code=step.info.code_hash, kernel=step.kernel, params=dict(step.parameters),
                     inputs=inputs, upstream=upstream)
    key = blake3(_canonical({"format": 1, **parts.to_json()})).hexdigest()
    return KeyParts(**{**parts.__dict__, "key": key})


def hash_outputs(step: StepSpec, root: Path) -> dict[str, str]:
    """Content hash of each declared output (``missing`` when absent)."""
    return {ref: hash_ref(ref, root) for ref in step.outputs}


@dataclass(frozen=True)
class Decision:
    """Run the step or reuse its last result, and why."""

    run: bool
    reason: str
    outputs: dict[str, str] = field(default_factory=dict)  # current output hashes (when reused)


def _why_changed(parts: KeyParts, entry: Mapping[str, Any]) -> str:
    if entry.get("code") != parts.code:
        return "notebook code changed"
    if entry.get("kernel") != parts.kernel:
        return "kernel changed"
    if _canonical(entry.get("params") or {}) != _canonical(parts.params):
        old = entry.get("params") or {}
        changed = sorted(k for k in set(old) | set(parts.params) if old.get(k) != parts.params.get(k))
        return "parameters changed: " + ", ".join(changed)
    old_inputs = entry.get("inputs") or {}
    for ref, digest in parts.inputs.items():
        if old_inputs.get(ref) != digest:
            return f"input {ref} changed"
    if set(old_inputs) != set(parts.inputs):
        return "inputs changed"
    old_up = entry.get("upstream") or {}
    for name, key in parts.upstream.items():
        if old_up.get(name) != key:
            return f"upstream step {name} changed"
    return "dependencies changed"


def current_store() -> str:
    """Which store runs go to (the lock records it: a step's runs and versions live there).

    An embedded store whose database is gone counts as a different store, so deleting ``.mlops``
    re-runs the steps instead of reporting results that no longer exist. No MLflow import.
    """
    from ..backend.settings import load_settings

    settings = load_settings()
    if settings.embedded and not settings.db_path.exists():
        return settings.tracking_uri + " (missing)"
    return settings.tracking_uri


def decide(step: StepSpec, parts: KeyParts, entry: Mapping[str, Any] | None, root: Path,
           force: bool = False, store: str | None = None) -> Decision:
    """Whether ``step`` must run, given its current key, its lock-file entry and the current store."""
    if force:
        return Decision(True, "forced")
    if not entry:
        return Decision(True, "no previous run")
    if entry.get("status") == "running":
        return Decision(True, "its last run was interrupted while writing its outputs")
    if entry.get("status") != "succeeded":
        return Decision(True, f"last run {entry.get('status', 'unknown')}")
    if store is not None and entry.get("store") not in (None, store):
        return Decision(True, "its runs are in another tracking store (or the store was deleted)")
    if entry.get("key") != parts.key:
        return Decision(True, _why_changed(parts, entry))
    recorded = entry.get("outputs") or {}
    current = hash_outputs(step, root)
    for ref, digest in current.items():
        if digest == MISSING:
            return Decision(True, f"output {ref} is missing")
        if recorded.get(ref) != digest:
            return Decision(True, f"output {ref} changed since it was produced")
    return Decision(False, "unchanged", current)
