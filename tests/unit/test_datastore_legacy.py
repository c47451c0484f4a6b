"""Stores and remotes written before chunking keep working: no migration step.

``data/legacy_store_1520ad3.tar.gz`` was made by the code of commit 1520ad3 (whole-file objects only):
``store/`` is its ``MLOPS_HOME/data`` (train.csv in two versions, a folder ``imgs``, a 64 KiB
``blob.bin`` and a DataFrame ``features``) and ``remote/`` a ``file://`` remote it pushed them to.
"""

from __future__ import annotations

import os
import random
import shutil
import tarfile
import time
from pathlib import Path

import pandas as pd
import pytest

from mlops_magics import data
from mlops_magics.core.datastore.repo import open_repo

ARCHIVE = Path(__file__).parent / "data" / "legacy_store_1520ad3.tar.gz"


def blob_bytes() -> bytes:
    rng = random.Random(16)
    return bytes(rng.getrandbits(8) for _ in range(65536))


@pytest.fixture
def legacy(mlops_home, tmp_path):
    """The old store unpacked as this project's store; returns the old remote's URL."""
    with tarfile.open(ARCHIVE) as tar:
        tar.extractall(tmp_path / "legacy", filter="data")
    (mlops_home / "data").mkdir(parents=True)
    for sub in ("manifests", "objects"):
        shutil.copytree(tmp_path / "legacy" / "store" / sub, mlops_home / "data" / sub)
    return (tmp_path / "legacy" / "remote").as_uri()


def test_old_store_reads_after_the_change(legacy):
    assert [n for n, _, _ in data.list().items] == ["blob", "features", "imgs", "train"]
    assert data.verify() == []
    assert data.load("train@v1").to_dict("list") == {"a": [1, 2], "b": ["x", "y"]}
    assert data.load("train").shape == (3, 2)
    assert data.load("features")["y"].tolist()[:8] == [f"s{i % 7}" for i in range(8)]
    assert (data.load("imgs") / "sub" / "c.bin").read_bytes() == bytes(range(256)) * 8
    assert data.load("blob").read_bytes() == blob_bytes()
    assert data.checkout("imgs", to="restored").written == 3 and Path("restored/a.txt").read_text() == "alpha"
    assert "rows: 2 -> 3 (+1)" in repr(data.diff("train@v1", "train@v2"))
    repo = open_repo()
    assert not any(repo.content.lists())  # nothing was converted: old objects are read as they are


def test_old_dataset_grows_into_chunks_and_old_versions_still_load(legacy):
    grown = blob_bytes() + os.urandom(6 << 20)
    Path("blob.bin").write_bytes(grown)
    old = time.time() - 5
    os.utime("blob.bin", (old, old))
    v2 = data.add("blob.bin").version
    assert v2.version == 2 and v2.chunks
    assert data.load("blob@v1").read_bytes() == blob_bytes()
    assert data.load("blob@v2").read_bytes() == grown
    df = data.load("features").assign(z=1)
    assert data.add(df, name="features").version.version == 2
    assert data.verify() == []
    result = data.gc()
    assert result.objects == 0 and result.lists == 0  # every old object is still referenced


def test_old_remote_pulls_and_old_store_pushes(legacy, tmp_path, monkeypatch):
    pushed = data.push((tmp_path / "new-remote").as_uri())
    assert pushed.sent == 8 and sorted(pushed.manifests) == ["blob", "features", "imgs", "train"]
    monkeypatch.setenv("MLOPS_HOME", str(tmp_path / "fresh-home"))
    from mlops_magics.core.backend import session

    session.reset()
    pulled = data.pull("imgs", remote=legacy)  # a remote written by the old code
    assert pulled.fetched == 4 and (data.load("imgs") / "b.txt").read_text() == "beta"
    assert data.pull("train@v1", remote=legacy).version.hash.startswith("cfa0d30875")
    pd.testing.assert_frame_equal(data.load("train@v1"), pd.DataFrame({"a": [1, 2], "b": ["x", "y"]}))
    assert data.verify(include_missing=False) == []
