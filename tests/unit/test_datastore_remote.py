"""push / pull against a real file:// remote: only missing objects travel, everything is verified."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from mlops_magics import data
from mlops_magics.core.datastore.repo import open_repo
from mlops_magics.core.errors import MlopsUsageError, NotFound, StoreError


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def remote_objects(root: Path) -> list[Path]:
    return sorted(p for p in (root / "objects").rglob("*") if p.is_file())


def test_push_sends_only_missing_objects_and_pull_restores(mlops_home, tmp_path, monkeypatch):
    remote = tmp_path / "remote"
    url = remote.as_uri()
    write(Path("train.csv"), "a\n1\n")
    data.add("train.csv")
    write(Path("imgs/a.txt"), "a")
    write(Path("imgs/b.txt"), "b")
    data.add("imgs")

    first = data.push(url)
    assert (first.sent, first.present) == (4, 0)  # train.csv, tree, a.txt, b.txt
    assert sorted(first.manifests) == ["imgs", "train"]
    assert len(remote_objects(remote)) == 4
    assert "4 object(s) sent" in repr(first)

    again = data.push(url)
    assert (again.sent, again.present) == (0, 4)

    write(Path("imgs/c.txt"), "c")
    data.add("imgs")
    third = data.push(url)
    assert third.sent == 2  # the new tree and c.txt only

    # a second machine: a fresh store pulls and gets verified objects
    monkeypatch.setenv("MLOPS_HOME", str(tmp_path / "other-home"))
    from mlops_magics.core.backend import session

    session.reset()
    pulled = data.pull("imgs@v1", remote=url)
    assert (pulled.version.version, pulled.fetched) == (1, 3)
    assert [v.version for v in data.log("imgs").versions] == [1, 2]
    assert (data.load("imgs@v1") / "a.txt").read_text() == "a"
    assert data.pull("imgs@v1", remote=url).fetched == 0
    assert data.pull("train", remote=url).version.version == 1
    assert data.load("train").to_dict("list") == {"a": [1]}
    assert data.verify(include_missing=False) == []
    assert data.verify() == [f"imgs@v2: object {data.log('imgs').versions[1].hash[:10]} is missing"]


def test_pull_rejects_corrupted_remote_objects(mlops_home, tmp_path):
    remote = tmp_path / "remote"
    write(Path("x.txt"), "original")
    digest = data.add("x.txt").version.hash
    data.push(remote.as_uri())
    obj = remote / "objects" / digest[:2] / digest[2:]
    os.chmod(obj, 0o644)
    obj.write_text("tampered")
    repo = open_repo()
    os.chmod(repo.objects.path(digest), 0o644)
    repo.objects.path(digest).unlink()
    with pytest.raises(StoreError, match="arrived corrupted"):
        data.pull("x", remote=remote.as_uri())
    assert not repo.objects.has(digest)


def test_remote_errors(mlops_home, tmp_path):
    with pytest.raises(MlopsUsageError, match="no remote: pass --remote URI or set data_remote"):
        data.push()
    with pytest.raises(NotFound, match="has no dataset 'nope'"):
        data.pull("nope", remote=(tmp_path / "r").as_uri())


def test_default_remote_from_pyproject(mlops_home, tmp_path):
    remote = tmp_path / "configured"
    Path("pyproject.toml").write_text(f"[tool.mlops_magics]\ndata_remote = '{remote.as_uri()}'\n")
    from mlops_magics.core.backend import session

    session.reset()
    write(Path("x.txt"), "x")
    data.add("x.txt")
    assert data.push().sent == 1 and len(remote_objects(remote)) == 1


def test_two_machines_adding_v1_both_land_with_distinct_numbers(mlops_home, tmp_path, monkeypatch):
    url = (tmp_path / "remote").as_uri()
    write(Path("x.txt"), "mine")
    mine = data.add("x.txt").version
    data.push(url)
    monkeypatch.setenv("MLOPS_HOME", str(tmp_path / "other-home"))
    from mlops_magics.core.backend import session

    session.reset()
    write(Path("x.txt"), "theirs")
    theirs = data.add("x.txt").version
    assert theirs.version == 1  # the same number as the remote's v1, other content
    pushed = data.push(url)
    assert pushed.renumbered == ["x@v1 -> x@v2"]
    assert "renumbered to follow the remote's versions: x@v1 -> x@v2" in repr(pushed)
    assert [(v.version, v.hash) for v in data.log("x").versions] == [(1, mine.hash), (2, theirs.hash)]
    assert data.pull("x@v1", remote=url).fetched == 1
    assert data.load("x@v1").read_text() == "mine" and data.load("x@v2").read_text() == "theirs"


def test_folder_with_a_chunked_file_round_trips(mlops_home, tmp_path, monkeypatch):
    url = (tmp_path / "remote").as_uri()
    big = os.urandom(6 << 20)
    Path("d").mkdir()
    Path("d/big.bin").write_bytes(big)
    write(Path("d/note.txt"), "note")
    version = data.add("d").version
    pushed = data.push(url)
    assert pushed.sent >= 4  # the tree, note.txt, the chunks of big.bin and its chunk list
    assert not list((tmp_path / "remote").rglob(".*.tmp-*"))  # no upload left a temp file behind
    monkeypatch.setenv("MLOPS_HOME", str(tmp_path / "other-home"))
    from mlops_magics.core.backend import session

    session.reset()
    pulled = data.pull("d", remote=url)
    assert pulled.version.hash == version.hash
    out = data.load("d")
    assert (out / "big.bin").read_bytes() == big and (out / "note.txt").read_text() == "note"
    assert data.verify() == []
