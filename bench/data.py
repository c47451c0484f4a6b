"""Benchmark: data versioning vs DVC (same run, same files), chunked storage, remotes and checkout.

    python bench/data.py [--size-mib 1024] [--reps 3] [--dvc PATH] [--quick]

1. ``data add`` of a new file (CLI and in-process) vs ``dvc add`` in a fresh DVC repo: ratio >= 5x.
2. Re-adding the unchanged file: the magic in a real InteractiveShell (< 50 ms), the CLI, ``dvc add``.
3. Ten versions of the file, each appending 1% (and a variant inserting 1% in the middle): total store
   size of ours and DVC's cache; ours <= 1.3x one version.
4. A 1M-row DataFrame appended by 1% ten times: store size <= 1.3x one snapshot.
5. Pushing an appended version to a real S3-compatible server (moto_server on loopback): bytes sent
   <= 5% of the file.
6. Checkout of the chunked version (rebuilt from chunks, hash checked): >= 1 GB/s.
7. Fingerprinting a 1M-row x 20-column DataFrame vs MLflow's digest (informational).

DVC is required (``pip install dvc``): without it the script fails instead of comparing nothing.
Everything is written under a temporary directory in /tmp and deleted at the end. Medians are printed.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

PY = sys.executable
MiB = 1 << 20
RESULTS: list[tuple[str, bool]] = []


def check(name: str, passed: bool, detail: str) -> None:
    RESULTS.append((name, passed))
    print(f"  {'PASS' if passed else 'FAIL'}  {name}: {detail}")


def median_of(fn, reps: int) -> tuple[float, list[float]]:
    times = []
    for _ in range(reps):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return statistics.median(times), times


def settle() -> None:
    """Flush dirty pages first, so no run pays for the previous run's writeback (ext4 commits are shared)."""
    os.sync()
    time.sleep(0.5)


def run(cmd: list[str], cwd: Path, env: dict[str, str]) -> str:
    proc = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True)
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed:\n{proc.stdout}\n{proc.stderr}")
    return proc.stdout


def age(path: Path) -> None:
    old = time.time() - 60  # like a file written a minute ago (outside the stat cache's racy window)
    os.utime(path, (old, old))


def make_file(path: Path, size_mib: int) -> None:
    """Random bytes throughout (no repeated block: chunking would find it and store it once)."""
    with open(path, "wb") as fh:
        for _ in range((size_mib + 63) // 64):
            fh.write(os.urandom(64 << 20))
        fh.truncate(size_mib << 20)
    age(path)


def fmt(seconds: float) -> str:
    return f"{seconds * 1000:.0f} ms" if seconds < 1 else f"{seconds:.2f} s"


def tree_bytes(*roots: Path) -> int:
    return sum(p.stat().st_size for root in roots if root.exists() for p in root.rglob("*") if p.is_file())


def store_bytes(home: Path) -> int:
    data = home / "data"
    return tree_bytes(data / "objects", data / "chunklists", data / "manifests")


def bench_env(root: Path) -> dict[str, str]:
    # Like an installed package (pip compiles .pyc files; DVC's are): cache bytecode under the bench dir.
    env = dict(os.environ, DVC_NO_ANALYTICS="1", PYTHONPYCACHEPREFIX=str(root / "pycache"))
    for key in ("PYTHONDONTWRITEBYTECODE", "MLFLOW_TRACKING_URI", "MLOPS_HOME"):
        env.pop(key, None)
    return env


def dvc_fresh(dvc: str, folder: Path, env: dict[str, str]) -> None:
    for leftover in (".dvc", ".dvcignore", ".gitignore", *[p.name for p in folder.glob("*.dvc")]):
        p = folder / leftover
        shutil.rmtree(p) if p.is_dir() else p.unlink(missing_ok=True)
    run([dvc, "init", "--no-scm", "-q"], folder, env)


def bench_add(root: Path, size_mib: int, reps: int, dvc: str, env: dict[str, str]) -> None:
    ours_dir, dvc_dir = root / "ours", root / "dvc"
    big = ours_dir / "big.bin"
    make_file(big, size_mib)
    shutil.copyfile(big, dvc_dir / "big.bin")
    age(dvc_dir / "big.bin")
    settle()
    warm = root / "warm.bin"  # compile the bytecode of everything an add of a large file imports
    make_file(warm, 8)
    run([PY, "-m", "mlops_magics.cli", "data", "add", str(warm)], ours_dir, dict(env, MLOPS_HOME=str(root / "warm")))
    print(f"== 1. add a new {size_mib} MiB file ({reps} repetitions, fresh store each time)")
    cli_new, in_proc_new, dvc_new = [], [], []
    for rep in range(reps):
        home = root / f"home-cli-{rep}"
        settle()
        started = time.perf_counter()
        run([PY, "-m", "mlops_magics.cli", "data", "add", "big.bin"], ours_dir, dict(env, MLOPS_HOME=str(home)))
        cli_new.append(time.perf_counter() - started)
        shutil.rmtree(home)

        home = root / f"home-api-{rep}"
        settle()
        code = ("import time,sys; from mlops_magics.core.datastore import api; t=time.perf_counter(); "
                "api.add('big.bin', run=None); print(time.perf_counter()-t)")
        out = run([PY, "-c", code], ours_dir, dict(env, MLOPS_HOME=str(home)))
        in_proc_new.append(float(out.strip().splitlines()[-1]))
        shutil.rmtree(home)

        dvc_fresh(dvc, dvc_dir, env)
        settle()
        started = time.perf_counter()
        run([dvc, "add", "big.bin"], dvc_dir, env)
        dvc_new.append(time.perf_counter() - started)
    m_cli, m_api, m_dvc = statistics.median(cli_new), statistics.median(in_proc_new), statistics.median(dvc_new)
    print(f"  mlops data add (CLI)       median {fmt(m_cli)}   runs {[fmt(t) for t in cli_new]}")
    print(f"  data.add (in-process)      median {fmt(m_api)}   runs {[fmt(t) for t in in_proc_new]}")
    print(f"  dvc add                    median {fmt(m_dvc)}   runs {[fmt(t) for t in dvc_new]}")
    print(f"  {size_mib / 1024 / m_api:.2f} GiB/s in process")
    check("add new file, CLI vs dvc add", m_dvc / m_cli >= 5, f"{m_dvc / m_cli:.1f}x (target >= 5x)")
    check("add new file, in-process vs dvc add", m_dvc / m_api >= 5, f"{m_dvc / m_api:.1f}x (target >= 5x)")

    print(f"== 2. re-add the unchanged {size_mib} MiB file")
    home = root / "home-readd"
    env_home = dict(env, MLOPS_HOME=str(home))
    run([PY, "-m", "mlops_magics.cli", "data", "add", "big.bin"], ours_dir, env_home)
    magic = _magic_readd(ours_dir, home, reps=9)
    print(f"  %mlops data add (magic, in-process) median {fmt(magic[0])}   runs {[fmt(t) for t in magic[1]]}")
    cli = median_of(lambda: run([PY, "-m", "mlops_magics.cli", "data", "add", "big.bin"], ours_dir, env_home), 7)
    print(f"  mlops data add (CLI)                median {fmt(cli[0])}   runs {[fmt(t) for t in cli[1]]}")
    again = median_of(lambda: run([dvc, "add", "big.bin"], dvc_dir, env), 5)
    print(f"  dvc add (unchanged)                 median {fmt(again[0])}   runs {[fmt(t) for t in again[1]]}")
    print(f"  ratio dvc / ours: CLI {again[0] / cli[0]:.1f}x, magic {again[0] / magic[0]:.0f}x")
    check("unchanged re-add from the magic", magic[0] < 0.050, f"{fmt(magic[0])} (target < 50 ms)")
    shutil.rmtree(home)


def _magic_readd(project: Path, home: Path, reps: int) -> tuple[float, list[float]]:
    code = f"""
import os, statistics, sys, time
os.chdir({str(project)!r}); os.environ['MLOPS_HOME'] = {str(home)!r}
from IPython.core.interactiveshell import InteractiveShell
from traitlets.config import Config
cfg = Config(); cfg.HistoryManager.enabled = False
ip = InteractiveShell.instance(config=cfg)
ip.run_line_magic('load_ext', 'mlops_magics')
from mlops_magics.core.backend import session
session.ready()  # let the background warm-up (MLflow import) finish first
ip.run_line_magic('mlops', 'data add big.bin')
times = []
for _ in range({reps}):
    t = time.perf_counter(); r = ip.run_line_magic('mlops', 'data add big.bin'); times.append(time.perf_counter() - t)
    assert r.unchanged, r
print(' '.join(map(str, times)))
"""
    out = subprocess.run([PY, "-c", code], capture_output=True, text=True)
    if out.returncode != 0:
        raise SystemExit(out.stderr)
    times = [float(x) for x in out.stdout.strip().splitlines()[-1].split()]
    return statistics.median(times), times


def _write_version(path: Path, base_mib: int, step: int, mode: str) -> None:
    """Version ``step`` (0 = the base file) of the growing file: 1% of the base appended or inserted per step."""
    one_pct = (base_mib << 20) // 100
    if step == 0:
        make_file(path, base_mib)
        return
    new = os.urandom(one_pct)
    if mode == "append":
        with open(path, "ab") as fh:
            fh.write(new)
    else:
        data = path.read_bytes()
        middle = len(data) // 2 + step * 4099  # a different place each time
        path.write_bytes(data[:middle] + new + data[middle:])
    age(path)


def bench_versions(root: Path, size_mib: int, dvc: str, env: dict[str, str], versions: int = 10) -> None:
    from mlops_magics.core.datastore import api

    print(f"== 3. {versions} versions of a {size_mib} MiB file, each adding 1% (store size, ours and DVC's cache)")
    for mode in ("append", "insert"):
        work = root / f"versions-{mode}"
        dvc_dir = work / "dvc"
        dvc_dir.mkdir(parents=True)
        (work / "pyproject.toml").write_text("[project]\nname = 'bench'\n")
        home = work / ".mlops"
        dvc_fresh(dvc, dvc_dir, env)
        path = work / "grow.bin"
        one = size_mib << 20
        add_times = []
        for step in range(versions):
            _write_version(path, size_mib, step, mode)
            started = time.perf_counter()
            result = api.add(path, name="grow", run=None, home=home)
            add_times.append(time.perf_counter() - started)
            assert not result.unchanged
            shutil.copyfile(path, dvc_dir / "grow.bin")
            age(dvc_dir / "grow.bin")
            run([dvc, "add", "grow.bin"], dvc_dir, env)
        ours, theirs = store_bytes(home), tree_bytes(dvc_dir / ".dvc" / "cache")
        print(f"  {mode:>6}: ours {ours / 2**30:.2f} GiB = {ours / one:.2f}x one version; DVC cache "
              f"{theirs / 2**30:.2f} GiB = {theirs / one:.2f}x; adds of a changed version median "
              f"{fmt(statistics.median(add_times[1:]))}")
        check(f"{versions} versions, 1% {mode}ed each, store size", ours <= 1.3 * one,
              f"{ours / one:.2f}x one version (target <= 1.3x; DVC {theirs / one:.2f}x)")
        if mode == "append":
            bench_push(root, home, path)
            bench_checkout(root, home, one)
        shutil.rmtree(work)


def bench_push(root: Path, home: Path, path: Path) -> None:
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
    from s3_server import ENV, start_moto, stop_moto

    from mlops_magics.core.datastore import api

    print("== 5. push an appended version to an S3-compatible server (moto_server on loopback, s3fs)")
    proc, endpoint = start_moto(root / "moto.log")
    saved = {k: os.environ.get(k) for k in [*ENV, "AWS_ENDPOINT_URL"]}
    os.environ.update(ENV, AWS_ENDPOINT_URL=endpoint)
    try:
        import s3fs

        s3fs.S3FileSystem(skip_instance_cache=True).mkdir("bench")
        url = "s3://bench/mlops"
        versions = api.log("grow", home=home).versions
        started = time.perf_counter()
        api.push(url, ["grow"], home=home)  # every version so far
        first = time.perf_counter() - started
        with open(path, "ab") as fh:  # one more version: +1% of the file
            fh.write(os.urandom(path.stat().st_size // 100))
        age(path)
        api.add(path, name="grow", run=None, home=home)
        started = time.perf_counter()
        result = api.push(url, ["grow"], home=home)
        second = time.perf_counter() - started
        size = path.stat().st_size
        print(f"  first push ({len(versions)} versions): {fmt(first)}; the appended version: {result.sent} object(s), "
              f"{result.sent_bytes / MiB:.1f} MiB of a {size / MiB:.0f} MiB file in {fmt(second)}")
        check("push of an appended version, bytes sent", result.sent_bytes <= 0.05 * size,
              f"{result.sent_bytes / size:.1%} of the file (target <= 5%)")
    finally:
        for key, value in saved.items():
            os.environ.pop(key, None) if value is None else os.environ.__setitem__(key, value)
        stop_moto(proc)


def bench_checkout(root: Path, home: Path, one: int, reps: int = 3) -> None:
    from mlops_magics.core.datastore import api

    print("== 6. checkout of the chunked version (rebuilt from chunks, whole-content hash checked)")
    latest = api.log("grow", home=home).versions[-1]
    times = []
    for rep in range(reps):
        target = root / f"checkout-{rep}.bin"
        settle()
        started = time.perf_counter()
        api.checkout("grow", to=target, home=home, run=None)
        times.append(time.perf_counter() - started)
        target.unlink()
    copies = []  # the same bytes copied by the kernel (cp / shutil.copyfile), for scale
    source = root / "versions-append" / "grow.bin"
    for rep in range(reps):
        settle()
        started = time.perf_counter()
        shutil.copyfile(source, root / "copy.bin")
        copies.append(time.perf_counter() - started)
        (root / "copy.bin").unlink()
    med, cp = statistics.median(times), statistics.median(copies)
    rate = latest.size / med / 1e9
    print(f"  {latest.size / 2**30:.2f} GiB in {len(api.log('grow', home=home).versions)}-version store, "
          f"{latest.chunks} chunks: median {fmt(med)} = {rate:.2f} GB/s   runs {[fmt(t) for t in times]}")
    print(f"  plain file copy (shutil.copyfile) of the same file: median {fmt(cp)} = {latest.size / cp / 1e9:.2f} GB/s"
          f"; checkout / copy time {med / cp:.2f}x")
    check("checkout of a chunked version", rate >= 1.0, f"{rate:.2f} GB/s (target >= 1 GB/s)")


def frame(rows: int, seed: int, start: int = 0):
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(seed)
    cols = {f"f{i}": rng.normal(size=rows) for i in range(8)}
    cols.update({f"i{i}": rng.integers(0, 1000, size=rows) for i in range(6)})
    cols.update({f"s{i}": np.array([f"id_{x}" for x in rng.integers(0, 50_000, size=rows)], dtype=object)
                 for i in range(3)})
    cols["cat"] = pd.Categorical(rng.choice(["a", "b", "c"], size=rows))
    cols["ts"] = pd.date_range("2020-01-01", periods=rows, freq="s") + pd.Timedelta(seconds=start)
    cols["flag"] = rng.random(rows) > 0.5
    return pd.DataFrame(cols, index=pd.RangeIndex(start, start + rows))


def bench_dataframes(root: Path, rows: int, versions: int = 10) -> None:
    import pandas as pd

    from mlops_magics.core.datastore import api

    print(f"== 4. a {rows:,}-row x 20-column DataFrame appended by 1% {versions} times")
    work = root / "frames"
    work.mkdir()
    home = work / ".mlops"
    df = frame(rows, 0)
    first = api.add(df, name="frame", run=None, home=home)
    one = first.version.size
    times = []
    for step in range(1, versions + 1):
        df = pd.concat([df, frame(rows // 100, step, start=len(df))])
        started = time.perf_counter()
        api.add(df, name="frame", run=None, home=home)
        times.append(time.perf_counter() - started)
    total = store_bytes(home)
    print(f"  one snapshot {one / MiB:.1f} MiB ({first.version.chunks} chunks); {versions + 1} snapshots stored in "
          f"{total / MiB:.1f} MiB = {total / one:.2f}x (full copies: {versions + 1}x); add median {fmt(statistics.median(times))}")
    check(f"DataFrame appended by 1% {versions} times, store size", total <= 1.3 * one,
          f"{total / one:.2f}x one snapshot (target <= 1.3x)")
    shutil.rmtree(work)


def bench_fingerprint(reps: int) -> None:
    from mlops_magics.core.datastore.snapshot import fingerprint

    print("== 7. fingerprint a 1,000,000 x 20 DataFrame (informational)")
    df = frame(1_000_000, 0)
    ours = median_of(lambda: fingerprint(df), reps)
    print(f"  ours (blake3 over column buffers)    median {fmt(ours[0])}   runs {[fmt(t) for t in ours[1]]}")
    import mlflow.data

    theirs = median_of(lambda: mlflow.data.from_pandas(df).digest, max(2, reps // 2))
    print(f"  mlflow.data.from_pandas(df).digest   median {fmt(theirs[0])}   runs {[fmt(t) for t in theirs[1]]}")
    print(f"  ratio mlflow / ours: {theirs[0] / ours[0]:.1f}x")
    before_ours, before_theirs = fingerprint(df), mlflow.data.from_pandas(df).digest
    df.loc[900_000, "f0"] = df.loc[900_000, "f0"] + 1.0
    after_ours, after_theirs = fingerprint(df), mlflow.data.from_pandas(df).digest
    print(f"  row 900,000 changed -> ours {'CHANGED' if after_ours != before_ours else 'same'}, "
          f"mlflow {'CHANGED' if after_theirs != before_theirs else 'same'}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size-mib", type=int, default=1024)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument("--dvc", default=shutil.which("dvc") or str(Path(PY).with_name("dvc")))
    parser.add_argument("--quick", action="store_true", help="256 MiB, 200k rows, 1 repetition (a smoke run)")
    parser.add_argument("--only", default="add,versions,frames,fingerprint",
                        help="comma-separated sections: add (1-2), versions (3, 5, 6), frames (4), fingerprint (7)")
    args = parser.parse_args()
    if args.quick:
        args.size_mib, args.rows, args.reps = 256, 200_000, 1
    if not args.dvc or not Path(args.dvc).exists():
        print(f"FAIL: dvc not found ({args.dvc!r}); install it (pip install dvc) or pass --dvc PATH", file=sys.stderr)
        sys.exit(2)
    started = time.perf_counter()
    root = Path(tempfile.mkdtemp(prefix="mlops-bench-data-", dir="/tmp"))
    env = bench_env(root)
    dvc_version = run([args.dvc, "--version"], root, env).strip()
    print(f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f} at start; dvc {dvc_version}")
    for sub in ("ours", "dvc"):
        (root / sub).mkdir()
    (root / "ours" / "pyproject.toml").write_text("[project]\nname = 'bench'\n")
    try:
        only = set(args.only.split(","))
        if "add" in only:
            bench_add(root, args.size_mib, args.reps, args.dvc, env)
        if "versions" in only:
            bench_versions(root, args.size_mib, args.dvc, env)
        if "frames" in only:
            bench_dataframes(root, args.rows)
        if "fingerprint" in only:
            bench_fingerprint(max(args.reps, 3))
    finally:
        shutil.rmtree(root, ignore_errors=True)
    failed = [name for name, ok in RESULTS if not ok]
    print(f"({time.perf_counter() - started:.0f} s total, load average {os.getloadavg()[0]:.1f} at the end): "
          f"{len(RESULTS) - len(failed)} passed, {len(failed)} failed")
    if failed:
        sys.exit(1)


if __name__ == "__main__":
    main()
