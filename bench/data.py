"""Benchmark: data versioning vs DVC, and DataFrame fingerprints vs MLflow's digest.

    python bench/data.py [--size-mib 1024] [--reps 3] [--dvc /tmp/dvcvenv/bin/dvc]

1. ``data add`` of a new 1 GiB file (CLI and in-process) vs ``dvc add`` in a fresh DVC repo.
2. Re-adding the unchanged file: the magic in a real InteractiveShell, the CLI, and ``dvc add`` again.
3. Fingerprinting a 1M-row x 20-column DataFrame vs ``mlflow.data.from_pandas(df).digest``, and whether
   each notices a change in row 900,000.

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


def run(cmd: list[str], cwd: Path, env: dict[str, str]) -> None:
    proc = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True)
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed:\n{proc.stdout}\n{proc.stderr}")


def make_file(path: Path, size_mib: int) -> None:
    block = os.urandom(64 << 20)
    with open(path, "wb") as fh:
        for i in range((size_mib + 63) // 64):
            fh.write(i.to_bytes(8, "little") + block[8:])
        fh.truncate(size_mib << 20)
    old = time.time() - 60  # like a file written a minute ago (outside the stat cache's racy window)
    os.utime(path, (old, old))


def fmt(seconds: float) -> str:
    return f"{seconds * 1000:.0f} ms" if seconds < 1 else f"{seconds:.2f} s"


def bench_files(root: Path, size_mib: int, reps: int, dvc: str | None) -> None:
    ours_dir, dvc_dir = root / "ours", root / "dvc"
    ours_dir.mkdir()
    dvc_dir.mkdir()
    (ours_dir / "pyproject.toml").write_text("[project]\nname = 'bench'\n")
    big = ours_dir / "big.bin"
    make_file(big, size_mib)
    shutil.copyfile(big, dvc_dir / "big.bin")
    os.utime(dvc_dir / "big.bin", (time.time() - 60,) * 2)
    settle()
    # Like an installed package (pip compiles .pyc files; DVC's are): cache bytecode under the bench dir.
    env = dict(os.environ, DVC_NO_ANALYTICS="1", PYTHONPYCACHEPREFIX=str(root / "pycache"))
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env.pop("MLFLOW_TRACKING_URI", None)
    run([PY, "-m", "mlops_magics.cli", "data", "list"], ours_dir, dict(env, MLOPS_HOME=str(root / "warm")))
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
        out = subprocess.run([PY, "-c", code], cwd=ours_dir, env=dict(env, MLOPS_HOME=str(home)),
                             capture_output=True, text=True, check=True)
        in_proc_new.append(float(out.stdout.strip().splitlines()[-1]))
        shutil.rmtree(home)

        if dvc:
            for leftover in (".dvc", "big.bin.dvc", ".dvcignore", ".gitignore"):
                p = dvc_dir / leftover
                shutil.rmtree(p) if p.is_dir() else p.unlink(missing_ok=True)
            run([dvc, "init", "--no-scm", "-q"], dvc_dir, env)
            settle()
            started = time.perf_counter()
            run([dvc, "add", "big.bin"], dvc_dir, env)
            dvc_new.append(time.perf_counter() - started)
    m_cli, m_api = statistics.median(cli_new), statistics.median(in_proc_new)
    print(f"  mlops data add (CLI)       median {fmt(m_cli)}   runs {[fmt(t) for t in cli_new]}")
    print(f"  data.add (in-process)      median {fmt(m_api)}   runs {[fmt(t) for t in in_proc_new]}")
    if dvc_new:
        m_dvc = statistics.median(dvc_new)
        print(f"  dvc add                    median {fmt(m_dvc)}   runs {[fmt(t) for t in dvc_new]}")
        print(f"  ratio dvc / ours: CLI {m_dvc / m_cli:.1f}x, in-process {m_dvc / m_api:.1f}x  (target >= 5x)")

    print(f"== 2. re-add the unchanged {size_mib} MiB file")
    home = root / "home-readd"
    env_home = dict(env, MLOPS_HOME=str(home))
    run([PY, "-m", "mlops_magics.cli", "data", "add", "big.bin"], ours_dir, env_home)
    magic = _magic_readd(ours_dir, home, reps=9)
    print(f"  %mlops data add (magic, in-process) median {fmt(magic[0])}   runs {[fmt(t) for t in magic[1]]}"
          "   (target < 50 ms)")
    cli = median_of(lambda: run([PY, "-m", "mlops_magics.cli", "data", "add", "big.bin"], ours_dir, env_home), 7)
    print(f"  mlops data add (CLI)                median {fmt(cli[0])}   runs {[fmt(t) for t in cli[1]]}")
    if dvc:
        again = median_of(lambda: run([dvc, "add", "big.bin"], dvc_dir, env), 5)
        print(f"  dvc add (unchanged)                 median {fmt(again[0])}   runs {[fmt(t) for t in again[1]]}")
        print(f"  ratio dvc / ours: CLI {again[0] / cli[0]:.1f}x (target >= 10x), magic {again[0] / magic[0]:.0f}x")


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


def bench_fingerprint(reps: int) -> None:
    import numpy as np
    import pandas as pd

    from mlops_magics.core.datastore.snapshot import fingerprint

    print("== 3. fingerprint a 1,000,000 x 20 DataFrame")
    rng = np.random.default_rng(0)
    n = 1_000_000
    cols = {f"f{i}": rng.normal(size=n) for i in range(8)}
    cols.update({f"i{i}": rng.integers(0, 1000, size=n) for i in range(6)})
    cols.update({f"s{i}": np.array([f"id_{x}" for x in rng.integers(0, 50_000, size=n)], dtype=object)
                 for i in range(3)})
    cols["cat"] = pd.Categorical(rng.choice(["a", "b", "c"], size=n))
    cols["ts"] = pd.date_range("2020-01-01", periods=n, freq="s")
    cols["flag"] = rng.random(n) > 0.5
    df = pd.DataFrame(cols)
    ours = median_of(lambda: fingerprint(df), reps)
    print(f"  ours (blake3 over column buffers)    median {fmt(ours[0])}   runs {[fmt(t) for t in ours[1]]}"
          "   (target < 1 s)")
    import mlflow.data

    theirs = median_of(lambda: mlflow.data.from_pandas(df).digest, max(2, reps // 2))
    print(f"  mlflow.data.from_pandas(df).digest   median {fmt(theirs[0])}   runs {[fmt(t) for t in theirs[1]]}")
    print(f"  ratio mlflow / ours: {theirs[0] / ours[0]:.1f}x")
    before_ours, before_theirs = fingerprint(df), mlflow.data.from_pandas(df).digest
    df.loc[900_000, "f0"] = df.loc[900_000, "f0"] + 1.0
    after_ours, after_theirs = fingerprint(df), mlflow.data.from_pandas(df).digest
    print(f"  row 900,000 changed -> ours {'CHANGED' if after_ours != before_ours else 'same'} "
          f"({before_ours[:10]} -> {after_ours[:10]}), mlflow {'CHANGED' if after_theirs != before_theirs else 'same'} "
          f"({before_theirs} -> {after_theirs})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size-mib", type=int, default=1024)
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument("--dvc", default=shutil.which("dvc") or "/tmp/dvcvenv/bin/dvc")
    parser.add_argument("--skip-files", action="store_true")
    args = parser.parse_args()
    dvc = args.dvc if args.dvc and Path(args.dvc).exists() else None
    if dvc is None:
        print("dvc not found: comparing ours only (install it into a separate venv, pass --dvc PATH)")
    root = Path(tempfile.mkdtemp(prefix="mlops-bench-data-", dir="/tmp"))
    print(f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f} at start (other work skews every figure)")
    try:
        if not args.skip_files:
            bench_files(root, args.size_mib, args.reps, dvc)
        bench_fingerprint(max(args.reps, 5))
    finally:
        shutil.rmtree(root, ignore_errors=True)
        print(f"load average {os.getloadavg()[0]:.1f} at the end")


if __name__ == "__main__":
    main()
