"""``data gc``: frees what nothing references, keeps every kind of reference, survives concurrent adds and kills."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numpy as np
import pandas as pd

from mlops_magics import data
from mlops_magics.core.datastore.repo import open_repo
from data_files import write

MiB = 1 << 20


def forget(home: Path, name: str) -> None:
    """Drop a dataset's manifest: its content becomes unreferenced."""
    (home / "data" / "manifests" / f"{name}.json").unlink()


def stored(home: Path) -> set[str]:
    repo = open_repo(home)
    return set(repo.objects) | {"list:" + d for d in repo.content.lists()}


def _env(home: Path) -> dict[str, str]:
    env = dict(os.environ, MLOPS_HOME=str(home))
    env.pop("MLFLOW_TRACKING_URI", None)
    return env


def test_gc_frees_unreferenced_chunks_only(mlops_home):
    base = os.urandom(12 * MiB)
    write(Path("keep.bin"), base)
    keep = data.add("keep.bin").version
    write(Path("drop.bin"), base + os.urandom(2 * MiB))  # shares most chunks with keep.bin
    data.add("drop.bin")
    write(Path("small.txt"), b"small and unreferenced")
    data.add("small.txt")
    forget(mlops_home, "drop")
    forget(mlops_home, "small")
    before = stored(mlops_home)

    dry = data.gc(dry_run=True)
    assert stored(mlops_home) == before  # a dry run deletes nothing
    assert dry.lists == 1 and dry.objects >= 2 and dry.object_bytes >= 2 * MiB
    assert repr(dry).startswith("gc would free ") and "run without --dry-run to delete" in repr(dry)

    done = data.gc()
    assert (done.objects, done.lists, done.object_bytes) == (dry.objects, dry.lists, dry.object_bytes)
    assert repr(done).startswith(f"gc freed {done.freed_bytes / 1e6:.1f} MB".replace(".0 MB", ".0 MB"))
    assert "referenced by 1 versions" in repr(done)
    assert data.load("keep").read_bytes() == base and data.verify() == []
    again = data.gc()
    assert again.objects == again.lists == 0 and again.kept_objects == done.kept_objects
    assert keep.hash == data.log("keep").versions[0].hash


def test_gc_keeps_drift_summaries_pipeline_locks_and_registered_models(mlops_home, tmp_path):
    from mlops_magics.core.backend import session
    from mlops_magics.core.datastore.lineage import RunRef
    from mlops_magics.core.pipeline.lockfile import LockFile

    write(Path("summarized.csv"), b"a,b\n1,2\n3,4\n")
    summarized = data.add("summarized.csv", run=None).version
    from mlops_magics.core.datastore import api

    assert api.reference_summary("summarized", run=None) is not None
    write(Path("piped.bin"), os.urandom(6 * MiB))
    piped = data.add("piped.bin", run=None).version
    LockFile(Path("churn.lock"), "churn").set_step("train", {"inputs": {"piped@v1": f"data:{piped.hash}"},
                                                              "status": "succeeded"})
    session.ready()
    client = session.client()
    run = client.create_run(client.create_experiment("gc"))
    write(Path("trained.bin"), os.urandom(6 * MiB))
    trained = data.add("trained.bin", run=RunRef(run.info.run_id, client)).version  # a dataset input of the run
    client.create_registered_model("churn")
    client.create_model_version("churn", source=str(tmp_path), run_id=run.info.run_id,
                                tags={"mlops.data_versions": "trained@v1"})
    write(Path("loose.bin"), b"nothing refers to me")
    loose = data.add("loose.bin", run=None).version
    for name in ("summarized", "piped", "trained", "loose"):
        forget(mlops_home, name)

    result = data.gc()
    assert result.referenced_by == {"versions": 0, "drift summaries": 1, "model versions": 1,
                                    "pipeline lock files": 1}
    repo = open_repo()
    assert repo.content.complete(summarized.hash) and repo.content.complete(piped.hash)
    assert repo.content.complete(trained.hash) and not repo.content.has(loose.hash)
    assert result.objects == 1
    assert data.gc(registry=False).lists == 1  # the model version alone was keeping trained.bin
    assert not repo.content.has(trained.hash) and repo.content.complete(piped.hash)


ADDER = textwrap.dedent("""
    import os, sys, time
    from pathlib import Path
    from mlops_magics.core.datastore import api
    work = Path(sys.argv[1]); rounds = int(sys.argv[2]); home = Path(os.environ["MLOPS_HOME"])
    work.mkdir(parents=True, exist_ok=True)
    base = os.urandom(8 << 20)
    for i in range(rounds):
        grow = work / "grow.bin"
        grow.write_bytes(base + os.urandom(64 << 10) * (i + 1))   # shares chunks with every scratch version
        api.add(grow, name="grow", run=None)
        scratch = work / "scratch.bin"
        scratch.write_bytes(base + os.urandom(1 << 20))
        api.add(scratch, name="scratch", run=None)
        (home / "data" / "manifests" / "scratch.json").unlink()  # garbage that shares chunks with grow
        print(i, flush=True)
""")

COLLECTOR = textwrap.dedent("""
    import sys
    from mlops_magics.core.datastore import api
    print("start", flush=True)
    for _ in range(int(sys.argv[1])):
        print(repr(api.gc(registry=False)).splitlines()[0], flush=True)
""")


def test_gc_running_beside_adds_never_deletes_what_they_use(mlops_home, tmp_path):
    rounds = 12
    adder = subprocess.Popen([sys.executable, "-c", ADDER, str(tmp_path / "work"), str(rounds)],
                             env=_env(mlops_home), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    collector = subprocess.Popen([sys.executable, "-c", COLLECTOR, "400"], env=_env(mlops_home),
                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    out, err = adder.communicate(timeout=240)
    assert adder.returncode == 0, err[-3000:]
    assert out.split() == [str(i) for i in range(rounds)]
    collector.send_signal(signal.SIGTERM)
    gc_out, gc_err = collector.communicate(timeout=60)
    freed = [line for line in gc_out.splitlines() if line.startswith("gc freed") and not line.startswith("gc freed 0 B")]
    assert freed, gc_out[-2000:] + gc_err[-2000:]  # gc really ran while adds were going on, and deleted things
    versions = data.log("grow").versions
    assert [v.version for v in versions] == list(range(1, rounds + 1))
    assert data.verify() == []  # every version of grow is complete and every object hashes right
    assert data.load("grow").stat().st_size == (8 << 20) + rounds * (64 << 10)


GC_ONCE = textwrap.dedent("""
    from mlops_magics.core.datastore import api
    print("start", flush=True)
    print(repr(api.gc(registry=False)), flush=True)
""")


def test_gc_killed_midway_deletes_nothing_referenced_and_a_rerun_finishes(mlops_home):
    rng = np.random.default_rng(3)
    live = pd.DataFrame({"x": rng.normal(size=600_000), "k": rng.integers(0, 100, size=600_000)})
    data.add(live, name="live")
    for i in range(3):  # garbage that shares most chunks with the live snapshot
        extra = pd.DataFrame({"x": rng.normal(size=20_000), "k": rng.integers(0, 100, size=20_000)})
        data.add(pd.concat([live, extra], ignore_index=True), name=f"junk{i}")
        forget(mlops_home, f"junk{i}")
    kills = 0
    for delay in (0.0, 0.02, 0.05, 0.1, 0.2):
        proc = subprocess.Popen([sys.executable, "-c", GC_ONCE], env=_env(mlops_home), stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True)
        assert proc.stdout.readline() == "start\n"
        time.sleep(delay + random.uniform(0, 0.01))
        if proc.poll() is None:
            proc.kill()
            kills += 1
        proc.communicate(timeout=60)
        assert data.verify() == []  # nothing referenced was deleted, no content looks present but is not
        pd.testing.assert_frame_equal(data.load("live"), live)
    assert kills >= 2
    final = data.gc()
    repo = open_repo()
    assert final.kept_objects == len(list(repo.objects)) and list(repo.content.lists()) == \
        [data.log("live").versions[0].hash]
    assert data.gc().freed_bytes == 0
