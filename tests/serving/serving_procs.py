"""Real processes for the serving tests: a project with registered models, our model server,
``mlflow models serve``, Prometheus. Each on a free loopback port, stopped by its fixture, with its
log in the failure message."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import textwrap
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

PYTHON = sys.executable
FEATURES = ["tenure", "charges", "calls", "plan"]

BUILD = textwrap.dedent('''
    import numpy as np, pandas as pd
    from sklearn.compose import make_column_transformer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import OneHotEncoder, StandardScaler
    from mlops_magics import registry

    rng = np.random.default_rng(0)
    n = 400
    X = pd.DataFrame({"tenure": rng.normal(24, 8, n), "charges": rng.normal(70, 20, n),
                      "calls": rng.poisson(3, n).astype("int64"), "plan": rng.choice(["basic", "plus", "pro"], n)})
    y = ((X.tenure < 20) ^ (X.plan == "pro")).astype(int)

    def model(C):
        prep = make_column_transformer((StandardScaler(), ["tenure", "charges", "calls"]),
                                       (OneHotEncoder(handle_unknown="ignore"), ["plan"]))
        return make_pipeline(prep, LogisticRegression(C=C)).fit(X, y)

    registry.register(model(1.0), "churn", alias="champion", input_example=X.head(5), reference=X)
    registry.register(model(0.0005), "churn", alias="challenger", input_example=X.head(5), reference=X)
    for C in (1.0, 0.0005, 0.1):
        registry.register(model(C), "flip", input_example=X.head(5), reference=X)
    registry.promote("flip@v1", "champion")

    class Slow:
        """Sleeps as long as its input says: for the request timeout."""

        def predict(self, frame):
            import time

            time.sleep(float(frame["seconds"].iloc[0]))
            return frame["seconds"] * 2

    registry.register(Slow(), "slow", alias="champion", input_example=pd.DataFrame({"seconds": [0.0]}))
    X.to_parquet("train.parquet")
''')


REGISTER = textwrap.dedent('''
    import sys
    import numpy as np, pandas as pd
    from sklearn.linear_model import LogisticRegression
    from mlops_magics import registry

    name, alias = sys.argv[1], sys.argv[2]
    rng = np.random.default_rng(0)
    X = pd.DataFrame({"tenure": rng.normal(24, 8, 200), "charges": rng.normal(70, 20, 200)})
    y = (X.tenure < 20).astype(int)
    for C in map(float, sys.argv[3:]):
        registry.register(LogisticRegression(C=C).fit(X, y), name, input_example=X.head(3), reference=X)
    registry.promote(f"{name}@v1", alias)
''')


def register_models(env: dict[str, str], cwd: Path, name: str, alias: str, *cs: float) -> None:
    """Register one version of ``name`` per regularisation ``C`` (in a subprocess: its own session)."""
    proc = subprocess.run([PYTHON, "-c", REGISTER, name, alias, *map(str, cs)], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=600)
    if proc.returncode != 0:
        raise RuntimeError(f"could not register {name}:\n{proc.stderr[-3000:]}")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Project:
    """A project folder whose embedded store holds ``churn`` (v1 @champion, v2 @challenger), ``flip`` and
    ``slow`` (sleeps for its input's ``seconds``)."""

    root: Path

    @property
    def home(self) -> Path:
        return self.root / ".mlops"

    @property
    def tracking_uri(self) -> str:
        return f"sqlite:///{self.home / 'mlflow.db'}"

    def env(self, **extra: str) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("MLFLOW_", "MLOPS_", "PROMETHEUS_"))}
        env.update(MLOPS_HOME=str(self.home), PYTHONWARNINGS="ignore", MLFLOW_ENABLE_ARTIFACTS_PROGRESS_BAR="false")
        env.update(extra)
        return env

    def train(self) -> Any:
        import pandas as pd

        return pd.read_parquet(self.root / "train.parquet")

    def client(self) -> Any:
        from mlflow import MlflowClient

        return MlflowClient(tracking_uri=self.tracking_uri, registry_uri=self.tracking_uri)


def build_project(root: Path) -> Project:
    root.mkdir(parents=True, exist_ok=True)
    (root / "pyproject.toml").write_text("[project]\nname = 'served'\n")
    project = Project(root)
    proc = subprocess.run([PYTHON, "-c", BUILD], cwd=root, env=project.env(), capture_output=True, text=True,
                          timeout=600)
    if proc.returncode != 0:
        raise RuntimeError(f"could not build the served project:\n{proc.stderr[-3000:]}")
    return project


def split_body(frame: Any) -> dict[str, Any]:
    return {"dataframe_split": json.loads(frame.to_json(orient="split", index=False))}


@dataclass
class Proc:
    """A started server process: its URL, process and log."""

    proc: subprocess.Popen
    url: str
    log: Path
    extra: dict[str, Any] = field(default_factory=dict)

    def log_text(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 60) -> int:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, sig)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(10)
                raise AssertionError(f"server did not stop within {timeout} s:\n{self.log_text()[-3000:]}")
        return self.proc.returncode


def _wait_ping(url: str, proc: subprocess.Popen, log: Path, timeout: float = 180) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            if httpx.get(f"{url}/ping", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        if proc.poll() is not None or time.monotonic() > deadline:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGKILL)
            raise RuntimeError(f"server at {url} did not start:\n{log.read_text(errors='replace')[-4000:]}")
        time.sleep(0.25)


def start_ours(project: Project, *args: str, env: dict[str, str] | None = None, name: str = "ours") -> Proc:
    """``python -m mlops_magics.modelserver ARGS --port P`` in the project (its own session)."""
    port = free_port()
    log = project.root / f"{name}-{port}.log"
    with open(log, "wb") as out:
        proc = subprocess.Popen([PYTHON, "-m", "mlops_magics.modelserver", *args, "--port", str(port)],
                                cwd=project.root, env=env or project.env(), stdout=out, stderr=subprocess.STDOUT,
                                start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    _wait_ping(url, proc, log)
    return Proc(proc, url, log)


def start_mlflow(project: Project, model_uri: str, name: str = "mlflow", env: dict[str, str] | None = None) -> Proc:
    """``mlflow models serve -m URI --env-manager local`` (MLflow's own scoring server)."""
    port = free_port()
    log = project.root / f"{name}-{port}.log"
    mlflow_cli = str(Path(PYTHON).with_name("mlflow"))
    with open(log, "wb") as out:
        proc = subprocess.Popen([mlflow_cli, "models", "serve", "-m", model_uri, "--env-manager", "local", "-h",
                                 "127.0.0.1", "-p", str(port)], cwd=project.root,
                                env={**(env or project.env()), "MLFLOW_TRACKING_URI": project.tracking_uri}, stdout=out,
                                stderr=subprocess.STDOUT, start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    _wait_ping(url, proc, log)
    return Proc(proc, url, log)


def metric_samples(url: str) -> dict[tuple[str, tuple], float]:
    """``/metrics`` parsed with prometheus_client's own parser: (sample name, sorted labels) -> value."""
    from prometheus_client.parser import text_string_to_metric_families

    text = httpx.get(f"{url}/metrics", timeout=10).text
    out = {}
    for family in text_string_to_metric_families(text):
        for s in family.samples:
            out[(s.name, tuple(sorted(s.labels.items())))] = s.value
    return out


def total(samples: dict[tuple[str, tuple], float], name: str, **labels: str) -> float:
    """Sum of the samples of ``name`` whose labels include ``labels``."""
    return sum(v for (n, lab), v in samples.items()
               if n == name and all(dict(lab).get(k) == want for k, want in labels.items()))


def wait_for(predicate: Any, what: str, timeout: float = 60, every: float = 0.2) -> Any:
    """Poll ``predicate`` until it returns a truthy value (the server works in the background)."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"gave up waiting for {what}")
        time.sleep(every)
