"""``mlops package NAME@REF --out DIR``: a container build context for one registered version.

Anchor: ``mlflow models generate-dockerfile`` (a Dockerfile, the model, its pinned environment, MLflow's
scoring server as the entry point). Ours writes::

    DIR/Dockerfile         python:X.Y-slim (the model's Python), pip install, our server as the entry point
    DIR/requirements.txt   the model's pinned requirements (its MLflow environment) + the server's, pinned
    DIR/model/             the MLflow model of that version (the version is pinned, not the alias)
    DIR/reference.json     the drift reference summary stored with the version (when there is one)
    DIR/serving.json       name, version, alias, source: what /metrics and the card report
    DIR/server/            the mlops_magics package (Python files only): the server, with metrics on

The entry point is ``python -m mlops_magics.modelserver /opt/mlops --host 0.0.0.0 --port 8080``: the same
server as ``mlops serve``, on the folder (so no registry is needed at run time).
"""

from __future__ import annotations

import json
import re
import shutil
import time
from importlib import metadata
from pathlib import Path
from typing import Any

from ..errors import MlopsUsageError, StoreError
from .results import PackageResult
from .source import PACKAGE_FILE

__all__ = ["SERVER_REQUIREMENTS", "package", "server_requirements"]

WORKDIR = "/opt/mlops"
# what the server imports beyond the model's own needs (its entry point, metrics, drift, capture)
SERVER_REQUIREMENTS = ("mlflow", "uvicorn", "fastapi", "prometheus_client", "pandas", "numpy", "scipy", "pyarrow",
                       "blake3", "fsspec")
_SKIP_DIRS = {"__pycache__", "labextension", "node_modules"}


def _canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _requirement_name(line: str) -> str | None:
    line = line.split("#", 1)[0].strip()
    if not line or line.startswith("-"):
        return None
    match = re.match(r"^([A-Za-z0-9][A-Za-z0-9._-]*)", line)
    return _canonical(match.group(1)) if match else None


def server_requirements(model_requirements: list[str]) -> list[str]:
    """The model's pins first, then the server's own (pinned to what runs here) that the model does not pin."""
    have = {_requirement_name(r) for r in model_requirements}
    out = [r.strip() for r in model_requirements if r.strip() and not r.strip().startswith("#")]
    for name in SERVER_REQUIREMENTS:
        if _canonical(name) in have:
            continue
        try:
            out.append(f"{name}=={metadata.version(name)}")
        except metadata.PackageNotFoundError:
            out.append(name)
    return out


def _copy_server(dest: Path) -> None:
    """The mlops_magics package as installed here (Python files and py.typed; no lab extension build)."""
    src = Path(__file__).resolve().parents[2]  # the mlops_magics package folder
    for path in src.rglob("*"):
        rel = path.relative_to(src)
        if any(part in _SKIP_DIRS for part in rel.parts) or not path.is_file():
            continue
        if path.suffix in (".py", ".typed") or path.name == "py.typed":
            target = dest / "mlops_magics" / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, target)


def _python_version(model_dir: Path) -> str:
    env = model_dir / "python_env.yaml"
    if env.is_file():
        import yaml

        try:
            version = str((yaml.safe_load(env.read_text(encoding="utf-8")) or {}).get("python") or "")
        except yaml.YAMLError:
            version = ""
        if re.match(r"^\d+\.\d+(\.\d+)?$", version):
            return version
    import sys

    return ".".join(map(str, sys.version_info[:3]))


def _dockerfile(base: str, port: int, label: str, version: str, command: list[str]) -> str:
    __version__ = metadata.version("mlops_magics")

    return "\n".join([
        f"# Built by `mlops package {label}` (mlops_magics {__version__}): model version {version}, pinned.",
        "# docker build -t NAME . && docker run -p 8080:8080 NAME ; metrics on /metrics, status on /mlops/status.",
        "# At run time: MLFLOW_TRACKING_URI / MLOPS_HOME (or a mounted volume) for --capture; see docs/serving.md.",
        f"FROM {base}",
        "ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1 \\",
        f"    PYTHONPATH={WORKDIR}/server MLOPS_HOME=/var/lib/mlops",
        f"WORKDIR {WORKDIR}",
        f"COPY requirements.txt {WORKDIR}/requirements.txt",
        f"RUN pip install -r {WORKDIR}/requirements.txt",
        f"COPY model {WORKDIR}/model",
        f"COPY *.json {WORKDIR}/",
        f"COPY server {WORKDIR}/server",
        f"EXPOSE {port}",
        f"CMD {json.dumps(command)}",
        "",
    ])


def _download(uri: str, dest: Path, conf: Any) -> None:
    """The version's model files from their storage location (MLflow's own download, progress bar off)."""
    import os

    import mlflow.artifacts

    saved = os.environ.get("MLFLOW_ENABLE_ARTIFACTS_PROGRESS_BAR")
    os.environ["MLFLOW_ENABLE_ARTIFACTS_PROGRESS_BAR"] = "false"
    staging = dest.parent / f".{dest.name}-download"
    try:
        local = mlflow.artifacts.download_artifacts(artifact_uri=uri, dst_path=str(staging),
                                                    tracking_uri=conf.tracking_uri)
        shutil.move(local, dest)  # the download lands in a folder named after the storage location
    except Exception as exc:  # noqa: BLE001 - one line, with what to check
        first = (str(exc).strip().splitlines() or [type(exc).__name__])[0][:300]
        raise StoreError(f"cannot download {uri} from the registry ({first})") from None
    finally:
        shutil.rmtree(staging, ignore_errors=True)
        if saved is None:
            os.environ.pop("MLFLOW_ENABLE_ARTIFACTS_PROGRESS_BAR", None)
        else:
            os.environ["MLFLOW_ENABLE_ARTIFACTS_PROGRESS_BAR"] = saved


def package(source: str, out: str | Path, *, port: int = 8080, base_image: str | None = None,
            force: bool = False, settings: Any = None) -> PackageResult:
    """Write the build context of the version ``source`` names into ``out``."""
    from ..datastore.repo import current_settings
    from ..registry.refs import parse_ref, resolve
    from .source import load_reference, parse_source, registry_client

    ref = parse_ref(source)
    out = Path(out).expanduser().resolve()
    conf = settings or current_settings()
    client = registry_client(conf)
    mv = resolve(client, ref)  # an unknown model or alias fails before anything is written
    version = str(mv.version)
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        if not force:
            raise MlopsUsageError(f"{out} exists and is not empty; choose another --out or pass --force")
        shutil.rmtree(out) if out.is_dir() else out.unlink()
    out.mkdir(parents=True, exist_ok=True)
    model_dir = out / "model"
    _download(client.get_model_version_download_uri(ref.name, version), model_dir, conf)
    reference = load_reference(client, parse_source(f"{ref.name}@v{version}"), version)
    if reference is not None:
        (out / "reference.json").write_text(json.dumps(reference.to_dict()), encoding="utf-8")
    meta = {"model": ref.name, "version": version, "alias": ref.alias or "", "source": str(ref),
            "model_dir": "model", "reference": "reference.json" if reference is not None else None,
            "packaged": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), "run_id": mv.run_id}
    (out / PACKAGE_FILE).write_text(json.dumps(meta, indent=1), encoding="utf-8")
    req_file = model_dir / "requirements.txt"
    model_reqs = req_file.read_text(encoding="utf-8").splitlines() if req_file.is_file() else []
    requirements = server_requirements(model_reqs)
    (out / "requirements.txt").write_text(
        f"# {ref.name} v{version}: the model's pinned requirements (model/requirements.txt), then the server's\n"
        + "\n".join(requirements) + "\n", encoding="utf-8")
    _copy_server(out / "server")
    base = base_image or f"python:{_python_version(model_dir)}-slim"
    command = ["python", "-m", "mlops_magics.modelserver", WORKDIR, "--host", "0.0.0.0", "--port", str(port)]
    (out / "Dockerfile").write_text(_dockerfile(base, port, str(ref), version, command), encoding="utf-8")
    (out / ".dockerignore").write_text("**/__pycache__\n", encoding="utf-8")
    return PackageResult(out=str(out), model=ref.name, version=version, alias=ref.alias or "", base_image=base,
                         requirements=requirements, command=command, has_reference=reference is not None)
