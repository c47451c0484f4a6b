"""Temp files of killed adds are removed by the next add (their writer's lock is gone) and by gc."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

from mlops_magics import data

ADD = textwrap.dedent("""
    import sys
    from mlops_magics.core.datastore import api
    print("start", flush=True)
    api.add(sys.argv[1], name="big", run=None)
""")


def _env(home: Path) -> dict[str, str]:
    env = dict(os.environ, MLOPS_HOME=str(home))
    env.pop("MLFLOW_TRACKING_URI", None)
    return env


def _kill_adds_until_temp_files_leak(home: Path, big: Path, rng: random.Random) -> list[Path]:
    tmp = home / "data" / "tmp"
    for _ in range(40):
        proc = subprocess.Popen([sys.executable, "-c", ADD, str(big)], env=_env(home), stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True)
        assert proc.stdout.readline() == "start\n", proc.stderr.read()
        time.sleep(rng.uniform(0.02, 0.5))
        proc.send_signal(signal.SIGKILL)
        proc.communicate(timeout=60)
        left = sorted(tmp.iterdir()) if tmp.is_dir() else []
        if left:
            return left
        big.write_bytes(os.urandom(big.stat().st_size))  # fresh content: the next add has work to do again
    raise AssertionError("40 killed adds left no temp file behind; the test could not set up its case")


def test_next_add_removes_temp_files_of_killed_adds(mlops_home, tmp_path):
    big = tmp_path / "big.bin"
    big.write_bytes(os.urandom(160 << 20))
    left = _kill_adds_until_temp_files_leak(mlops_home, big, random.Random(7))
    owners = {p.name.split(".", 1)[0] for p in left}
    assert all((mlops_home / "data" / "writers" / f"{o}.lock").exists() for o in owners)  # their locks: unheld
    small = tmp_path / "small.txt"
    small.write_text("another dataset")
    assert data.add(small).version.version == 1
    assert list((mlops_home / "data" / "tmp").iterdir()) == []
    assert not any((mlops_home / "data" / "writers" / f"{o}.lock").exists() for o in owners)
    assert data.verify() == []


def test_gc_removes_temp_files_of_killed_adds_and_says_so(mlops_home, tmp_path):
    big = tmp_path / "big.bin"
    big.write_bytes(os.urandom(160 << 20))
    left = _kill_adds_until_temp_files_leak(mlops_home, big, random.Random(11))
    leaked = sum(p.stat().st_size for p in left)
    dry = data.gc(dry_run=True)
    assert dry.temp_files == len(left) and dry.temp_bytes == leaked and sorted((mlops_home / "data" / "tmp").iterdir()) == left
    done = data.gc()
    assert done.temp_files == len(left) and f"{len(left)} temp file(s) of killed writers" in repr(done)
    assert list((mlops_home / "data" / "tmp").iterdir()) == []
