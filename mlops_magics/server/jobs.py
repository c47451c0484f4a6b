"""Background jobs of the panel ("Run notebook with parameters…"): one worker process each."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

__all__ = ["Job", "JobManager"]

MAX_KEPT = 50


@dataclass
class Job:
    id: str
    notebook: str  # relative to the server root
    parameters: dict[str, Any]
    folder: str
    process: subprocess.Popen | None = None
    started: float = field(default_factory=time.time)
    finished: float | None = None
    result: dict[str, Any] | None = None

    @property
    def state(self) -> str:
        if self.result is not None:
            return "succeeded" if self.result.get("ok") else "failed"
        return "running"

    def to_json(self, root_dir: str) -> dict[str, Any]:
        result = dict(self.result or {})
        executed = result.get("executed")
        if executed:
            root = root_dir.rstrip(os.sep) + os.sep
            result["executed"] = executed[len(root):].replace(os.sep, "/") if executed.startswith(root) else None
        result.pop("detail", None)
        return {"id": self.id, "notebook": self.notebook, "parameters": self.parameters, "state": self.state,
                "started": self.started, "finished": self.finished, "result": result or None}


class JobManager:
    """Starts worker processes and reports their state; keeps the last :data:`MAX_KEPT` jobs."""

    def __init__(self, root_dir: str) -> None:
        self.root_dir = os.path.abspath(root_dir)
        self._jobs: dict[str, Job] = {}
        self._lock = threading.Lock()

    def start(self, notebook_rel: str, parameters: dict[str, Any]) -> Job:
        job = Job(uuid.uuid4().hex[:12], notebook_rel, parameters, tempfile.mkdtemp(prefix="mlops-panel-job-"))
        request = os.path.join(job.folder, "request.json")
        with open(request, "w", encoding="utf-8") as fh:
            json.dump({"notebook": os.path.join(self.root_dir, *notebook_rel.split("/")),
                       "parameters": parameters}, fh)
        log = open(os.path.join(job.folder, "job.log"), "wb")
        try:
            job.process = subprocess.Popen(
                [sys.executable, "-m", "mlops_magics.server._job", request, os.path.join(job.folder, "result.json")],
                cwd=self.root_dir, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                start_new_session=True,
            )
        finally:
            log.close()
        with self._lock:
            self._jobs[job.id] = job
            self._trim()
        threading.Thread(target=self._wait, args=(job,), name=f"mlops-job-{job.id}", daemon=True).start()
        return job

    def _wait(self, job: Job) -> None:
        assert job.process is not None
        code = job.process.wait()
        result_file = os.path.join(job.folder, "result.json")
        try:
            with open(result_file, encoding="utf-8") as fh:
                result = json.load(fh)
        except (OSError, ValueError):
            tail = ""
            try:
                with open(os.path.join(job.folder, "job.log"), encoding="utf-8", errors="replace") as fh:
                    tail = fh.read()[-1000:].strip().splitlines()[-1:]
                    tail = tail[0] if tail else ""
            except OSError:
                pass
            result = {"ok": False, "state": "failed", "error": f"the job process exited with code {code}: {tail}"}
        job.result = result
        job.finished = time.time()
        shutil.rmtree(job.folder, ignore_errors=True)

    def _trim(self) -> None:
        done = [j for j in self._jobs.values() if j.result is not None]
        for job in sorted(done, key=lambda j: j.started)[: max(0, len(self._jobs) - MAX_KEPT)]:
            self._jobs.pop(job.id, None)

    def get(self, job_id: str) -> Job | None:
        with self._lock:
            return self._jobs.get(job_id)

    def stop_all(self) -> None:
        """Terminate running workers (server shutdown)."""
        import signal

        with self._lock:
            jobs = list(self._jobs.values())
        for job in jobs:
            if job.process is not None and job.process.poll() is None:
                try:
                    os.killpg(job.process.pid, signal.SIGTERM)
                except OSError:
                    pass
