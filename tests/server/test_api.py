"""The panel's REST API on a REAL ``jupyter server`` (subprocess, loopback, token, isolated store)."""

from __future__ import annotations

import json
import socket
import sys
import time
from pathlib import Path

import pytest
import requests

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from jupyter_proc import TOKEN, start_jupyter, stop_jupyter  # noqa: E402

pytestmark = pytest.mark.jupyter

HOSTILE = "<img src=x onerror=alert(1)>"


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    """A project with an embedded store: runs, a registered model, pipeline runs, a notebook."""
    from mlflow import MlflowClient
    from mlflow.entities import Metric, Param, RunTag

    from mlops_magics.core.backend import embedded, tags
    from mlops_magics.core.backend.settings import load_settings

    base = tmp_path_factory.mktemp("panel-api")
    root = base / "project"
    (root / "nb").mkdir(parents=True)
    (root / "pyproject.toml").write_text("[project]\nname = 'demo'\n")
    home = root / ".mlops"
    settings = load_settings(root, environ={"MLOPS_HOME": str(home)})
    embedded.prepare_embedded_store(settings)
    client = MlflowClient(tracking_uri=settings.tracking_uri, registry_uri=settings.registry_uri)
    exp = client.create_experiment("churn", artifact_location=(home / "artifacts" / "churn").as_uri())
    nb_path = str(root / "nb" / "a.ipynb")
    t0 = int(time.time() * 1000) - 100_000
    ids: dict[str, str] = {}
    for i in range(7):  # r0 (oldest) .. r6 (newest); r1 and r4 belong to nb/a.ipynb
        run_tags = {tags.KIND: "cell", tags.CLIENT: tags.CLIENT_NAME}
        if i in (1, 4):
            run_tags[tags.NOTEBOOK] = nb_path
        run = client.create_run(exp if i % 2 else "0", start_time=t0 + i * 1000, tags=run_tags, run_name=f"r{i}")
        client.log_batch(run.info.run_id, metrics=[Metric("acc", 0.5 + i / 100, t0, 0)],
                         params=[Param("lr", str(i))], tags=[RunTag("team", "a")])
        client.set_terminated(run.info.run_id, "FINISHED", end_time=t0 + i * 1000 + 500)
        ids[f"r{i}"] = run.info.run_id
    hostile = client.create_run("0", start_time=t0 + 9000, run_name=HOSTILE)
    client.log_text(hostile.info.run_id, "print(1)\n", "code/cell.py")
    client.log_text(hostile.info.run_id, "x\n", "notes.txt")
    client.log_batch(hostile.info.run_id, params=[Param("note", HOSTILE)])
    client.set_terminated(hostile.info.run_id, "FINISHED")
    ids["hostile"] = hostile.info.run_id
    # a RUNNING notebook run of nb/a.ipynb (the status bar's fallback when the kernel pid is unknown)
    live = client.create_run(exp, start_time=t0 + 10_000, run_name="live-notebook",
                             tags={tags.KIND: "notebook", tags.NOTEBOOK: nb_path, tags.HOST: "elsewhere",
                                   tags.PID: "1"})
    ids["live"] = live.info.run_id
    # a registered model with two versions and an alias
    client.create_registered_model("churn-model")
    v1 = client.create_model_version("churn-model", f"runs:/{ids['r1']}/model", run_id=ids["r1"])
    client.create_model_version("churn-model", f"runs:/{ids['r3']}/model", run_id=ids["r3"])
    client.set_registered_model_alias("churn-model", "champion", v1.version)
    # a pipeline execution: parent + two step runs
    parent = client.create_run(exp, start_time=t0 + 20_000, run_name="demo-pipe",
                               tags={tags.KIND: "pipeline", "mlops.pipeline": "demo-pipe"})
    for name, status in (("prepare", "FINISHED"), ("train", "FAILED")):
        step = client.create_run(exp, start_time=t0 + 21_000, run_name=name,
                                 tags={tags.KIND: "pipeline-step", tags.PARENT: parent.info.run_id,
                                       "mlops.pipeline": "demo-pipe", "mlops.pipeline.step": name})
        client.set_terminated(step.info.run_id, status)
    client.set_terminated(parent.info.run_id, "FAILED")
    ids["pipeline"] = parent.info.run_id
    # a notebook with a parameters cell (for the run-with-parameters job)
    import nbformat

    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    params = nbformat.v4.new_code_cell("x = 1\nname: str = 'a'\nxs = list(range(3))")
    params.metadata["tags"] = ["parameters"]
    nb.cells = [params, nbformat.v4.new_code_cell("open('out.txt', 'w').write(f'{x}-{name}')")]
    nbformat.write(nb, root / "nb" / "p.ipynb")
    return {"root": root, "home": home, "ids": ids, "client": client, "exp": exp, "nb_path": nb_path}


@pytest.fixture(scope="module")
def server(project):
    proc, url, log = start_jupyter("server", project["root"], project["home"])
    yield url
    stop_jupyter(proc)


def api(server, endpoint, /, **params):
    r = requests.get(f"{server}/mlops/api/{endpoint}", params=params, headers={"Authorization": f"token {TOKEN}"},
                     timeout=30)
    return r


def ok(server, endpoint, /, **params):
    r = api(server, endpoint, **params)
    assert r.status_code == 200, r.text
    assert r.headers["Content-Type"].startswith("application/json")
    return r.json()


def test_status(server, project):
    body = ok(server, "status")
    assert body["store"] == str(project["home"].resolve())
    assert body["store_exists"] is True and body["embedded"] is True
    assert set(body) == {"store", "store_exists", "embedded", "ui_url", "experiment"}


def test_runs_newest_first_and_paged(server, project):
    names, token, pages = [], None, 0
    while True:
        body = ok(server, "runs", max_results=3, **({"page_token": token} if token else {}))
        names += [r["name"] for r in body["runs"]]
        pages += 1
        token = body["next_page_token"]
        if not token:
            break
    plain = [n for n in names if n.startswith("r")]
    assert plain == [f"r{i}" for i in range(6, -1, -1)]
    assert len(names) == len(set(names)) == 12  # 7 + hostile + live + pipeline + 2 steps
    assert pages == 4
    assert names[0] == "demo-pipe" or names[0] in ("prepare", "train")


def test_runs_filtered_by_experiment(server, project):
    by_name = ok(server, "runs", experiment="churn", max_results=100)["runs"]
    by_id = ok(server, "runs", experiment=project["exp"], max_results=100)["runs"]
    assert [r["run_id"] for r in by_name] == [r["run_id"] for r in by_id]
    assert {r["experiment"] for r in by_name} == {"churn"}
    assert {"r1", "r3", "r5"} <= {r["name"] for r in by_name} and "r0" not in {r["name"] for r in by_name}
    assert api(server, "runs", experiment="nope").status_code == 404


def test_runs_of_the_notebook_come_first(server, project):
    seen, token = [], None
    while True:
        body = ok(server, "runs", notebook="nb/a.ipynb", max_results=2, **({"page_token": token} if token else {}))
        seen += body["runs"]
        token = body["next_page_token"]
        if not token:
            break
    flags = [r["in_notebook"] for r in seen]
    assert flags[:3] == [True, True, True] and not any(flags[3:])
    assert [r["name"] for r in seen[:3]] == ["live-notebook", "r4", "r1"]
    assert seen[0]["notebook"] == "nb/a.ipynb"  # shown relative to the server root
    assert len(seen) == len({r["run_id"] for r in seen}) == 12
    only = ok(server, "runs", notebook="nb/a.ipynb", only_notebook="1", max_results=50)
    assert [r["name"] for r in only["runs"]] == ["live-notebook", "r4", "r1"] and only["next_page_token"] is None
    absolute = ok(server, "runs", notebook=project["nb_path"], max_results=3)
    assert [r["name"] for r in absolute["runs"]] == ["live-notebook", "r4", "r1"]


def test_one_run(server, project):
    body = ok(server, f"runs/{project['ids']['r3']}")
    assert body["name"] == "r3" and body["status"] == "FINISHED"
    assert body["params"] == {"lr": "3"}
    assert body["metrics"] == {"acc": pytest.approx(0.53)}
    assert body["tags"]["team"] == "a"
    assert body["ui_url"] is None  # embedded store: no MLflow UI address known
    assert api(server, "runs/0123456789abcdef0123456789abcdef").status_code == 404


def test_artifacts_listing_and_traversal(server, project):
    run_id = project["ids"]["hostile"]
    body = ok(server, f"runs/{run_id}")
    assert {a["path"] for a in body["artifacts"]} == {"code", "notes.txt"}
    inner = ok(server, f"runs/{run_id}/artifacts", path="code")
    assert [a["path"] for a in inner["artifacts"]] == ["code/cell.py"]
    for bad in ("../..", "code/../../..", "/etc", "C:/Windows"):
        r = api(server, f"runs/{run_id}/artifacts", path=bad)
        assert r.status_code in (400, 403), (bad, r.status_code, r.text)
    assert api(server, f"runs/{run_id}/artifacts", path="../x").status_code == 403


def test_notebook_paths_cannot_leave_the_root(server, project):
    for endpoint in ("runs", "active"):
        for bad in ("../secret.ipynb", "nb/../../x.ipynb", "/etc/passwd", str(project["root"].parent / "x.ipynb")):
            r = api(server, endpoint, notebook=bad)
            assert r.status_code == 403, (endpoint, bad, r.status_code, r.text)
    for bad in ("../p.ipynb", "/etc/passwd", "nb/../../../etc/x.ipynb"):
        assert api(server, "notebook/parameters", path=bad).status_code == 403
    assert api(server, "notebook/parameters", path=".mlops/x.ipynb").status_code == 403


def test_hostile_names_are_returned_verbatim(server, project):
    body = ok(server, f"runs/{project['ids']['hostile']}")
    assert body["name"] == HOSTILE
    assert body["params"] == {"note": HOSTILE}
    listed = ok(server, "runs", max_results=100)["runs"]
    assert HOSTILE in [r["name"] for r in listed]


@pytest.mark.kernel
def test_active_run_by_notebook_and_by_kernel(server, project):
    assert ok(server, "active", notebook="nb/a.ipynb")["run"]["name"] == "live-notebook"
    assert ok(server, "active", notebook="nb/other.ipynb")["run"] is None
    assert ok(server, "active")["run"] is None
    assert api(server, "active", kernel_id="not-a-kernel").status_code == 404
    # a real kernel: a RUNNING run carrying its host + pid is found from the kernel id alone
    headers = {"Authorization": f"token {TOKEN}"}
    kernel = requests.post(f"{server}/api/kernels", json={"name": "python3"}, headers=headers, timeout=30).json()
    try:
        pid = _kernel_pid(kernel["id"])
        from mlops_magics.core.backend import tags

        run = project["client"].create_run("0", run_name="in-kernel", tags={
            tags.KIND: "cell", tags.PID: str(pid), tags.HOST: socket.gethostname()})
        try:
            found = ok(server, "active", kernel_id=kernel["id"], notebook="nb/a.ipynb")["run"]
            assert found["run_id"] == run.info.run_id and found["name"] == "in-kernel"
            assert found["server_time"] >= found["start_time"]
        finally:
            project["client"].set_terminated(run.info.run_id, "FINISHED")
        # a finished run is no longer active; the notebook's RUNNING run stands in
        assert ok(server, "active", kernel_id=kernel["id"], notebook="nb/a.ipynb")["run"]["name"] == "live-notebook"
    finally:
        requests.delete(f"{server}/api/kernels/{kernel['id']}", headers=headers, timeout=30)


def _kernel_pid(kernel_id: str) -> int:
    deadline = time.time() + 30
    while time.time() < deadline:
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                cmdline = (entry / "cmdline").read_bytes().decode(errors="replace")
            except OSError:
                continue
            if f"kernel-{kernel_id}.json" in cmdline:
                return int(entry.name)
        time.sleep(0.2)
    raise AssertionError(f"no process for kernel {kernel_id}")


def test_models_with_versions_and_aliases(server, project):
    body = ok(server, "models")
    (model,) = body["models"]
    assert model["name"] == "churn-model"
    assert model["aliases"] == {"champion": "1"}
    assert [v["version"] for v in model["versions"]] == ["2", "1"]
    assert model["versions"][1]["aliases"] == ["champion"]
    assert model["versions"][1]["run_id"] == project["ids"]["r1"]


def test_datasets(server, project):
    body = ok(server, "datasets")
    from mlops_magics import data

    assert body == {"datasets": []}
    csv = project["root"] / "train.csv"
    csv.write_text("a,b\n1,2\n3,4\n")
    data.add(str(csv), name="train", message="first", home=project["home"])
    csv.write_text("a,b\n1,2\n3,4\n5,6\n")
    data.add(str(csv), name="train", message="more rows", home=project["home"])
    body = ok(server, "datasets")
    (ds,) = body["datasets"]
    assert ds["name"] == "train" and ds["count"] == 2
    assert ds["latest"]["version"] == 2 and ds["latest"]["message"] == "more rows"
    assert [v["version"] for v in ds["versions"]] == [2, 1]


def test_pipelines_with_step_states(server, project):
    body = ok(server, "pipelines")
    (pipe,) = [p for p in body["pipelines"] if p["run_id"] == project["ids"]["pipeline"]]
    assert pipe["pipeline"] == "demo-pipe" and pipe["status"] == "FAILED"
    assert {s["name"]: s["state"] for s in pipe["steps"]} == {"prepare": "succeeded", "train": "failed"}


ENDPOINTS = ["status", "runs", "runs/0123456789abcdef0123456789abcdef", "runs/x/artifacts", "active", "models",
             "datasets", "pipelines", "notebook/parameters?path=nb/p.ipynb", "jobs/abc"]


@pytest.mark.parametrize("endpoint", ENDPOINTS)
def test_every_endpoint_needs_credentials(server, endpoint):
    r = requests.get(f"{server}/mlops/api/{endpoint}", timeout=30, allow_redirects=False)
    assert r.status_code in (401, 403), r.status_code
    r = requests.get(f"{server}/mlops/api/{endpoint}", headers={"Authorization": "token wrong"}, timeout=30,
                     allow_redirects=False)
    assert r.status_code in (401, 403)


def test_post_needs_credentials_and_xsrf(server):
    body = {"path": "nb/p.ipynb", "parameters": {}}
    assert requests.post(f"{server}/mlops/api/notebook/run", json=body, timeout=30).status_code in (401, 403)
    # a browser session: logged in by cookie, but no XSRF token -> refused
    s = requests.Session()
    login = s.get(f"{server}/login", timeout=30)
    xsrf = s.cookies.get("_xsrf")
    r = s.post(f"{server}/login", data={"password": TOKEN, "_xsrf": xsrf}, timeout=30, allow_redirects=False)
    assert r.status_code in (302, 303), (login.status_code, r.status_code)
    assert s.get(f"{server}/mlops/api/status", timeout=30).status_code == 200  # the cookie works for GET
    r = s.post(f"{server}/mlops/api/notebook/run", json={"path": "../x.ipynb"}, timeout=30)
    assert r.status_code == 403 and "xsrf" in r.text.lower()
    r = s.post(f"{server}/mlops/api/notebook/run", json={"path": "../x.ipynb"},
               headers={"X-XSRFToken": s.cookies.get("_xsrf")}, timeout=30)
    assert r.status_code == 403 and "outside" not in r.text.lower() and "'..'" in r.json()["message"]


def test_notebook_parameters(server):
    body = ok(server, "notebook/parameters", path="nb/p.ipynb")
    assert body["cell"] == 0
    assert body["parameters"] == [
        {"name": "x", "value": "1", "type": "int"},
        {"name": "name", "value": "'a'", "type": "str"},
        {"name": "xs", "value": "list(range(3))", "type": "expr"},
    ]
    assert api(server, "notebook/parameters", path="nb/missing.ipynb").status_code == 404


@pytest.mark.kernel
def test_run_notebook_with_parameters(server, project):
    headers = {"Authorization": f"token {TOKEN}"}
    bad = requests.post(f"{server}/mlops/api/notebook/run", json={"path": "nb/p.ipynb", "parameters": {"1x": 2}},
                        headers=headers, timeout=30)
    assert bad.status_code == 400
    r = requests.post(f"{server}/mlops/api/notebook/run",
                      json={"path": "nb/p.ipynb", "parameters": {"x": "42", "name": "hello world"}},
                      headers=headers, timeout=30)
    assert r.status_code == 202, r.text
    job = r.json()
    assert job["state"] == "running"
    deadline = time.time() + 180
    while job["state"] == "running" and time.time() < deadline:
        time.sleep(1)
        job = ok(server, f"jobs/{job['id']}")
    assert job["state"] == "succeeded", job
    assert job["result"]["executed"] == "nb/p.executed.ipynb"
    assert (project["root"] / "nb" / "out.txt").read_text() == "42-hello world"
    executed = json.loads((project["root"] / "nb" / "p.executed.ipynb").read_text())
    assert any("injected-parameters" in c["metadata"].get("tags", []) for c in executed["cells"])
    assert job["result"]["pipeline_run_id"]
    pipes = ok(server, "pipelines")["pipelines"]
    assert any(p["pipeline"] == "p" and [s["state"] for s in p["steps"]] == ["succeeded"] for p in pipes)
