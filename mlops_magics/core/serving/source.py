"""Where a served model comes from: a registry reference (followed when it names an alias) or a folder.

``churn@champion`` resolves through the model registry and is re-resolved on every poll;
``churn@v3`` is pinned; a folder holding an ``MLmodel`` file is a fixed model, and a folder holding
``serving.json`` is a build context written by ``mlops package`` (its model, name, version and drift
reference travel with it).
"""

from __future__ import annotations

import json
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..backend.settings import Settings
from ..errors import MlopsUsageError, NotFound
from ..registry.refs import ModelRef, parse_ref, resolve, version_uri

__all__ = ["LoadedModel", "ModelSource", "PACKAGE_FILE", "current_version", "load_reference", "load_version",
           "parse_source", "registry_client"]

PACKAGE_FILE = "serving.json"


@dataclass(frozen=True)
class ModelSource:
    """One model a server slot answers with: ``ref`` for the registry, ``path`` for a local folder."""

    label: str
    name: str
    ref: ModelRef | None = None
    path: Path | None = None
    fixed_version: str | None = None  # the version a folder was packaged from
    alias: str | None = None  # the alias a folder was packaged from (shown, not followed)
    reference_file: Path | None = None

    @property
    def follows(self) -> bool:
        """True when the version behind the source can move (an alias or ``latest``)."""
        return self.ref is not None and self.ref.version is None

    @property
    def alias_label(self) -> str:
        """The alias (or ``latest`` / ``vN``) shown in metrics and cards."""
        if self.ref is not None:
            if self.ref.alias:
                return self.ref.alias
            return "latest" if self.ref.latest else f"v{self.ref.version}"
        return self.alias or ""


@dataclass
class LoadedModel:
    """A version loaded and ready to answer; ``app`` is what the face built around it (MLflow's app)."""

    version: str
    model: Any
    reference: Any = None  # the ReferenceSummary stored with the version, or None
    uri: str = ""
    loaded_at: float = field(default_factory=time.time)
    app: Any = None
    timeout: float | None = None  # the request timeout the face enforces around ``app`` (None: the app does)


def _folder_source(path: Path, reference: str | None) -> ModelSource:
    package = path / PACKAGE_FILE
    if package.is_file():
        try:
            meta = json.loads(package.read_text(encoding="utf-8"))
            model_dir = path / meta.get("model_dir", "model")
        except (OSError, ValueError) as exc:
            raise MlopsUsageError(f"{package}: not a readable serving.json ({exc}); write it again with "
                                  "mlops package") from None
        if not (model_dir / "MLmodel").is_file():
            raise MlopsUsageError(f"{path}: {PACKAGE_FILE} names the model folder {model_dir.name}, which has no "
                                  "MLmodel file; write the context again with mlops package")
        ref_file = Path(reference) if reference else (path / meta["reference"] if meta.get("reference") else None)
        return ModelSource(label=str(meta.get("source") or path), name=str(meta.get("model") or path.name),
                           path=model_dir, fixed_version=str(meta.get("version") or "") or None,
                           alias=meta.get("alias"), reference_file=ref_file)
    if (path / "MLmodel").is_file():
        return ModelSource(label=str(path), name=path.name, path=path,
                           reference_file=Path(reference) if reference else None)
    raise MlopsUsageError(f"{path} is a folder but holds neither an MLmodel file nor a {PACKAGE_FILE}; give "
                          "NAME@ALIAS, an MLflow model folder or a folder written by mlops package")


def parse_source(text: str, reference: str | None = None, default_name: str | None = None) -> ModelSource:
    """``NAME@REF``, a bare alias (of ``default_name``), or a model / package folder."""
    text = str(text).strip()
    path = Path(text).expanduser()
    if "@" not in text and path.is_dir():
        return _folder_source(path.resolve(), reference)
    if "@" not in text and default_name:
        text = f"{default_name}@{text}"
    if "@" not in text and ("/" in text or text.startswith(".")):
        raise MlopsUsageError(f"{text}: no such folder; give NAME@ALIAS or the folder of a model")
    ref = parse_ref(text)
    if reference is not None:
        raise MlopsUsageError("--reference is for model folders; NAME@REF uses the summary stored with the "
                              "version (register it with --reference TRAINING_DATA)")
    return ModelSource(label=str(ref), name=ref.name, ref=ref)


def registry_client(conf: Settings) -> Any:
    """An ``MlflowClient`` on the project's registry (no warm-up, no reaping: a server only reads)."""
    from mlflow import MlflowClient

    if conf.embedded and not conf.db_path.is_file():
        raise NotFound(f"this project's store ({conf.home}) has no registered models yet; register one with "
                       "%mlops register, or set MLOPS_HOME / MLFLOW_TRACKING_URI to the store that has it")
    return MlflowClient(tracking_uri=conf.tracking_uri, registry_uri=conf.registry_uri)


def current_version(client: Any, source: ModelSource) -> str:
    """The version ``source`` names now (a folder: its packaged version, or ``local``)."""
    if source.ref is None:
        return source.fixed_version or "local"
    return str(resolve(client, source.ref).version)


def load_reference(client: Any, source: ModelSource, version: str) -> Any:
    """The drift reference summary stored with ``version`` (or the folder's file); None when there is none."""
    from ..drift.summary import ReferenceSummary
    from ..registry.reference import TAG_REFERENCE

    if source.ref is None:
        return ReferenceSummary.load(source.reference_file) if source.reference_file else None
    mv = client.get_model_version(source.name, version)
    artifact = (mv.tags or {}).get(TAG_REFERENCE)
    if not artifact:
        return None
    with tempfile.TemporaryDirectory(prefix="mlops-serve-reference-") as tmp:
        return ReferenceSummary.load(client.download_artifacts(mv.run_id, artifact, tmp))


def load_version(client: Any, source: ModelSource, version: str) -> LoadedModel:
    """Load ``version`` of ``source`` completely (model and drift reference) before it may answer."""
    import mlflow.pyfunc

    uri = str(source.path) if source.ref is None else version_uri(source.name, version)
    model = mlflow.pyfunc.load_model(uri)
    return LoadedModel(version=version, model=model, reference=load_reference(client, source, version), uri=uri)
