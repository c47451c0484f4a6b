"""The data store without IPython: add, refs, names, stat cache, DataFrame fingerprints, load, diff."""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from mlops_magics import data
from mlops_magics.core.datastore.hashing import hash_bytes, read_tree
from mlops_magics.core.datastore.repo import open_repo
from mlops_magics.core.datastore.snapshot import fingerprint
from mlops_magics.core.errors import MlopsUsageError, NotFound
from mlops_magics.render.formatters import html as html_of
from data_files import write


def test_add_file_new_unchanged_and_changed(mlops_home):
    csv = write(Path("train.csv"), "a,b\n1,x\n2,y\n")
    first = data.add(csv, message="first cut")
    assert (first.name, first.version.version, first.unchanged) == ("train", 1, False)
    assert first.version.rows == 2 and first.version.columns == 2
    assert first.version.schema == {"a": "int64", "b": "object"}
    assert repr(first).startswith(f"train@v1  {first.version.hash[:10]}  ")
    assert "2 rows x 2 columns" in repr(first) and "a: int64" in repr(first)

    again = data.add("train.csv")
    assert again.unchanged and again.version.version == 1
    assert repr(again) == f"unchanged, still train@v1 ({first.version.hash[:10]})"

    write(csv, "a,b,c\n1,x,0.5\n2,y,1.5\n3,z,2.5\n")
    second = data.add(csv, message="third row")
    assert second.version.version == 2 and second.version.rows == 3

    manifest = json.loads((mlops_home / "data" / "manifests" / "train.json").read_text())
    assert [v["version"] for v in manifest["versions"]] == [1, 2]
    assert manifest["versions"][0]["message"] == "first cut"
    assert manifest["versions"][0]["path"] == "train.csv"  # relative to the project root


def test_one_object_per_distinct_content(mlops_home):
    write(Path("a.bin"), "same bytes")
    write(Path("b.bin"), "same bytes")
    data.add("a.bin")
    data.add("b.bin")
    data.add("a.bin", name="copy")
    objects = list(open_repo().objects)
    assert len(objects) == 1
    assert objects[0] == hash_bytes(b"same bytes")
    assert [n for n, _, _ in data.list().items] == ["a", "b", "copy"]


def test_stat_cache_skips_rereading_unchanged_files(mlops_home):
    big = Path("big.bin")
    big.write_bytes(os.urandom(1 << 20) * 64)  # 64 MiB
    old = time.time() - 5
    os.utime(big, (old, old))
    data.add(big)
    opened: list[str] = []
    watching = [True]

    def hook(event, args):
        if watching[0] and event == "open" and isinstance(args[0], str) and args[0].endswith("big.bin"):
            opened.append(args[0])

    sys.addaudithook(hook)
    try:
        started = time.perf_counter()
        result = data.add(big)
        elapsed = time.perf_counter() - started
    finally:
        watching[0] = False
    assert result.unchanged
    assert opened == []  # the stat cache answered; the 64 MiB file was not read
    assert elapsed < 0.5

    with big.open("r+b") as fh:  # same size, new content, new mtime: must be re-read
        fh.write(b"changed!")
    assert data.add(big).version.version == 2


def test_racy_file_is_not_trusted_by_the_stat_cache(mlops_home):
    path = Path("fresh.txt")
    path.write_text("v1")  # mtime = now: inside the racy window
    data.add(path)
    repo = open_repo()
    assert repo.cache.lookup(path.resolve(), path.stat()) is None


def test_refs_latest_number_and_hash_prefix(mlops_home):
    path = Path("d.txt")
    hashes = []
    for text in ("one", "two", "three"):
        write(path, text)
        hashes.append(data.add(path).version.hash)
    repo = open_repo()
    assert repo.resolve("d")[1].version == 3
    assert repo.resolve("d@latest")[1].version == 3
    assert repo.resolve("d@v2")[1].hash == hashes[1]
    assert repo.resolve(f"d@{hashes[0][:8]}")[1].version == 1
    with pytest.raises(NotFound, match=r"'d@v9' does not exist; versions are v1\.\.v3"):
        repo.resolve("d@v9")
    with pytest.raises(NotFound, match="no version of 'd' has a hash starting with"):
        repo.resolve("d@" + ("0" if not any(h.startswith("0000") for h in hashes) else "f") * 4)
    with pytest.raises(MlopsUsageError, match="too short"):
        repo.resolve(f"d@{hashes[0][:2]}")
    with pytest.raises(MlopsUsageError, match="a version is vN, latest or a hash prefix"):
        repo.resolve("d@yesterday")
    with pytest.raises(NotFound, match="no dataset named 'nope'"):
        repo.resolve("nope@v1")


def test_ambiguous_hash_prefix(mlops_home):
    seen: dict[str, bytes] = {}
    for i in range(200_000):  # two contents whose hashes share 4 leading hex digits (birthday bound)
        content = f"content {i}".encode()
        prefix = hash_bytes(content)[:4]
        if prefix in seen:
            pair = (seen[prefix], content)
            break
        seen[prefix] = content
    path = Path("amb.txt")
    for content in pair:
        path.write_bytes(content)
        data.add(path)
    with pytest.raises(MlopsUsageError, match=rf"'amb@{prefix}' is ambiguous \(v1=.*, v2=.*\); give more"):
        data.load(f"amb@{prefix}")


@pytest.mark.parametrize("bad", ["../x", "a/b", "a\\b", "..", "x..y", "", ".hidden", "a b", "x" * 101])
def test_bad_names_are_one_line_errors(mlops_home, bad):
    write(Path("f.txt"), "x")
    with pytest.raises(MlopsUsageError) as err:
        data.add("f.txt", name=bad)
    assert "\n" not in str(err.value) and "name" in str(err.value)


def test_default_names_are_sanitized(mlops_home):
    write(Path("my data (final).csv"), "a\n1\n")
    assert data.add("my data (final).csv").name == "my_data_final"


def test_bad_sources_are_one_line_errors(mlops_home):
    with pytest.raises(MlopsUsageError, match=r"missing\.csv: no such file or folder; check the path"):
        data.add("missing.csv")
    with pytest.raises(MlopsUsageError, match="cannot version a dict; pass a pandas DataFrame or a path"):
        data.add({"a": 1}, name="x")
    with pytest.raises(MlopsUsageError, match="a DataFrame needs a name"):
        data.add(pd.DataFrame({"a": [1]}))
    os.mkfifo("pipe")
    with pytest.raises(MlopsUsageError, match="not a regular file or folder"):
        data.add("pipe")
    with pytest.raises(MlopsUsageError, match="inside the mlops store"):
        data.add(mlops_home)
    with pytest.raises(MlopsUsageError, match="non-string column names"):
        data.add(pd.DataFrame({0: [1]}), name="ints")


def test_folder_versions_are_tree_hashes(mlops_home):
    write(Path("imgs/a.txt"), "a")
    write(Path("imgs/sub/b.txt"), "b")
    write(Path("imgs/.ipynb_checkpoints/junk.txt"), "skip me")
    v1 = data.add("imgs").version
    assert (v1.kind, v1.files, v1.size) == ("folder", 2, 2)
    repo = open_repo()
    assert [p for p, _, _ in read_tree(repo.objects.read_bytes(v1.hash))] == ["a.txt", "sub/b.txt"]
    assert data.add("imgs").unchanged
    write(Path("imgs/sub/c.txt"), "c")
    assert data.add("imgs").version.version == 2
    change = data.diff("imgs@v1", "imgs@v2")
    assert change.files_added == ["sub/c.txt"] and not change.files_removed


def test_dataframe_fingerprint_covers_every_row_and_dtypes():
    n = 200_000
    df = pd.DataFrame({
        "x": np.arange(n, dtype="int64"), "f": np.linspace(0, 1, n), "s": [f"id{i % 977}" for i in range(n)],
        "c": pd.Categorical(["a", "b"] * (n // 2)), "t": pd.date_range("2020", periods=n, freq="s"),
        "tz": pd.date_range("2020", periods=n, freq="s", tz="UTC"), "n": pd.array([1, None] * (n // 2), "Int64"),
        "b": np.arange(n) % 3 == 0, "ps": pd.array([f"p{i % 5}" for i in range(n)], dtype="string[pyarrow]"),
    })
    base = fingerprint(df)
    assert fingerprint(df.copy()) == base
    flipped = not df.loc[n - 17, "b"]
    for column, value in [("x", -1), ("f", 2.0), ("s", "other"), ("c", "a"), ("n", 7), ("b", flipped), ("ps", "zz")]:
        changed = df.copy()
        changed.loc[n - 17, column] = value  # a row far beyond MLflow's first 10,000
        assert fingerprint(changed) != base, column
    assert fingerprint(df.astype({"x": "int32"})) != base
    assert fingerprint(df.rename(columns={"x": "y"})) != base
    assert fingerprint(df.iloc[::-1]) != base
    assert fingerprint(df.set_index("x")) != fingerprint(df.set_index("f"))
    sliced = df["s"].iloc[5:]
    assert fingerprint(sliced.to_frame()) == fingerprint(sliced.copy().to_frame())


def test_add_and_load_dataframe_snapshot(mlops_home):
    df = pd.DataFrame({"a": [1, 2, 3], "b": ["x", "y", None], "t": pd.date_range("2021", periods=3)})
    first = data.add(df, name="features", message="snap")
    assert (first.version.kind, first.version.rows, first.version.columns) == ("dataframe", 3, 3)
    assert "3 rows x 3 columns" in repr(first) and "t: datetime64[ns]" in repr(first)
    assert data.add(df.copy(), name="features").unchanged
    pd.testing.assert_frame_equal(data.load("features@v1"), df)
    df.loc[2, "a"] = 30
    assert data.add(df, name="features").version.version == 2


def test_load_returns_frames_for_tables_and_read_only_copies_otherwise(mlops_home):
    write(Path("t.csv"), "a,b\n1,2\n")
    pd.DataFrame({"a": [1.5]}).to_parquet("p.parquet")
    write(Path("notes.txt"), "hello")
    write(Path("folder/x.txt"), "x")
    for p in ("t.csv", "p.parquet", "notes.txt", "folder"):
        data.add(p)
    assert data.load("t").to_dict("list") == {"a": [1], "b": [2]}
    assert data.load("p").to_dict("list") == {"a": [1.5]}
    path = data.load("notes")
    assert isinstance(path, Path) and path.name == "notes.txt" and path.read_text() == "hello"
    os.chmod(path, 0o644)
    path.write_text("edited by the user")  # the copy is not the object: the store stays intact
    assert data.load("notes").read_text() == "hello"
    assert (data.load("folder") / "x.txt").read_text() == "x"
    assert data.verify() == []


def test_diff_schema_rows_and_stats(mlops_home):
    pd.DataFrame({"a": [1, 2, 3], "b": ["x", "y", "y"], "c": [1, 2, 3]}).to_csv("d.csv", index=False)
    data.add("d.csv")
    pd.DataFrame({"a": [1.5, 2, 3, 4], "b": ["x", "y", "z", "z"], "d": [0, 1, 0, 1]}).to_csv("d.csv", index=False)
    data.add("d.csv")
    change = data.diff("d@v1", "d@v2")
    assert change.added == {"d": "int64"} and change.removed == {"c": "int64"}
    assert change.retyped == {"a": ("int64", "float64")}
    assert change.rows == (3, 4)
    stats = {(c, s): (x, y) for c, s, x, y in change.stats}
    assert stats[("a", "mean")] == (2.0, 2.625) and stats[("b", "unique")] == (2, 3)
    text = repr(change)
    assert "rows: 3 -> 4 (+1)" in text and "retyped: a int64 -> float64" in text
    assert data.diff("d@v2").a == "d@v1"  # one argument: against the previous version
    assert data.diff("d@v1", "v2").b == "d@v2"  # bare ref: same dataset
    html = html_of(change)
    assert "<table" in html and "d@v1" in html
    with pytest.raises(MlopsUsageError, match="has no previous version"):
        data.diff("d@v1")


def test_results_escape_html(mlops_home):
    write(Path("x.txt"), "x")
    result = data.add("x.txt", message="<script>alert(1)</script>")
    log = data.log("x")
    assert "<script>" not in html_of(log) and "&lt;script&gt;" in html_of(log)
    assert html_of(result) is None and "<script>" not in repr(result)  # a one-line result: shown as text
    assert "x@v1" in repr(data.list()) and "<table" in html_of(data.list())


def test_diff_reports_per_column_drift(mlops_home):
    rng = np.random.default_rng(0)
    data.add(pd.DataFrame({"x": rng.normal(0, 1, 2000), "k": rng.choice(list("abc"), 2000)}), name="m")
    data.add(pd.DataFrame({"x": rng.normal(1, 1, 2000), "k": rng.choice(list("abc"), 2000)}), name="m")
    change = data.diff("m@v1", "m@v2")
    assert change.drift["x"].endswith("(drift)")
    assert change.drift["k"].endswith("(ok)")
    assert "(drift)" in repr(change) and "drift" in html_of(change)


def test_verify_reports_corrupted_objects_and_damaged_manifests(mlops_home):
    write(Path("x.txt"), "x")
    digest = data.add("x.txt").version.hash
    assert data.verify() == []
    obj = open_repo().objects.path(digest)
    os.chmod(obj, 0o644)
    obj.write_text("bit rot")
    (mlops_home / "data" / "manifests" / "broken.json").write_text("{not json")
    problems = data.verify()
    assert f"object {digest[:12]} is corrupted" in problems
    assert any("manifest" in p and "broken.json is damaged" in p for p in problems)
