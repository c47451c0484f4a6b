"""A real S3-compatible server for tests: moto's standalone ``moto_server`` on a free loopback port.

Import the fixtures into a test module (``from s3_server import s3_endpoint, s3_url  # noqa: F401``).
``s3_endpoint`` starts one server per session and points botocore (and so s3fs) at it through
``AWS_ENDPOINT_URL`` with dummy credentials; ``s3_url`` is an empty bucket per test, as a remote URL.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
import uuid
from pathlib import Path

import pytest

ENV = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "AWS_DEFAULT_REGION": "us-east-1",
       "AWS_EC2_METADATA_DISABLED": "true"}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_moto(log_path: Path) -> tuple[subprocess.Popen, str]:
    """Start ``moto_server`` on loopback; returns the process and its endpoint URL."""
    exe = Path(sys.executable).with_name("moto_server")
    command = [str(exe)] if exe.exists() else [shutil.which("moto_server") or "moto_server"]
    port = _free_port()
    log = open(log_path, "wb")
    proc = subprocess.Popen([*command, "-H", "127.0.0.1", "-p", str(port)], stdout=log, stderr=subprocess.STDOUT,
                            start_new_session=True)
    endpoint = f"http://127.0.0.1:{port}"
    deadline = time.time() + 60
    while True:
        try:
            urllib.request.urlopen(f"{endpoint}/moto-api/", timeout=2).close()
            return proc, endpoint
        except OSError:
            if proc.poll() is not None or time.time() > deadline:
                stop_moto(proc)
                raise RuntimeError(f"moto_server did not start: {log_path.read_text()[-2000:]}")
            time.sleep(0.2)


def stop_moto(proc: subprocess.Popen) -> None:
    try:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=20)
    except ProcessLookupError:
        return
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()


@pytest.fixture(scope="session")
def s3_endpoint(tmp_path_factory):
    """A running moto S3 server; botocore in this process (and children) talks to it."""
    root = tmp_path_factory.mktemp("moto")
    proc, endpoint = start_moto(root / "moto.log")
    saved = {k: os.environ.get(k) for k in [*ENV, "AWS_ENDPOINT_URL"]}
    os.environ.update(ENV, AWS_ENDPOINT_URL=endpoint)
    try:
        yield endpoint
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        stop_moto(proc)


@pytest.fixture
def s3_url(s3_endpoint):
    """An empty bucket on the moto server, as a remote URL ``s3://BUCKET/mlops``."""
    import s3fs

    bucket = f"test-{uuid.uuid4().hex[:12]}"
    s3fs.S3FileSystem(skip_instance_cache=True).mkdir(bucket)
    return f"s3://{bucket}/mlops"
