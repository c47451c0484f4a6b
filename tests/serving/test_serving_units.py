"""The serving core without a server: metrics, routing, options, predictions, the drift window, the
observer's batches, the capture writer on a real data store (including recovery after a crash) and the
served-process registry."""

from __future__ import annotations

import os
import subprocess
import sys
import time

import numpy as np
import pandas as pd
import pytest
from prometheus_client import CollectorRegistry, Histogram

from mlops_magics import data
from mlops_magics.core.errors import MlopsUsageError
from mlops_magics.core.serving import served
from mlops_magics.core.serving.chunks import CaptureChunk, assemble
from mlops_magics.core.serving.drift_window import DriftWindow
from mlops_magics.core.serving.capture_ingest import Ingester
from mlops_magics.core.serving.metrics import VALUE_BUCKETS, ServingMetrics, observe_many
from mlops_magics.core.serving.observer import Observer, Scored
from mlops_magics.core.serving.options import ServeOptions
from mlops_magics.core.serving.predictions import agreement, as_columns, kind_of
from mlops_magics.core.serving.slots import ModelSlot, Router, canary_point
from mlops_magics.core.serving.source import LoadedModel, ModelSource
from mlops_magics.core.serving.traffic_capture import CaptureWriter, spool_dir


def _dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def test_bulk_histogram_observation_equals_one_by_one():
    values = np.concatenate([np.random.default_rng(1).normal(0, 300, 5000), [0.0, 1.0, -1.0, 1e7, -1e7, np.nan]])
    one = Histogram("one", "d", buckets=VALUE_BUCKETS, registry=CollectorRegistry())
    bulk = Histogram("bulk", "d", buckets=VALUE_BUCKETS, registry=CollectorRegistry())
    for v in values[~np.isnan(values)]:
        one.observe(float(v))
    observe_many(bulk, values)
    a = {(s.name.replace("one", "x"), tuple(s.labels.items())): s.value for s in list(one.collect())[0].samples
         if not s.name.endswith("_created")}
    b = {(s.name.replace("bulk", "x"), tuple(s.labels.items())): s.value for s in list(bulk.collect())[0].samples
         if not s.name.endswith("_created")}
    assert a.keys() == b.keys()
    for key in a:
        assert b[key] == pytest.approx(a[key]), key


def test_class_counts_are_bounded_and_versions_labelled():
    m = ServingMetrics(multiprocess=False)
    m.scored("1", 4, np.array([0, 1, 1, 0]), "class")
    m.scored("1", 60, np.arange(60), "class")  # more classes than the bound: the rest are pooled
    m.scored("2", 3, np.array([0.5, 2.5, 1e9]), "value")
    text = m.render().decode()
    assert 'mlops_serving_rows_total{model_version="1"} 64.0' in text
    assert 'mlops_serving_predictions_total{class="1",model_version="1"} 3.0' in text
    assert 'mlops_serving_predictions_total{class="__other__",model_version="1"}' in text
    assert 'mlops_serving_prediction_value_count{model_version="2"} 3.0' in text
    assert "mlops_serving_dataset_drift NaN" in text  # unknown until computed, never a false 0


def test_canary_choice_is_fixed_by_the_request_id():
    primary = ModelSlot("primary", ModelSource("m@a", "m"), LoadedModel("1", None))
    canary = ModelSlot("canary", ModelSource("m@b", "m"), LoadedModel("2", None))
    router = Router(primary, canary, 0.2)
    ids = [f"req-{i}" for i in range(5000)]
    picks = [router.pick(i).role for i in ids]
    assert picks == [router.pick(i).role for i in ids]  # a retry lands on the same model
    share = picks.count("canary") / len(picks)
    assert 0.17 < share < 0.23
    assert canary_point("abc") == canary_point("abc") and 0 <= canary_point("abc") < 1
    canary.current = None  # a canary that is not loaded answers nothing
    assert {router.pick(i).role for i in ids} == {"primary"}


def test_options_are_checked_with_one_line_errors(tmp_path):
    ok = ServeOptions(model="churn@champion").checked()
    assert ok.to_argv() == ["churn@champion"]
    assert ServeOptions.from_json(ok.to_json()) == ok
    bad = [dict(port=70000), dict(workers=0), dict(canary="b", canary_share=1.5), dict(capture="bad/name"),
           dict(capture_rows=0), dict(poll_interval=0), dict(reference=str(tmp_path / "missing.json"))]
    for kwargs in bad:
        with pytest.raises(MlopsUsageError) as err:
            ServeOptions(model="churn@champion", **kwargs).checked()
        assert "\n" not in str(err.value)
    words = ServeOptions(model="m@a", port=0, shadow="b", capture="t", access_log=True).checked().to_argv()
    assert words == ["m@a", "--port", "0", "--shadow", "b", "--capture", "t", "--access-log"]


def test_predictions_become_columns():
    assert list(as_columns(np.array([1, 0]), 2)) == ["_prediction"]
    assert list(as_columns(np.ones((2, 3)), 2)) == ["_prediction_0", "_prediction_1", "_prediction_2"]
    assert list(as_columns(pd.DataFrame({"p": [1, 2], "q": [3, 4]}), 2)) == ["_prediction_p", "_prediction_q"]
    assert as_columns(np.array([1, 2, 3]), 2) is None  # not one prediction per row
    assert as_columns([{"text": "hi"}], 1) is None
    assert kind_of(np.array(["a"])) == "class" and kind_of(np.array([0.5])) == "value"
    assert agreement(np.array([1, 0, 1]), np.array([1, 1, 1])) == 2
    assert agreement(np.array([0.1, 0.2]), np.array([0.1, 0.3])) == 1


def test_drift_window_keeps_the_newest_rows_and_says_when_due():
    w = DriftWindow(max_rows=100, every_rows=50, every_seconds=3600)
    for i in range(300):
        w.add(pd.DataFrame({"x": [i]}))
    assert w.rows == 100
    snap = w.snapshot()
    assert snap["x"].tolist() == list(range(200, 300))
    later = time.monotonic() + 10  # past the minimum gap between two computations
    assert not w.due(later)  # just computed, no new rows
    for i in range(49):
        w.add(pd.DataFrame({"x": [i]}))
    assert not w.due(later)
    w.add(pd.DataFrame({"x": [0]}))
    assert w.due(later) and not w.due()  # due, but not again right after a computation
    w.snapshot()
    w.mark_dirty()
    assert w.due(time.monotonic() + 10)
    w.add(pd.DataFrame({"x": range(1000)}))  # a batch larger than the window
    assert w.rows == 100 and w.snapshot()["x"].tolist() == list(range(900, 1000))


def test_observer_batches_count_per_version_and_build_capture_rows():
    m = ServingMetrics(multiprocess=False)
    captured = []
    w = DriftWindow(1000, 10, 60)
    obs = Observer(m, w, captured.append)
    items = [Scored("r1", 1_700_000_000.0, "champion", "1", pd.DataFrame({"a": [1.0, 2.0]}), np.array([0, 1])),
             Scored("r2", 1_700_000_001.0, "challenger", "2", pd.DataFrame({"a": [3.0]}), np.array([1])),
             Scored("r3", 1_700_000_002.0, "champion", "1", {"text": "not tabular"}, ["x"])]
    batch = obs.process(items)
    frame = assemble([batch.capture_chunk()])
    assert frame["a"].tolist() == [1.0, 2.0, 3.0]
    assert frame["_prediction"].tolist() == [0, 1, 1]
    assert frame["_request_id"].tolist() == ["r1", "r1", "r2"]
    assert frame["_model_version"].tolist() == ["1", "1", "2"]
    assert frame["_model_alias"].tolist() == ["champion", "champion", "challenger"]
    assert str(frame["_timestamp"].dt.tz) == "UTC"
    assert w.rows == 3 and captured == [batch]
    text = m.render().decode()
    assert 'mlops_serving_rows_total{model_version="1"} 2.0' in text
    assert 'mlops_serving_rows_total{model_version="2"} 1.0' in text
    assert 'mlops_serving_predictions_total{class="1",model_version="2"} 1.0' in text


def test_chunks_split_at_any_row_and_assemble_once():
    frames = [pd.DataFrame({"x": [1.0, 2.0]}), pd.DataFrame({"x": [3.0]}), pd.DataFrame({"x": [4.0, 5.0, 6.0]})]
    chunk = CaptureChunk(frames, {"_prediction": np.arange(6), "_timestamp": np.full(6, 1_700_000_000.0)})
    head, tail = chunk.split(4)
    assert (head.rows, tail.rows) == (4, 2)
    other = CaptureChunk([pd.DataFrame({"x": [7.0]})], {"_prediction": np.array([9])})
    df = assemble([tail, head, other])
    assert df["x"].tolist() == [5.0, 6.0, 1.0, 2.0, 3.0, 4.0, 7.0]
    assert df["_prediction"].tolist() == [4, 5, 0, 1, 2, 3, 9]
    assert df["_timestamp"].isna().tolist() == [False] * 6 + [True]  # a chunk without it: null
    assert str(df["_timestamp"].dt.tz) == "UTC"


def _frame(n: int, start: int = 0) -> pd.DataFrame:
    return pd.DataFrame({"x": np.arange(start, start + n, dtype=float), "_request_id": [f"r{i}" for i in
                                                                                     range(start, start + n)]})


def _ingest(home, name: str) -> Ingester:
    ingester = Ingester(name, home)
    while ingester.ingest_ready():
        pass
    return ingester


def test_capture_spools_partitions_that_become_versions_and_close_flushes(mlops_home):
    m = ServingMetrics(multiprocess=False)
    writer = CaptureWriter("traffic", mlops_home, max_rows=100, max_seconds=3600, metrics=m).start()
    for i in range(25):
        assert writer.append(_frame(10, i * 10))
    writer.close()  # 250 rows: two full partitions and the 50 buffered ones
    assert len(list(spool_dir(mlops_home, "traffic").glob("part-*.pkl"))) == 3
    assert "mlops_serving_capture_rows_total 250.0" in m.render().decode()
    assert _ingest(mlops_home, "traffic").rows == 250
    versions = data.log("traffic").versions
    assert [v.rows for v in versions] == [100, 100, 50]
    rows = pd.concat([data.load(f"traffic@v{v.version}", run=None) for v in versions])
    assert sorted(rows["x"].tolist()) == list(range(250))
    assert list(spool_dir(mlops_home, "traffic").iterdir()) == []  # nothing left behind


def test_capture_closes_partitions_on_time(mlops_home):
    writer = CaptureWriter("timed", mlops_home, max_rows=10_000, max_seconds=0.3).start()
    writer.append(_frame(5))
    deadline = time.monotonic() + 60
    while not list(spool_dir(mlops_home, "timed").glob("part-*.pkl")) and time.monotonic() < deadline:
        time.sleep(0.05)
    _ingest(mlops_home, "timed")
    assert data.log("timed").versions[0].rows == 5  # closed by age, not by size
    writer.close()


def test_capture_writer_bounds_memory(mlops_home):
    m = ServingMetrics(multiprocess=False)
    writer = CaptureWriter("bounded", mlops_home, max_rows=10, max_seconds=3600, metrics=m, max_pending=2)
    # not started: nothing drains, so the buffer fills up to max_pending partitions and then refuses
    writer.spool.mkdir(parents=True)
    accepted = sum(writer.append(_frame(5, i * 5)) for i in range(10))
    assert accepted == 4
    assert "mlops_serving_capture_dropped_rows_total 30.0" in m.render().decode()


def test_spooled_partitions_are_stored_once_whoever_left_them(mlops_home):
    spool = spool_dir(mlops_home, "orphans")
    dead = _dead_pid()
    writer = CaptureWriter("orphans", mlops_home)
    writer.spool.mkdir(parents=True)
    writer.pid = dead  # a server that died after spooling
    writer.write([CaptureChunk.of(_frame(7))])
    (spool / f".part-{writer.host}-{dead}-000002.pkl.tmp").write_bytes(b"half a partition")
    claimed_by_dead = spool / f"claimed-{dead}-part-{writer.host}-{dead}-000003.pkl"
    writer.write([CaptureChunk.of(_frame(2, 100))]).rename(claimed_by_dead)  # an ingester died holding it
    alive_other = os.getppid()
    claimed_by_live = spool / f"claimed-{alive_other}-part-{writer.host}-{dead}-000004.pkl"
    writer.write([CaptureChunk.of(_frame(3, 200))]).rename(claimed_by_live)  # another live ingester's
    first, second = Ingester("orphans", mlops_home), Ingester("orphans", mlops_home)
    second.pid = first.pid + 1_000_000  # two ingesters on the same spool: each file is stored once
    assert first.ingest_ready() + second.ingest_ready() == 2
    assert sorted(v.rows for v in data.log("orphans").versions) == [2, 7]  # never the half-written one
    assert sorted(p.name for p in spool.iterdir()) == [claimed_by_live.name]


def test_served_registry_prunes_dead_processes(tmp_path):
    live = served.ServedEntry(pid=os.getpid(), url="http://127.0.0.1:1", host="127.0.0.1", port=1,
                              source="m@a", model="m")
    dead = served.ServedEntry(pid=_dead_pid(), url="http://127.0.0.1:2", host="127.0.0.1", port=2,
                              source="m@b", model="m")
    served.record(tmp_path, live)
    served.record(tmp_path, dead)
    assert [e.pid for e in served.list_entries(tmp_path)] == [live.pid]
    assert len(list(served.entries_dir(tmp_path).glob("*.json"))) == 1
    served.remove(tmp_path, live.pid)
    assert served.list_entries(tmp_path) == []
