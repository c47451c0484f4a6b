"""What the JupyterLab side panel shows, read from the project's store: plain JSON-ready results.

The jupyter_server handlers in :mod:`mlops_magics.server` are thin; every query lives here. A
:class:`PanelStore` is bound to one project (resolved from the Jupyter server's ``root_dir`` the way
a kernel started there resolves it: ``MLOPS_HOME`` / ``MLFLOW_TRACKING_URI`` / ``pyproject.toml``).
It only reads: an embedded store that does not exist yet is an empty store, not created here.

Paths coming from the browser (notebooks, artifacts) are checked by :func:`safe_relative_path`:
no ``..``, no absolute path outside the server root.
"""

from __future__ import annotations

import base64
import json
import os
import socket
import threading
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterable

from ..backend import tags
from ..backend.settings import Settings, load_settings
from ..errors import MlopsUsageError, NotFound, first_line
from .catalog import CatalogQueries, _quote
from .live import ServingProbe
from .notebooks import notebook_parameters
from .paths import PathRefused, safe_relative_path

if TYPE_CHECKING:  # pragma: no cover
    from mlflow import MlflowClient

__all__ = [
    "PanelStore",
    "PathRefused",
    "RunPage",
    "RunSummary",
    "notebook_parameters",
    "safe_relative_path",
]

MAX_PAGE = 200
METRICS_IN_ROW = 8


# -- results -------------------------------------------------------------------------------------

@dataclass
class RunSummary:
    """One row of the Runs tab."""

    run_id: str
    name: str
    status: str
    experiment_id: str
    experiment: str | None
    start_time: int | None  # epoch ms
    end_time: int | None
    kind: str | None
    parent_id: str | None
    notebook: str | None  # relative to the server root when inside it
    in_notebook: bool = False
    metrics: dict[str, float] = field(default_factory=dict)
    ui_url: str | None = None


@dataclass
class RunPage:
    runs: list[RunSummary]
    next_page_token: str | None
    server_time: int  # epoch ms: the client's clock may differ
    store: str
    store_exists: bool
    ui_url: str | None

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def _ms_now() -> int:
    return int(time.time() * 1000)


# -- the store -----------------------------------------------------------------------------------

class PanelStore(CatalogQueries):
    """Read-only queries on one project's MLflow store, for the side panel."""

    def __init__(self, root_dir: str | os.PathLike[str], settings: Settings | None = None) -> None:
        self.root_dir = os.path.abspath(os.fspath(root_dir))
        self.settings = settings or load_settings(Path(self.root_dir))
        self._client: MlflowClient | None = None
        self._lock = threading.Lock()
        self._experiments: tuple[float, dict[str, str]] = (0.0, {})
        self.serving = ServingProbe(self.settings.home)  # the project's model servers (Models tab)

    # -- plumbing --------------------------------------------------------------------------------
    @property
    def store_exists(self) -> bool:
        return not self.settings.embedded or self.settings.db_path.exists()

    @property
    def store_label(self) -> str:
        return str(self.settings.home) if self.settings.embedded else self.settings.tracking_uri

    def ui_url(self) -> str | None:
        uri = self.settings.tracking_uri
        return uri.rstrip("/") if uri.startswith(("http://", "https://")) else None

    def client(self) -> MlflowClient:
        with self._lock:
            if self._client is None:
                from mlflow import MlflowClient

                self._client = MlflowClient(tracking_uri=self.settings.tracking_uri,
                                            registry_uri=self.settings.registry_uri)
            return self._client

    def experiments(self) -> dict[str, str]:
        """Active experiments, id -> name (cached for a few seconds)."""
        stamp, known = self._experiments
        if time.time() - stamp < 5 and known:
            return known
        from mlflow.entities import ViewType

        from ..tracking.experiments import is_hidden

        found = self.client().search_experiments(view_type=ViewType.ACTIVE_ONLY, max_results=1000)
        known = {e.experiment_id: e.name for e in found if not is_hidden(e)}
        self._experiments = (time.time(), known)
        return known

    def _experiment_ids(self, experiment: str | None) -> list[str]:
        known = self.experiments()
        if not experiment:
            return list(known)
        if experiment in known:
            return [experiment]
        for exp_id, name in known.items():
            if name == experiment:
                return [exp_id]
        raise NotFound(f"no experiment '{experiment}'; known: {', '.join(sorted(known.values())) or 'none'}")

    def notebook_tag_value(self, notebook: str) -> str:
        """The ``mlops.notebook`` tag a kernel started by this server writes for ``notebook``."""
        rel = safe_relative_path(notebook, self.root_dir, "notebook path")
        return os.path.join(self.root_dir, *rel.split("/")) if rel else self.root_dir

    def _display_notebook(self, value: str | None) -> str | None:
        if not value:
            return None
        root = self.root_dir.rstrip(os.sep) + os.sep
        return value[len(root):].replace(os.sep, "/") if value.startswith(root) else value

    def _summary(self, run: Any, notebook_tag: str | None) -> RunSummary:
        info, data = run.info, run.data
        metrics = dict(sorted(data.metrics.items())[:METRICS_IN_ROW])
        ui = self.settings.ui_run_url(info.experiment_id, info.run_id)
        nb = data.tags.get(tags.NOTEBOOK)
        return RunSummary(
            run_id=info.run_id,
            name=info.run_name or "",
            status=info.status,
            experiment_id=info.experiment_id,
            experiment=self.experiments().get(info.experiment_id),
            start_time=info.start_time,
            end_time=info.end_time,
            kind=data.tags.get(tags.KIND),
            parent_id=data.tags.get(tags.PARENT),
            notebook=self._display_notebook(nb),
            in_notebook=bool(notebook_tag) and nb == notebook_tag,
            metrics=metrics,
            ui_url=ui,
        )

    def _empty_page(self) -> RunPage:
        return RunPage([], None, _ms_now(), self.store_label, self.store_exists, self.ui_url())

    # -- runs ------------------------------------------------------------------------------------
    def runs(self, experiment: str | None = None, notebook: str | None = None, max_results: int = 50,
             page_token: str | None = None, only_notebook: bool = False) -> RunPage:
        """Runs, newest first, one page at a time.

        With ``notebook``: that notebook's runs come first (flagged ``in_notebook``), then every
        other run; ``only_notebook`` stops after them. The page token is opaque to the client.
        """
        max_results = max(1, min(int(max_results), MAX_PAGE))
        notebook_tag = self.notebook_tag_value(notebook) if notebook else None
        if not self.store_exists:
            return self._empty_page()
        ids = self._experiment_ids(experiment)
        if not ids:
            return self._empty_page()
        if page_token:
            phase, token = _decode_token(page_token)
            if phase not in ("nb", "all") or (phase == "nb" and not notebook_tag):
                raise MlopsUsageError("page_token is not valid for this query; start again without it")
        else:
            phase, token = ("nb" if notebook_tag else "all"), None
        order = ["attributes.start_time DESC"]
        client = self.client()
        rows: list[RunSummary] = []
        next_token: str | None = None
        if phase == "nb":
            page = client.search_runs(ids, filter_string=f"tags.`{tags.NOTEBOOK}` = '{_quote(notebook_tag)}'",
                                      order_by=order, max_results=max_results, page_token=token)
            rows = [self._summary(r, notebook_tag) for r in page]
            if page.token:
                next_token = _encode_token("nb", page.token)
            elif not only_notebook:
                phase, token = "all", None
            if len(rows) >= max_results or only_notebook:
                return RunPage(rows, next_token or (_encode_token("all", None) if phase == "all" else None),
                               _ms_now(), self.store_label, True, self.ui_url())
        # every run, skipping the notebook's (already listed first)
        while len(rows) < max_results:
            want = max_results - len(rows)
            page = client.search_runs(ids, order_by=order, max_results=want, page_token=token)
            for run in page:
                if notebook_tag is None or run.data.tags.get(tags.NOTEBOOK) != notebook_tag:
                    rows.append(self._summary(run, notebook_tag))
            token = page.token
            if not token:
                break
        next_token = _encode_token("all", token) if token else None
        return RunPage(rows, next_token, _ms_now(), self.store_label, True, self.ui_url())

    def run(self, run_id: str) -> dict[str, Any]:
        """One run: info, params, metrics (latest values), tags, children, top-level artifacts."""
        if not _is_run_id(run_id):
            raise MlopsUsageError(f"'{run_id}' is not a run id")
        if not self.store_exists:
            raise NotFound(f"no run {run_id}: the store at {self.store_label} does not exist yet")
        client = self.client()
        try:
            run = client.get_run(run_id)
        except Exception:
            raise NotFound(f"no run with id {run_id}") from None
        summary = asdict(self._summary(run, None))
        summary["metrics"] = dict(run.data.metrics)
        user_tags = {k: v for k, v in run.data.tags.items() if not k.startswith("mlflow.")}
        children = client.search_runs(
            [run.info.experiment_id], filter_string=f"tags.`{tags.PARENT}` = '{run_id}'",
            order_by=["attributes.start_time DESC"], max_results=100,
        )
        return {
            **summary,
            "params": dict(run.data.params),
            "tags": user_tags,
            "artifact_uri": run.info.artifact_uri,
            "artifacts": self.artifacts(run_id, ""),
            "children": [asdict(self._summary(c, None)) for c in children],
            "server_time": _ms_now(),
        }

    def artifacts(self, run_id: str, path: str = "") -> list[dict[str, Any]]:
        """Artifacts of a run under ``path`` (relative to the run's artifact root)."""
        if not _is_run_id(run_id):
            raise MlopsUsageError(f"'{run_id}' is not a run id")
        rel = safe_relative_path(path or "", None, "artifact path")
        try:
            items = self.client().list_artifacts(run_id, rel or None)
        except Exception as exc:  # an unreachable artifact store must not break the run view
            return [{"path": rel, "is_dir": False, "size": None, "error": first_line(exc)}]
        return [{"path": f.path, "is_dir": f.is_dir, "size": f.file_size} for f in items]

    def active_run(self, pids: Iterable[int] = (), notebook: str | None = None) -> dict[str, Any] | None:
        """The innermost RUNNING run of a kernel.

        A kernel is identified by its process id on this host (``mlops.host`` / ``mlops.pid``
        tags, written by every run we start); when the pid is unknown (a remote kernel), a RUNNING
        notebook run whose ``mlops.notebook`` is ``notebook`` (the path a kernel started by this
        server records) stands in. ``None`` when nothing runs.
        """
        if not self.store_exists:
            return None
        ids = list(self.experiments())
        if not ids:
            return None
        client = self.client()
        candidates: list[Any] = []
        host = socket.gethostname()
        for pid in pids:
            flt = (f"attributes.status = 'RUNNING' and tags.`{tags.PID}` = '{int(pid)}' "
                   f"and tags.`{tags.HOST}` = '{_quote(host)}'")
            candidates.extend(client.search_runs(ids, filter_string=flt, max_results=50,
                                                 order_by=["attributes.start_time DESC"]))
        if not candidates and notebook:
            tag = self.notebook_tag_value(notebook)
            flt = f"attributes.status = 'RUNNING' and tags.`{tags.NOTEBOOK}` = '{_quote(tag)}'"
            candidates = [r for r in client.search_runs(ids, filter_string=flt, max_results=50,
                                                        order_by=["attributes.start_time DESC"])
                          if r.data.tags.get(tags.KIND) in ("notebook", "cell")]
        if not candidates:
            return None
        # innermost: a cell run inside the notebook run; among equals the newest
        rank = {"cell": 0, "script": 1, "notebook": 2}
        best = min(candidates, key=lambda r: (rank.get(r.data.tags.get(tags.KIND, ""), 3), -(r.info.start_time or 0)))
        summary = asdict(self._summary(best, None))
        notebook_runs = [r for r in candidates if r.data.tags.get(tags.KIND) == "notebook"]
        summary["notebook_run"] = (asdict(self._summary(notebook_runs[0], None))
                                   if notebook_runs and notebook_runs[0] is not best else None)
        summary["server_time"] = _ms_now()
        return summary

# -- helpers -------------------------------------------------------------------------------------

def _is_run_id(value: str) -> bool:
    return isinstance(value, str) and 1 <= len(value) <= 64 and all(c.isalnum() or c in "-_" for c in value)


def _encode_token(phase: str, token: str | bytes | None) -> str:
    if isinstance(token, bytes):  # MLflow's page tokens are base64 bytes
        token = token.decode()
    raw = json.dumps({"p": phase, "t": token}).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode_token(token: str) -> tuple[str, str | None]:
    try:
        padded = token + "=" * (-len(token) % 4)
        data = json.loads(base64.urlsafe_b64decode(padded.encode()))
        return str(data["p"]), data.get("t")
    except (ValueError, KeyError, TypeError):
        return "?", None


