"""%mlops data on a real InteractiveShell."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pandas as pd
import pytest
from IPython.core.error import UsageError

from mlops_magics.render.formatters import html as html_of


def test_add_variable_path_and_dataframe(ip):
    Path("train.csv").write_text("a,b\n1,x\n2,y\n")
    ip.run_cell("import pandas as pd\nfrom pathlib import Path\n"
                "df = pd.DataFrame({'x': [1, 2, 3], 's': ['a', 'b', 'c']})\np = Path('train.csv')")
    added = ip.run_line_magic("mlops", "data add df -m 'first snapshot'")
    assert repr(added).startswith("df@v1  ") and "3 rows x 2 columns" in repr(added) and "x: int64" in repr(added)
    assert repr(ip.run_line_magic("mlops", "data add df")).startswith("unchanged, still df@v1")
    assert repr(ip.run_line_magic("mlops", "data add p")).startswith("train@v1  ")
    assert repr(ip.run_line_magic("mlops", "data add train.csv --name other")).startswith("other@v1  ")
    ip.run_cell("df.loc[1, 'x'] = 20")
    assert repr(ip.run_line_magic("mlops", "data add df --name df")).startswith("df@v2  ")

    listing = ip.run_line_magic("mlops", "data list")
    assert [n for n, _, _ in listing.items] == ["df", "other", "train"]
    log = ip.run_line_magic("mlops", "data log df")
    assert [v.version for v in log.versions] == [1, 2] and "first snapshot" in repr(log)
    assert "<table" in html_of(log)


def test_load_assigns_a_dataframe_and_diff_checkout(ip):
    ip.run_cell("import pandas as pd\nframe = pd.DataFrame({'a': [1, 2]})")
    ip.run_line_magic("mlops", "data add frame")
    ip.run_cell("frame['b'] = ['u', 'v']")
    ip.run_line_magic("mlops", "data add frame")
    ip.run_cell("old = %mlops data load frame@v1")
    pd.testing.assert_frame_equal(ip.user_ns["old"], pd.DataFrame({"a": [1, 2]}))
    change = ip.run_line_magic("mlops", "data diff frame@v1 frame@v2")
    assert change.added == {"b": "object"}
    restored = ip.run_line_magic("mlops", "data checkout frame@v1 --to out/frame.parquet")
    assert restored.written == 1 and pd.read_parquet("out/frame.parquet").shape == (2, 1)


def test_push_pull_through_the_magic(ip, tmp_path):
    Path("notes.txt").write_text("hello")
    ip.run_line_magic("mlops", "data add notes.txt")
    url = (tmp_path / "remote").as_uri()
    pushed = ip.run_line_magic("mlops", f"data push --remote {url}")
    assert pushed.sent == 1
    assert ip.run_line_magic("mlops", f"data push --remote {url}").sent == 0
    pulled = ip.run_line_magic("mlops", f"data pull notes --remote {url}")
    assert pulled.fetched == 0 and pulled.present == 1
    path = ip.run_line_magic("mlops", "data load notes")
    assert Path(path).read_text() == "hello"


@pytest.mark.parametrize("line, message", [
    ("data add number", "variable 'number' is a int; data add takes a pandas DataFrame or a path"),
    ("data add missing.csv", "missing.csv: no such file or folder"),
    ("data add nothing_here", "'nothing_here' is neither a variable nor an existing file or folder"),
    ("data add f.txt --name ../up", "invalid dataset name '../up'"),
    ("data log nope", "no dataset named 'nope'"),
    ("data load f@v7", "'f@v7' does not exist; versions are v1..v1"),
    ("data load f@zz", "'f@zz': a version is vN, latest or a hash prefix"),
    ("data checkout f@", "empty version after '@'"),
    ("data", "needs an action"),
    ("data frobnicate", "invalid choice"),
    ("data add", "the following arguments are required"),
])
def test_bad_input_is_a_one_line_usage_error(ip, line, message):
    Path("f.txt").write_text("f")
    ip.run_line_magic("mlops", "data add f.txt")
    ip.user_ns["number"] = 42
    with pytest.raises(UsageError) as err:
        ip.run_line_magic("mlops", line)
    assert message in str(err.value)
    assert "\n" not in str(err.value)


def test_readding_an_unchanged_large_file_is_fast(ip):
    big = Path("big.bin")
    big.write_bytes(os.urandom(1 << 20) * 128)  # 128 MiB
    old = time.time() - 5
    os.utime(big, (old, old))
    ip.run_line_magic("mlops", "data add big.bin")
    timings = []
    for _ in range(5):
        started = time.perf_counter()
        result = ip.run_line_magic("mlops", "data add big.bin")
        timings.append(time.perf_counter() - started)
    assert result.unchanged
    assert sorted(timings)[2] < 0.1  # median; the bench measures the 1 GiB case


def test_add_inside_a_tracked_run_records_lineage(ip, mlflow_client):
    ip.run_cell("import pandas as pd\nsample = pd.DataFrame({'a': [1, 2, 3]})")
    ip.run_line_magic("mlops", "track --run-name data-lineage")
    try:
        added = ip.run_line_magic("mlops", "data add sample")
    finally:
        ip.run_line_magic("mlops", "stop")
    run_id = added.version.produced_by
    assert run_id
    inputs = mlflow_client.get_run(run_id).inputs.dataset_inputs
    assert [(i.dataset.name, i.dataset.digest) for i in inputs] == [("sample@v1", added.version.hash[:36])]


def test_help_lists_data(ip, capsys):
    ip.run_line_magic("mlops", "help")
    assert "data" in capsys.readouterr().out
    ip.run_line_magic("mlops", "data --help")
    assert "checkout" in capsys.readouterr().out


def test_variable_wins_over_a_folder_of_the_same_name(ip):
    Path("data").mkdir()
    Path("data/x.txt").write_text("x")
    ip.run_cell("import pandas as pd\ndata = pd.DataFrame({'a': [1]})")
    assert ip.run_line_magic("mlops", "data add data").version.kind == "dataframe"
    assert ip.run_line_magic("mlops", "data add ./data --name folder").version.kind == "folder"
