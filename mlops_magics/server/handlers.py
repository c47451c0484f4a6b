"""REST handlers under ``<base_url>/mlops/api/``: thin wrappers around :mod:`..core.panel_queries`.

Every handler is a Jupyter ``APIHandler`` behind ``@tornado.web.authenticated`` (token or cookie;
XSRF on POST like JupyterLab's own APIs). Store queries run in a small thread pool so the server's
event loop never waits on SQLite or a tracking server.
"""

from __future__ import annotations

import asyncio
import json
import os
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Callable

import tornado.web
from jupyter_server.base.handlers import APIHandler
from jupyter_server.utils import url_path_join

from ..core.errors import MlopsError, MlopsUsageError, NotFound, first_line
from ..core.panel.queries import PanelStore, PathRefused, notebook_parameters, safe_relative_path
from .jobs import JobManager

__all__ = ["setup_handlers"]

_pool = ThreadPoolExecutor(max_workers=4, thread_name_prefix="mlops-api")


class _Base(APIHandler):
    def initialize(self, store: PanelStore, jobs: JobManager) -> None:
        self.store = store
        self.jobs = jobs

    async def call(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        loop = asyncio.get_running_loop()
        try:
            return await loop.run_in_executor(_pool, lambda: fn(*args, **kwargs))
        except PathRefused as exc:
            raise tornado.web.HTTPError(403, str(exc)) from None
        except NotFound as exc:
            raise tornado.web.HTTPError(404, str(exc)) from None
        except MlopsUsageError as exc:
            raise tornado.web.HTTPError(400, str(exc)) from None
        except MlopsError as exc:
            raise tornado.web.HTTPError(503, str(exc)) from None
        except Exception as exc:  # the store failed: say what, keep the details in the server log
            self.log.exception("mlops_magics: %s failed", getattr(fn, "__name__", fn))
            raise tornado.web.HTTPError(500, f"the store query failed: {first_line(exc)}") from None

    def reply(self, payload: Any, status: int = 200) -> None:
        self.set_status(status)
        self.set_header("Content-Type", "application/json")
        self.set_header("Cache-Control", "no-store")
        self.finish(json.dumps(payload, default=str))

    def int_arg(self, name: str, default: int) -> int:
        value = self.get_argument(name, None)
        if value is None:
            return default
        try:
            return int(value)
        except ValueError:
            raise tornado.web.HTTPError(400, f"{name} must be an integer") from None


class StatusHandler(_Base):
    @tornado.web.authenticated
    async def get(self) -> None:
        self.reply({
            "store": self.store.store_label,
            "store_exists": self.store.store_exists,
            "embedded": self.store.settings.embedded,
            "ui_url": self.store.ui_url(),
            "experiment": self.store.settings.experiment,
        })


class RunsHandler(_Base):
    @tornado.web.authenticated
    async def get(self) -> None:
        page = await self.call(
            self.store.runs,
            experiment=self.get_argument("experiment", None) or None,
            notebook=self.get_argument("notebook", None) or None,
            max_results=self.int_arg("max_results", 50),
            page_token=self.get_argument("page_token", None) or None,
            only_notebook=self.get_argument("only_notebook", "") in ("1", "true"),
        )
        self.reply(page.to_json())


class RunHandler(_Base):
    @tornado.web.authenticated
    async def get(self, run_id: str) -> None:
        self.reply(await self.call(self.store.run, run_id))


class ArtifactsHandler(_Base):
    @tornado.web.authenticated
    async def get(self, run_id: str) -> None:
        path = self.get_argument("path", "")
        self.reply({"run_id": run_id, "path": path, "artifacts": await self.call(self.store.artifacts, run_id, path)})


class ActiveRunHandler(_Base):
    """The active run of one kernel (status bar)."""

    @tornado.web.authenticated
    async def get(self) -> None:
        kernel_id = self.get_argument("kernel_id", None)
        notebook = self.get_argument("notebook", None) or None
        pids: list[int] = []
        if kernel_id:
            if kernel_id not in self.kernel_manager:
                raise tornado.web.HTTPError(404, f"no kernel {kernel_id}")
            pid = _kernel_pid(self.kernel_manager.get_kernel(kernel_id))
            if pid:
                pids.append(pid)
        run = await self.call(self.store.active_run, pids, notebook)
        self.reply({"run": run})


def _kernel_pid(km: Any) -> int | None:
    """The local process id of a kernel (None for remote / gateway kernels)."""
    provisioner = getattr(km, "provisioner", None)
    for owner in (provisioner, km):
        process = getattr(owner, "process", None)
        pid = getattr(process, "pid", None) or getattr(owner, "pid", None)
        if isinstance(pid, int):
            return pid
    return None


class ModelsHandler(_Base):
    @tornado.web.authenticated
    async def get(self) -> None:
        self.reply(await self.call(self.store.models, self.int_arg("max_results", 100)))


class DatasetsHandler(_Base):
    @tornado.web.authenticated
    async def get(self) -> None:
        self.reply(await self.call(self.store.datasets))


class PipelinesHandler(_Base):
    @tornado.web.authenticated
    async def get(self) -> None:
        self.reply(await self.call(self.store.pipelines, self.int_arg("max_results", 20)))


class NotebookParametersHandler(_Base):
    @tornado.web.authenticated
    async def get(self) -> None:
        rel = self._notebook(self.get_argument("path", ""))
        full = os.path.join(self.store.root_dir, *rel.split("/"))
        if not os.path.isfile(full):
            raise tornado.web.HTTPError(404, f"no notebook {rel}")
        try:
            info = await self.call(notebook_parameters, full)
        except tornado.web.HTTPError as exc:
            raise tornado.web.HTTPError(400 if exc.status_code == 500 else exc.status_code,
                                        f"cannot read {rel}: {exc.log_message}") from None
        self.reply({"path": rel, **info})

    def _notebook(self, path: str) -> str:
        try:
            rel = safe_relative_path(path, self.store.root_dir, "notebook path")
        except PathRefused as exc:
            raise tornado.web.HTTPError(403, str(exc)) from None
        if not rel.endswith(".ipynb"):
            raise tornado.web.HTTPError(400, "give the path of a .ipynb notebook")
        if any(part.startswith(".") for part in rel.split("/")):
            raise tornado.web.HTTPError(403, "notebook path refused: hidden folders are not served")
        return rel


class NotebookRunHandler(NotebookParametersHandler):
    """Start "Run notebook with parameters": 202 with the job; poll ``jobs/<id>``."""

    @tornado.web.authenticated
    async def post(self) -> None:
        try:
            body = json.loads(self.request.body or b"{}")
        except ValueError:
            raise tornado.web.HTTPError(400, "the body must be JSON") from None
        if not isinstance(body, dict):
            raise tornado.web.HTTPError(400, "the body must be a JSON object")
        rel = self._notebook(str(body.get("path", "")))
        params = body.get("parameters") or {}
        if not isinstance(params, dict) or not all(isinstance(k, str) and k.isidentifier() for k in params):
            raise tornado.web.HTTPError(400, "parameters must be an object of variable names")
        if not os.path.isfile(os.path.join(self.store.root_dir, *rel.split("/"))):
            raise tornado.web.HTTPError(404, f"no notebook {rel}")
        job = await self.call(self.jobs.start, rel, params)
        self.reply(job.to_json(self.store.root_dir), status=202)


class JobHandler(_Base):
    @tornado.web.authenticated
    async def get(self, job_id: str) -> None:
        job = self.jobs.get(job_id)
        if job is None:
            raise tornado.web.HTTPError(404, f"no job {job_id}")
        self.reply(job.to_json(self.store.root_dir))


def setup_handlers(web_app: Any, root_dir: str) -> tuple[PanelStore, JobManager]:
    store = PanelStore(root_dir)
    jobs = JobManager(store.root_dir)
    base = url_path_join(web_app.settings["base_url"], "mlops", "api")
    kwargs = {"store": store, "jobs": jobs}
    run_id = r"(?P<run_id>[A-Za-z0-9_\-]+)"
    routes = [
        ("status", StatusHandler),
        ("runs", RunsHandler),
        (f"runs/{run_id}", RunHandler),
        (f"runs/{run_id}/artifacts", ArtifactsHandler),
        ("active", ActiveRunHandler),
        ("models", ModelsHandler),
        ("datasets", DatasetsHandler),
        ("pipelines", PipelinesHandler),
        ("notebook/parameters", NotebookParametersHandler),
        ("notebook/run", NotebookRunHandler),
        (r"jobs/(?P<job_id>[a-f0-9]+)", JobHandler),
    ]
    web_app.add_handlers(".*$", [(url_path_join(base, path) + "/?", handler, kwargs) for path, handler in routes])
    return store, jobs
