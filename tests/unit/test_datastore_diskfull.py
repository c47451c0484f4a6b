"""A full disk: a one-line "no space left on device at PATH", nothing stored is damaged, no temp files stay.

The store lives on a small tmpfs mounted for the test (root only); skipped, with the reason, where
mounting is not allowed.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from mlops_magics import data
from mlops_magics.core.errors import StoreError
from data_files import write

MiB = 1 << 20


@pytest.fixture
def small_disk(tmpfs, monkeypatch, mlops_home):
    """MLOPS_HOME on a fresh 24 MiB tmpfs."""
    home = tmpfs("24m") / ".mlops"
    monkeypatch.setenv("MLOPS_HOME", str(home))
    from mlops_magics.core.backend import session

    session.reset()
    try:
        yield home
    finally:
        session.reset()


def test_adds_on_a_full_disk_fail_in_one_line_and_damage_nothing(small_disk):
    added, error = [], None
    for i in range(12):  # 5 MiB chunked files and 1 MiB whole ones, until the 24 MiB disk is full
        path = write(Path(f"blob{i}.bin"), os.urandom(5 * MiB if i % 2 == 0 else MiB))
        try:
            added.append((data.add(path).version.hash, path.read_bytes()))
        except StoreError as exc:
            error = exc
            break
    assert error is not None and len(added) >= 2
    message = str(error)
    assert message.startswith(f"no space left on device at {small_disk}") and "\n" not in message
    assert "changed while it was being read" not in message
    assert list((small_disk / "data" / "tmp").iterdir()) == []  # the failed add cleaned up after itself
    assert data.verify() == []  # every version stored before the disk filled up is intact
    for i, (digest, content) in enumerate(added):
        assert data.log(f"blob{i}").versions[-1].hash == digest
        data.checkout(f"blob{i}", to=f"out{i}.bin")  # outside the small disk
        assert Path(f"out{i}.bin").read_bytes() == content

    fill = small_disk.parent / "filler"
    with open(fill, "wb") as fh:  # take the last free byte
        try:
            while True:
                fh.write(b"\0" * 65536)
                fh.flush()
        except OSError:
            pass
    env = dict(os.environ, MLOPS_HOME=str(small_disk))
    env.pop("MLFLOW_TRACKING_URI", None)
    last = write(Path("last.bin"), os.urandom(MiB))
    proc = subprocess.run([sys.executable, "-m", "mlops_magics.cli", "data", "add", str(last)], env=env,
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 1
    assert proc.stderr == f"mlops data: no space left on device at {small_disk / 'data'}; free some space " \
                          "(e.g. 'mlops data gc') and try again\n"
    fill.unlink()
    assert data.verify() == []
    freed = data.gc()  # whatever the failed adds left unreferenced
    assert data.verify() == [] and freed.kept_objects > 0
