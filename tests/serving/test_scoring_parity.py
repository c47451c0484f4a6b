"""The same requests to ``mlflow models serve --env-manager local`` and to ours: the same answers.

Every request format MLflow accepts, and its errors (wrong columns, wrong types, empty body, bodies of
50 MB, content types it refuses). Our responses add headers (request id, version, alias) and our
error tracebacks show one more frame (the observed model's ``predict``); nothing else may differ.
"""

from __future__ import annotations

import io
import json
import re

import httpx
import pytest

from serving_procs import FEATURES, split_body, start_mlflow, start_ours

pytestmark = pytest.mark.server

FIFTY_MB = 50 * 1024 * 1024


@pytest.fixture(scope="module")
def pair(served_project):
    # MLflow's messages print Python sets: the same hash seed in both processes, the same order
    theirs = start_mlflow(served_project, "models:/churn/1", env=served_project.env(PYTHONHASHSEED="7"))
    try:
        ours = start_ours(served_project, "churn@champion", env=served_project.env(PYTHONHASHSEED="7"))
    except BaseException:
        theirs.stop()
        raise
    yield theirs, ours, served_project
    ours.stop()
    theirs.stop()


def _requests(project) -> list[tuple[str, str | None, bytes]]:
    frame = project.train().head(4)
    records = json.loads(frame.to_json(orient="records"))
    columns = {c: frame[c].tolist() for c in frame.columns}
    parquet = io.BytesIO()
    frame.to_parquet(parquet)
    bad_types = frame.astype({"tenure": str}).assign(tenure="many")
    j = "application/json"
    return [
        ("dataframe_split", j, json.dumps(split_body(frame)).encode()),
        ("dataframe_records", j, json.dumps({"dataframe_records": records}).encode()),
        ("instances", j, json.dumps({"instances": records}).encode()),
        ("inputs", j, json.dumps({"inputs": columns}).encode()),
        ("params", j, json.dumps({**split_body(frame), "params": {}}).encode()),
        ("csv", "text/csv", frame.to_csv(index=False).encode()),
        ("csv utf-8", "text/csv; charset=utf-8", frame.to_csv(index=False).encode()),
        ("parquet", "application/vnd.apache.parquet", parquet.getvalue()),
        ("wrong columns", j, json.dumps({"dataframe_split": {"columns": ["a", "b"], "data": [[1, 2]]}}).encode()),
        ("missing column", j, json.dumps(split_body(frame.drop(columns=["plan"]))).encode()),
        ("wrong types", j, json.dumps(split_body(bad_types)).encode()),
        ("empty body", j, b""),
        ("not json", j, b"{not json"),
        ("a json list", j, b"[1, 2, 3]"),
        ("two formats", j, json.dumps({**split_body(frame), "instances": records}).encode()),
        ("bad csv", "text/csv", b"tenure,charges\n1,2,3,4\n\"unclosed"),
        ("text/plain", "text/plain", b"hello"),
        ("latin-1", "application/json; charset=latin-1", b"{}"),
        ("unknown parameter", "application/json; format=pandas-split", b"{}"),
        ("no content type", None, b"{}"),
        ("50 MB of junk", j, b"x" * FIFTY_MB),
        ("50 MB, no known field", j, json.dumps({"data": "y" * FIFTY_MB}).encode()),
    ]


def _comparable(response: httpx.Response) -> tuple[int, str, object]:
    """Status, content type and body, with our extra traceback frame taken out of MLflow's stack_trace."""
    content_type = response.headers.get("content-type", "")
    try:
        body = response.json()
    except ValueError:
        return response.status_code, content_type, response.content
    if isinstance(body, dict) and "stack_trace" in body:
        body = dict(body)
        body["stack_trace"] = re.sub(r'  File "[^"]*mlops_magics[^"]*", line \d+, in \w+\n    .*\n', "",
                                     body["stack_trace"])
    return response.status_code, content_type, body


def test_every_request_format_and_error_answers_like_mlflow(pair):
    theirs, ours, project = pair
    seen = set()
    # a new connection per request: an idle keep-alive connection closed by uvicorn (5 s) would fail the
    # next request on either server for reasons that are not the request's
    with httpx.Client(timeout=120, limits=httpx.Limits(max_keepalive_connections=0)) as client:
        for name, content_type, body in _requests(project):
            headers = {"content-type": content_type} if content_type else {}
            try:
                a = client.post(f"{theirs.url}/invocations", content=body, headers=headers)
            except httpx.TransportError as exc:
                raise AssertionError(f"{name}: mlflow models serve: {exc!r}\n{theirs.log_text()[-3000:]}")
            try:
                b = client.post(f"{ours.url}/invocations", content=body, headers=headers)
            except httpx.TransportError as exc:
                raise AssertionError(f"{name}: ours: {exc!r}\n{ours.log_text()[-3000:]}")
            assert _comparable(b) == _comparable(a), f"{name}: ours {b.status_code} {b.text[:300]!r} vs " \
                                                     f"mlflow {a.status_code} {a.text[:300]!r}"
            assert b.headers["x-model-version"] == "1" and b.headers["x-model-alias"] == "champion"
            assert re.fullmatch(r"[0-9a-f]{32}", b.headers["x-request-id"])
            seen.add(a.status_code)
        for path in ("/ping", "/health", "/version", "/no-such-route"):
            a, b = client.get(f"{theirs.url}{path}"), client.get(f"{ours.url}{path}")
            assert (b.status_code, b.content) == (a.status_code, a.content), path
        # the server never dies on a bad request
        assert ours.proc.poll() is None
        assert client.get(f"{ours.url}/ping").status_code == 200
    assert {200, 400, 415} <= seen  # the comparison covered answers, MLflow's 400s and its 415s


def test_bad_input_gets_mlflow_400_with_a_clear_message(pair):
    _, ours, project = pair
    frame = project.train().head(2)
    with httpx.Client(timeout=60) as client:
        r = client.post(f"{ours.url}/invocations", json=split_body(frame.drop(columns=["plan"])))
        assert r.status_code == 400 and r.json()["error_code"] == "INVALID_PARAMETER_VALUE"
        assert "missing inputs ['plan']" in r.json()["message"]  # names the missing column
        r = client.post(f"{ours.url}/invocations", content=b"", headers={"content-type": "application/json"})
        assert r.status_code == 400 and "valid JSON" in r.json()["message"]


def test_a_client_request_id_is_kept(pair):
    _, ours, project = pair
    body = split_body(project.train().head(1))
    r = httpx.post(f"{ours.url}/invocations", json=body, headers={"x-request-id": "order-42:retry-1"})
    assert r.status_code == 200 and r.headers["x-request-id"] == "order-42:retry-1"
    r = httpx.post(f"{ours.url}/invocations", json=body, headers={"x-request-id": "bad id with spaces"})
    assert r.headers["x-request-id"] != "bad id with spaces"  # not a token: a fresh id instead
    assert set(FEATURES) <= set(project.train().columns)


def test_the_request_timeout_answers_like_mlflow(served_project):
    env = served_project.env(PYTHONHASHSEED="7", MLFLOW_SCORING_SERVER_REQUEST_TIMEOUT="2")
    theirs = start_mlflow(served_project, "models:/slow/1", name="mlflow-slow", env=env)
    try:
        ours = start_ours(served_project, "slow@champion", "--timeout", "2", name="ours-slow", env=env)
    except BaseException:
        theirs.stop()
        raise
    try:
        with httpx.Client(timeout=60, limits=httpx.Limits(max_keepalive_connections=0)) as client:
            for seconds in (0.1, 4.0):
                body = {"dataframe_split": {"columns": ["seconds"], "data": [[seconds]]}}
                a = client.post(f"{theirs.url}/invocations", json=body)
                b = client.post(f"{ours.url}/invocations", json=body)
                assert (b.status_code, b.headers["content-type"], b.content) == \
                    (a.status_code, a.headers["content-type"], a.content), seconds
            assert a.status_code == 504 and b.headers["x-model-version"] == "1"
            assert client.get(f"{ours.url}/ping").status_code == 200
    finally:
        ours.stop()
        theirs.stop()
