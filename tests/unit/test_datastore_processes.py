"""Real processes: writers killed with SIGKILL at random points, concurrent writers, the CLI."""

from __future__ import annotations

import os
import random
import shutil
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from mlops_magics import data
from mlops_magics.core.datastore.repo import open_repo

WRITER = textwrap.dedent("""
    import os, sys, time
    from pathlib import Path
    from mlops_magics.core.datastore import api
    work = Path(sys.argv[1]); tag = sys.argv[2]; count = int(sys.argv[3])
    work.mkdir(parents=True, exist_ok=True)
    if len(sys.argv) > 5:  # a start line, so concurrent writers really overlap
        print("ready", flush=True)
        while not os.path.exists(sys.argv[5]):
            time.sleep(0.005)
    for i in range(count):
        f = work / f"blob-{tag}.bin"
        f.write_bytes(os.urandom(1 << 20) * (1 + i % 3))  # 1-3 MiB of fresh content
        api.add(f, name=sys.argv[4] if len(sys.argv) > 4 else "blob", message=f"{tag}-{i}")
        d = work / f"dir-{tag}"
        (d / "sub").mkdir(parents=True, exist_ok=True)
        (d / "sub" / f"{i}.bin").write_bytes(os.urandom(200_000))
        api.add(d, name="folder")
        print(f"{tag}-{i}", flush=True)
""")


def _env(home: Path) -> dict[str, str]:
    env = dict(os.environ, MLOPS_HOME=str(home))
    env.pop("MLFLOW_TRACKING_URI", None)
    return env


def _verify_objects(home: Path) -> int:
    repo = open_repo(home)
    digests = list(repo.objects)
    bad = [d for d in digests if not repo.objects.verify(d)]
    assert bad == [], f"corrupted objects: {bad}"
    return len(digests)


def test_writer_killed_at_random_points_leaves_store_intact(mlops_home, tmp_path):
    rng = random.Random(1234)
    kills = 0
    for round_ in range(24):
        proc = subprocess.Popen([sys.executable, "-c", WRITER, str(tmp_path / "work"), f"r{round_}", "50"],
                                env=_env(mlops_home), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        time.sleep(rng.uniform(0.15, 0.6))
        if proc.poll() is None:
            proc.send_signal(signal.SIGKILL)
            kills += 1
        proc.wait()
        assert proc.returncode in (0, -signal.SIGKILL), proc.stderr.read().decode()[-2000:]
        proc.stderr.close()
    assert kills >= 20
    print(f"crash test: {kills} kills, {len(data.log('blob').versions)} blob / "
          f"{len(data.log('folder').versions)} folder versions, "
          f"{len(list((mlops_home / 'data' / 'tmp').iterdir()))} temp files left by killed writers")
    assert _verify_objects(mlops_home) > 0
    assert data.verify() == []  # every finished version's objects exist and hash correctly
    assert list((mlops_home / "data" / "tmp").iterdir()) == []  # verify removed the dead writers' temp files
    for name in ("blob", "folder"):
        versions = data.log(name).versions
        assert [v.version for v in versions] == list(range(1, len(versions) + 1))
        last = data.load(name)
        assert last.exists()
    # the store keeps working after all those crashes
    fresh = tmp_path / "after.bin"
    fresh.write_bytes(b"after the storm")
    assert data.add(fresh, name="blob").version.version == len(data.log("blob").versions)


def test_two_processes_add_versions_of_one_dataset_concurrently(mlops_home, tmp_path):
    per_writer = 12
    go = tmp_path / "go"
    procs = [
        subprocess.Popen([sys.executable, "-c", WRITER, str(tmp_path / f"w{i}"), f"w{i}", str(per_writer), "shared",
                          str(go)], env=_env(mlops_home), stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        for i in range(2)
    ]
    for proc in procs:
        assert proc.stdout.readline() == b"ready\n"
    go.touch()
    for i, proc in enumerate(procs):
        out, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err.decode()[-2000:]
        assert out.decode().split() == [f"w{i}-{n}" for n in range(per_writer)]
    versions = data.log("shared").versions
    assert [v.version for v in versions] == list(range(1, 2 * per_writer + 1))
    assert len({v.hash for v in versions}) == 2 * per_writer  # nothing lost, nothing merged
    messages = [v.message for v in versions]
    assert sorted(messages) == sorted(f"w{w}-{n}" for w in range(2) for n in range(per_writer))
    writers = [m[:2] for m in messages]
    assert sum(a != b for a, b in zip(writers, writers[1:])) > 1  # the two writers really interleaved
    assert data.verify() == []
    _verify_objects(mlops_home)


def test_unreadable_file_is_a_one_line_error(mlops_home):
    secret = Path("secret.csv")
    secret.write_text("a\n1\n")
    secret.chmod(0)
    command = [sys.executable, "-m", "mlops_magics.cli", "data", "add", "secret.csv"]
    if os.geteuid() == 0:  # root reads everything: drop the capabilities that let it
        if shutil.which("setpriv") is None:
            pytest.skip("running as root without setpriv")
        drop = "-dac_override,-dac_read_search"
        command = ["setpriv", "--bounding-set", drop, "--inh-caps", drop, *command]
    proc = subprocess.run(command, env=_env(mlops_home), capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2, proc.stderr
    assert proc.stderr == "mlops data: cannot read secret.csv: permission denied; fix its permissions\n"


def test_cli_add_list_log_diff_checkout(mlops_home):
    def mlops(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "mlops_magics.cli", "data", *args], env=_env(mlops_home),
                              capture_output=True, text=True, timeout=60)

    Path("t.csv").write_text("a\n1\n")
    out = mlops("add", "t.csv", "-m", "first")
    assert out.returncode == 0 and out.stdout.startswith("t@v1  ") and "1 rows x 1 columns" in out.stdout
    assert mlops("add", "t.csv").stdout.startswith("unchanged, still t@v1")
    Path("t.csv").write_text("a,b\n1,2\n3,4\n")
    assert mlops("add", "t.csv").stdout.startswith("t@v2  ")
    assert "t@v2" in mlops("list").stdout
    assert "first" in mlops("log", "t").stdout
    diff = mlops("diff", "t@v1", "t@v2").stdout
    assert "rows: 1 -> 2 (+1)" in diff and "added columns: b (int64)" in diff
    assert mlops("checkout", "t@v1").returncode == 0 and Path("t.csv").read_text() == "a\n1\n"
    bad = mlops("log", "nope")
    assert bad.returncode == 2 and bad.stderr.count("\n") == 1 and "no dataset named 'nope'" in bad.stderr


def test_cli_add_does_not_import_mlflow_or_pandas(mlops_home):
    Path("f.bin").write_bytes(b"x" * 1000)
    code = ("import sys; from mlops_magics.cli import main; main(['data', 'add', 'f.bin']); "
            "print(sorted(m for m in ('mlflow', 'pandas', 'pyarrow', 'IPython') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], env=_env(mlops_home), capture_output=True, text=True)
    assert out.stdout.splitlines()[-1] == "[]", out.stdout + out.stderr
