"""``mlops package``: the build context works without Docker. Its requirements install into a fresh virtual
environment, its entry command (from the Dockerfile) starts our server there, on the folder, and it scores a
request with metrics on. Slow (a full install from the package registries): marked ``slow``."""

from __future__ import annotations

import json
import os
import re
import subprocess
import venv
from pathlib import Path

import httpx
import pytest

from serving_procs import PYTHON, free_port, split_body, wait_for

pytestmark = [pytest.mark.slow, pytest.mark.server, pytest.mark.timeout(2400)]


def _dockerfile(path: Path) -> tuple[str, dict[str, str], list[str]]:
    """WORKDIR, ENV and CMD of the generated Dockerfile (the only instructions the entry point needs)."""
    text = path.read_text().replace("\\\n", " ")
    workdir = re.search(r"^WORKDIR (\S+)$", text, re.M).group(1)
    env = dict(re.findall(r"(\w+)=(\S+)", re.search(r"^ENV (.+)$", text, re.M).group(1)))
    command = json.loads(re.search(r"^CMD (.+)$", text, re.M).group(1))
    return workdir, env, command


def test_the_build_context_installs_and_serves_in_a_fresh_environment(served_project, tmp_path):
    out = tmp_path / "context"
    made = subprocess.run([PYTHON, "-m", "mlops_magics.cli", "package", "churn@champion", "--out", str(out)],
                          cwd=served_project.root, env=served_project.env(), capture_output=True, text=True,
                          timeout=300)
    assert made.returncode == 0, made.stderr
    assert "build context for churn v1 (@champion)" in made.stdout
    assert {p.name for p in out.iterdir()} >= {"Dockerfile", "requirements.txt", "model", "server", "serving.json",
                                                "reference.json"}
    requirements = (out / "requirements.txt").read_text()
    model_pins = [ln for ln in (out / "model" / "requirements.txt").read_text().splitlines() if ln.strip()]
    assert all(pin in requirements for pin in model_pins)  # the model's own pins, unchanged
    assert re.search(r"^prometheus_client==\S+$", requirements, re.M)
    workdir, env, command = _dockerfile(out / "Dockerfile")
    assert command[:4] == ["python", "-m", "mlops_magics.modelserver", workdir]

    env_dir = tmp_path / "venv"
    venv.create(env_dir, with_pip=True)
    py = env_dir / "bin" / "python"
    log = tmp_path / "pip.log"
    with open(log, "w") as fh:
        # --no-compile: the same packages, without byte-compiling every module (half the install's time)
        pip = subprocess.run([str(py), "-m", "pip", "install", "-q", "--no-compile", "-r",
                              str(out / "requirements.txt")],
                             stdout=fh, stderr=subprocess.STDOUT, timeout=2000)
    assert pip.returncode == 0, log.read_text()[-3000:]

    port = free_port()
    run_env = {k: v for k, v in os.environ.items() if not k.startswith(("MLFLOW_", "MLOPS_", "PYTHONPATH"))}
    run_env.update({k: v.replace(workdir, str(out)) for k, v in env.items()})
    run_env["MLOPS_HOME"] = str(tmp_path / "mlops-home")  # the image's /var/lib/mlops
    argv = [str(py), *[w.replace(workdir, str(out)) for w in command[1:]], "--host", "127.0.0.1", "--port", str(port)]
    server_log = tmp_path / "server.log"
    with open(server_log, "wb") as fh:
        proc = subprocess.Popen(argv, cwd=out, env=run_env, stdout=fh, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        def up() -> bool:
            assert proc.poll() is None, server_log.read_text()[-3000:]
            try:
                return httpx.get(f"{url}/ping", timeout=2).status_code == 200
            except httpx.HTTPError:
                return False

        wait_for(up, "the packaged server to start", timeout=300)
        r = httpx.post(f"{url}/invocations", json=split_body(served_project.train().head(3)))
        assert r.status_code == 200 and len(r.json()["predictions"]) == 3
        assert (r.headers["x-model-version"], r.headers["x-model-alias"]) == ("1", "champion")
        metrics = httpx.get(f"{url}/metrics").text
        assert 'mlops_serving_model_info{alias="champion",model="churn",role="primary",version="1"} 1.0' in metrics
        assert httpx.get(f"{url}/mlops/status").json()["has_reference"] is True  # drift works in the image too
    finally:
        proc.terminate()
        assert proc.wait(60) == 0
