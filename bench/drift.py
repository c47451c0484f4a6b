"""Drift engine vs Evidently 0.7 DataDriftPreset on the same frames: time, memory, output size.

    python bench/drift.py            # 100k and 1M rows x 25 columns (20 numeric, 5 categorical); Evidently at both
    python bench/drift.py --quick    # 100k rows only, fewer repetitions (a smoke run: no 1M targets judged)

Like against like. Each engine runs in its own fresh subprocess on identical, seeded frames, and both are
warm: each first runs once on the first 2,000 rows of the same frames (imports, lazy set-up, caches), then
the timed runs follow on the full frames. Time: the median of the timed runs (Evidently at 1M rows: one
timed run, it takes minutes). Memory, the same method for both: the peak growth of the process's resident
memory during a run (the kernel's high-water mark reset before it, freed heap handed back first), the
largest over the runs, against the size of the two input frames. Also: scoring against a stored summary
(ours), the bytes our widget sends and our static HTML, the HTML Evidently's snapshot embeds in a notebook.

Targets (issue 5): at 1M x 25 ours at least 50x faster than Evidently, our peak memory growth at most 1.5x
the inputs, scoring a stored summary under 2 s; our widget payload and static HTML under 200 KB; and both
engines flag the same columns (a speed-up is only worth quoting for the same answer).
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import Check, PeakRss, finish, print_checks  # noqa: E402

N_NUMERIC, N_CATEGORICAL, N_CATEGORIES = 20, 5, 30
WARM_ROWS = 2_000
FULL_ROWS = (100_000, 1_000_000)
TARGET_SPEEDUP_1M = 50.0
TARGET_MEMORY = 1.5  # peak growth / input bytes
TARGET_SUMMARY_S = 2.0
TARGET_BYTES = 200_000


def make_frames(n: int, seed: int = 0):
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(seed)
    labels = np.asarray([f"category_{j}" for j in range(N_CATEGORIES)], dtype=object)

    def frame(shift: float):
        cols = {}
        for i in range(N_NUMERIC):  # every fourth column drifts
            cols[f"num_{i}"] = rng.normal(shift * (i % 4 == 0), 1 + i / 10, n)
        for i in range(N_CATEGORICAL):
            p = np.ones(N_CATEGORIES)
            p[:3] += 10 * shift * (i % 2)
            cols[f"cat_{i}"] = labels[rng.choice(N_CATEGORIES, n, p=p / p.sum())]
        return pd.DataFrame(cols)

    return frame(0.0), frame(0.3)


def _timed_runs(run, ref, cur, reps: int) -> tuple[list[float], list[int], object]:
    """Warm-up on the first rows, then ``reps`` timed runs, each under the same memory probe."""
    run(ref.head(WARM_ROWS).copy(), cur.head(WARM_ROWS).copy())
    times, growth, result = [], [], None
    for _ in range(reps):
        result = None  # the previous result is not live during the next run
        with PeakRss() as mem:
            t = time.perf_counter()
            result = run(ref, cur)
            times.append(time.perf_counter() - t)
        growth.append(mem.growth)
    return times, growth, result


def _input_bytes(ref, cur) -> int:
    """What the two frames occupy: their buffers and, for the categorical columns, the pointers (the 30
    labels are shared objects; pandas' ``deep`` count would count each row's string again)."""
    return int(ref.memory_usage(deep=False).sum() + cur.memory_usage(deep=False).sum())


def worker_ours(n: int, reps: int) -> dict:
    from mlops_magics.drift import compare, summarize
    from mlops_magics.render.drift_html import render_html
    from mlops_magics.widgets.drift_widget import payload_size

    ref, cur = make_frames(n)
    times, growth, result = _timed_runs(compare, ref, cur, reps)
    summary = summarize(ref)
    compare(summary, cur.head(WARM_ROWS))  # warm
    score_times = []
    for _ in range(reps):
        t = time.perf_counter()
        scored = compare(summary, cur)
        score_times.append(time.perf_counter() - t)
    return {
        "times": times, "growth": growth, "input_bytes": _input_bytes(ref, cur),
        "summary_times": score_times, "summary_json_bytes": len(summary.to_json()),
        "widget_bytes": payload_size(result), "html_bytes": len(render_html(result).encode()),
        "drifted": sorted(result.drifted_columns), "summary_drifted": sorted(scored.drifted_columns),
    }


def _evidently_drifted(snapshot) -> list[str]:
    drifted = []
    for m in snapshot.dict()["metrics"]:
        config = m["config"]
        if not config["type"].endswith("ValueDrift"):
            continue
        p_value = "p_value" in config["method"]
        if (m["value"] < config["threshold"]) if p_value else (m["value"] >= config["threshold"]):
            drifted.append(config["column"])
    return sorted(drifted)


def worker_evidently(n: int, reps: int) -> dict:
    from evidently import Report
    from evidently.presets import DataDriftPreset

    def run(ref, cur):
        return Report([DataDriftPreset()]).run(cur, ref)

    ref, cur = make_frames(n)
    times, growth, snapshot = _timed_runs(run, ref, cur, reps)
    return {"times": times, "growth": growth, "input_bytes": _input_bytes(ref, cur),
            "html_bytes": len(snapshot._repr_html_().encode()), "drifted": _evidently_drifted(snapshot)}


def _spawn(kind: str, n: int, reps: int) -> dict:
    proc = subprocess.run([sys.executable, __file__, "--worker", kind, str(n), str(reps)], capture_output=True,
                          text=True)
    if proc.returncode != 0:
        raise RuntimeError(f"{kind} at {n:,} rows failed:\n{proc.stderr[-3000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def _mb(x: float) -> str:
    return f"{x / 1e6:,.1f} MB"


def _times(values: list[float]) -> str:
    return f"median {statistics.median(values):.2f} s of {len(values)} ({', '.join(f'{t:.2f}' for t in values)})"


def measure(n: int, reps: int) -> list[Check]:
    ours = _spawn("ours", n, reps)
    ev = _spawn("evidently", n, 1 if n >= 1_000_000 else reps)
    mine, theirs = statistics.median(ours["times"]), statistics.median(ev["times"])
    inputs = ours["input_bytes"]
    print(f"== {n:,} rows x {N_NUMERIC + N_CATEGORICAL} columns (inputs {_mb(inputs)}) ==")
    print(f"ours       {_times(ours['times'])}; {len(ours['drifted'])} columns drifted")
    print(f"           peak memory growth {_mb(max(ours['growth']))} = {max(ours['growth']) / inputs:.2f}x the inputs")
    print(f"           scoring a stored summary: {_times(ours['summary_times'])} "
          f"(summary {ours['summary_json_bytes'] / 1e3:,.0f} KB JSON; {len(ours['summary_drifted'])} drifted)")
    print(f"           widget payload {ours['widget_bytes'] / 1e3:,.1f} KB, static HTML {ours['html_bytes'] / 1e3:,.1f} KB")
    print(f"evidently  {_times(ev['times'])}; {len(ev['drifted'])} columns drifted")
    print(f"           peak memory growth {_mb(max(ev['growth']))} = {max(ev['growth']) / inputs:.2f}x the inputs; "
          f"notebook HTML {_mb(ev['html_bytes'])}")
    print(f"ratio      {theirs / mine:.0f}x faster; peak memory growth {max(ev['growth']) / max(max(ours['growth']), 1):.1f}x "
          f"smaller; HTML {ev['html_bytes'] / ours['html_bytes']:.0f}x smaller")
    print()
    big = n >= 1_000_000
    checks = [
        Check(f"{n:,}: same drifted columns as Evidently", str(ours["drifted"] == ev["drifted"]), "True",
              ours["drifted"] == ev["drifted"]),
        Check(f"{n:,}: speed-up over Evidently (warm, medians)", f"{theirs / mine:.0f}x",
              f">= {TARGET_SPEEDUP_1M:g}x" if big else "(information)", theirs / mine >= TARGET_SPEEDUP_1M if big else None),
        Check(f"{n:,}: our peak memory growth / inputs", f"{max(ours['growth']) / inputs:.2f}x",
              f"<= {TARGET_MEMORY}x" if big else "(information)", max(ours["growth"]) / inputs <= TARGET_MEMORY if big else None),
        Check(f"{n:,}: Evidently's peak memory growth / inputs", f"{max(ev['growth']) / inputs:.2f}x", "(information)", None),
        Check(f"{n:,}: scoring a stored summary", f"{statistics.median(ours['summary_times']):.2f} s",
              f"< {TARGET_SUMMARY_S:g} s" if big else "(information)",
              statistics.median(ours["summary_times"]) < TARGET_SUMMARY_S if big else None),
        Check(f"{n:,}: widget payload", f"{ours['widget_bytes'] / 1e3:,.1f} KB", f"< {TARGET_BYTES / 1e3:.0f} KB",
              ours["widget_bytes"] < TARGET_BYTES),
        Check(f"{n:,}: static HTML", f"{ours['html_bytes'] / 1e3:,.1f} KB", f"< {TARGET_BYTES / 1e3:.0f} KB",
              ours["html_bytes"] < TARGET_BYTES),
    ]
    return checks


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="100k rows only, 2 repetitions: no 1M targets judged")
    parser.add_argument("--worker", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        kind, n, reps = args.worker[0], int(args.worker[1]), int(args.worker[2])
        print(json.dumps(worker_ours(n, reps) if kind == "ours" else worker_evidently(n, reps)))
        return
    started = time.perf_counter()
    rows, reps = (FULL_ROWS[:1], 2) if args.quick else (FULL_ROWS, 3)
    print(f"drift: {N_NUMERIC} numeric + {N_CATEGORICAL} categorical columns, 5 of 20 numeric and 2 of 5 "
          f"categorical shifted; both engines warm, the same memory method for both\n")
    checks = [c for n in rows for c in measure(n, reps)]
    print_checks("targets" + (" (quick run: the 1M-row targets were not measured)" if args.quick else ""), checks)
    finish(started, checks)


if __name__ == "__main__":
    main()
