"""Remotes on a real S3-compatible server (moto_server on loopback, through s3fs): only missing chunks
travel, interrupted pushes and pulls resume, concurrent pushes from two machines both land, and a
remote that is unreachable or refuses is a one-line error."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from mlops_magics import data
from mlops_magics.core.datastore.chunking import FILE_CDC
from mlops_magics.core.errors import MlopsUsageError, NotFound, StoreError
from s3_server import s3_endpoint, s3_url  # noqa: F401 - fixtures
from data_files import write

MiB = 1 << 20


def use_home(monkeypatch, home: Path) -> None:
    from mlops_magics.core.backend import session

    monkeypatch.setenv("MLOPS_HOME", str(home))
    session.reset()


def _env(home: Path) -> dict[str, str]:
    env = dict(os.environ, MLOPS_HOME=str(home))
    env.pop("MLFLOW_TRACKING_URI", None)
    return env


def test_push_sends_only_missing_chunks_and_pull_fetches_only_missing(mlops_home, s3_url, tmp_path, monkeypatch):
    base = os.urandom(40 * MiB)
    write(Path("big.bin"), base)
    data.add("big.bin")
    first = data.push(s3_url)
    assert first.sent_bytes >= len(base)
    write(Path("big.bin"), base + os.urandom(400 << 10))  # +1%
    data.add("big.bin")
    second = data.push(s3_url)
    bound = (400 << 10) + FILE_CDC[2] + (64 << 10)  # the appended bytes, the old last chunk re-cut, a chunk list
    assert second.sent_bytes <= bound  # not the file again
    assert data.push(s3_url).sent == 0

    use_home(monkeypatch, tmp_path / "laptop")
    got_v1 = data.pull("big@v1", remote=s3_url)
    assert got_v1.fetched_bytes == len(base)
    got_v2 = data.pull("big@v2", remote=s3_url)
    assert got_v2.fetched_bytes <= bound  # only the chunks v1 did not have
    assert data.load("big@v2").read_bytes()[: len(base)] == base
    assert data.verify() == []


STALL = textwrap.dedent("""
    import sys, time
    from mlops_magics.core.datastore import api

    def stall(event):  # after 10 objects: say so and stop here until killed
        if event.items >= 10 and not event.done:
            print("midway", flush=True)
            time.sleep(600)
""")
PUSHER = STALL + "api.push(sys.argv[1], progress=stall)\n"
PULLER = STALL + "api.pull(sys.argv[2], remote=sys.argv[1], progress=stall)\n"


def _kill_midway(script: str, args: list[str], home: Path) -> None:
    """Run a push or pull in a real process and SIGKILL it once 10 objects have travelled."""
    proc = subprocess.Popen([sys.executable, "-c", script, *args], env=_env(home), stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    line = proc.stdout.readline()
    proc.send_signal(signal.SIGKILL)
    _, err = proc.communicate(timeout=60)
    assert line == "midway\n", err[-3000:]


def test_interrupted_push_and_pull_resume(mlops_home, s3_url, tmp_path, monkeypatch):
    import s3fs

    content = os.urandom(64 * MiB)
    write(Path("big.bin"), content)
    data.add("big.bin")
    _kill_midway(PUSHER, [s3_url], mlops_home)
    fs = s3fs.S3FileSystem(skip_instance_cache=True)
    bucket_root = s3_url[len("s3://"):]
    assert not fs.exists(f"{bucket_root}/manifests/big.json")  # nothing half-pushed is visible as a version
    partial = len(fs.find(f"{bucket_root}/objects"))
    assert 10 <= partial < data.log("big").versions[0].chunks
    resumed = data.push(s3_url)
    assert resumed.present == partial and resumed.sent == data.log("big").versions[0].chunks - partial + 1

    use_home(monkeypatch, tmp_path / "laptop")
    _kill_midway(PULLER, [s3_url, "big"], tmp_path / "laptop")
    with pytest.raises(NotFound, match="no dataset named 'big'"):
        data.log("big")  # the interrupted pull recorded no version
    done = data.pull("big", remote=s3_url)
    assert done.present > 0 and done.fetched_bytes < len(content)  # kept what the killed pull had fetched
    assert data.load("big").read_bytes() == content
    assert data.verify() == []


MACHINE = textwrap.dedent("""
    import os, sys, time
    from pathlib import Path
    from mlops_magics.core.datastore import api
    remote, tag, rounds, go = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
    print("ready", flush=True)
    while not os.path.exists(go):
        time.sleep(0.005)
    for i in range(rounds):
        f = Path(f"shared-{tag}.bin")
        f.write_bytes(os.urandom(64 << 10))
        api.add(f, name="shared", message=f"{tag}-{i}", run=None)
        api.push(remote, ["shared"])
    print("done", flush=True)
""")


def test_two_machines_pushing_one_dataset_both_land(mlops_home, s3_url, tmp_path):
    rounds, go = 8, tmp_path / "go"
    procs = []
    for tag in ("a", "b"):
        home = tmp_path / f"machine-{tag}"
        procs.append(subprocess.Popen([sys.executable, "-c", MACHINE, s3_url, tag, str(rounds), str(go)],
                                      env=_env(home), cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                      text=True))
    for proc in procs:
        assert proc.stdout.readline() == "ready\n", proc.stderr.read()
    go.touch()
    for proc in procs:
        out, err = proc.communicate(timeout=300)
        assert proc.returncode == 0 and out == "done\n", err[-3000:]
    result = data.pull("shared", remote=s3_url)
    versions = data.log("shared").versions
    assert [v.version for v in versions] == list(range(1, 2 * rounds + 1))  # distinct numbers, none lost
    assert sorted(v.message for v in versions) == sorted(f"{t}-{i}" for t in "ab" for i in range(rounds))
    assert result.version.version == 2 * rounds
    for v in versions:
        data.pull(f"shared@v{v.version}", remote=s3_url)
    assert data.verify() == []


def test_unreachable_or_refusing_remote_is_one_line(mlops_home, s3_url, tmp_path, monkeypatch):
    write(Path("x.bin"), b"x")
    data.add("x.bin")
    with pytest.raises(StoreError) as missing_bucket:
        data.push("s3://no-such-bucket-here/mlops")
    assert "\n" not in str(missing_bucket.value) and "no-such-bucket-here" in str(missing_bucket.value)

    import socket

    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        dead = f"http://127.0.0.1:{s.getsockname()[1]}"
    code = ("import sys\nfrom mlops_magics.cli import main\n"
            f"sys.exit(main(['data', 'push', '--remote', {s3_url!r}]))")
    proc = subprocess.run([sys.executable, "-c", code], env=dict(_env(mlops_home), AWS_ENDPOINT_URL=dead),
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode != 0
    assert proc.stderr.count("\n") == 1 and "is unreachable or refused" in proc.stderr, proc.stderr
    assert "Traceback" not in proc.stderr


def test_remote_naming_a_file_or_a_too_long_path_is_one_line(mlops_home, tmp_path):
    write(Path("x.bin"), b"x")
    data.add("x.bin")
    a_file = write(tmp_path / "not-a-folder.txt", b"")
    with pytest.raises(MlopsUsageError, match="is inside a file"):
        data.push(str(a_file))
    with pytest.raises(MlopsUsageError, match="is inside a file"):
        data.push(a_file.as_uri() + "/sub")
    long_path = str(tmp_path / ("x" * 300))
    with pytest.raises(MlopsUsageError, match="remote path is too long"):
        data.push(long_path)
    for remote in (str(a_file), long_path):
        proc = subprocess.run([sys.executable, "-m", "mlops_magics.cli", "data", "push", "--remote", remote],
                              env=_env(mlops_home), capture_output=True, text=True, timeout=60)
        assert proc.returncode == 2 and proc.stderr.count("\n") == 1 and "Traceback" not in proc.stderr, proc.stderr
