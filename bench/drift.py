"""Drift engine vs Evidently 0.7 DataDriftPreset on the same frames: time, memory, output size.

    python bench/drift.py                      # 100k and 1M rows x 25 columns (20 numeric, 5 categorical)
    python bench/drift.py --skip-evidently-1m  # Evidently takes minutes at 1M rows
    python bench/drift.py --rows 100000 --reps 5

Each measurement runs in its own subprocess (so peak memory is that run's alone) on identical, seeded frames.
Ours: median of ``--reps`` runs, peak extra memory of one more run under tracemalloc (numpy and pandas
buffers are traced) relative to the two input frames, scoring against a stored summary (median), the bytes
the widget sends and the static HTML. Evidently: one run (wall time), peak RSS growth, and the HTML its
snapshot embeds in a notebook.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time

N_NUMERIC, N_CATEGORICAL, N_CATEGORIES = 20, 5, 30


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


def _rss_now() -> int:
    with open("/proc/self/statm") as fh:
        import os

        return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def _peak_rss() -> int:
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def worker_ours(n: int, reps: int) -> dict:
    import tracemalloc

    from mlops_magics.drift import compare, summarize
    from mlops_magics.render.drift_html import render_html
    from mlops_magics.widgets.drift_widget import payload_size

    ref, cur = make_frames(n)
    deep = int(ref.memory_usage(deep=True).sum() + cur.memory_usage(deep=True).sum())
    shallow = int(ref.memory_usage(deep=False).sum() + cur.memory_usage(deep=False).sum())
    times = []
    for _ in range(reps):
        t = time.perf_counter()
        result = compare(ref, cur)
        times.append(time.perf_counter() - t)
    tracemalloc.start()
    compare(ref, cur)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    summary = summarize(ref)
    summary_json = summary.to_json()
    score_times = []
    for _ in range(reps):
        t = time.perf_counter()
        scored = compare(summary, cur)
        score_times.append(time.perf_counter() - t)
    return {
        "engine": "ours", "rows": n, "median_s": statistics.median(times), "times": times,
        "input_bytes_deep": deep, "input_bytes_shallow": shallow, "peak_extra_bytes": peak,
        "summary_score_median_s": statistics.median(score_times), "summary_json_bytes": len(summary_json),
        "widget_bytes": payload_size(result), "html_bytes": len(render_html(result).encode()),
        "n_drifted": result.n_drifted, "summary_n_drifted": scored.n_drifted,
        "drifted": result.drifted_columns,
    }


def worker_evidently(n: int) -> dict:
    from evidently import Report
    from evidently.presets import DataDriftPreset

    ref, cur = make_frames(n)
    before = _rss_now()
    t = time.perf_counter()
    snapshot = Report([DataDriftPreset()]).run(cur, ref)
    seconds = time.perf_counter() - t
    peak = _peak_rss() - before
    html = snapshot._repr_html_()
    drifted = [m["config"]["column"] for m in snapshot.dict()["metrics"]
               if m["config"]["type"].endswith("ValueDrift")
               and ((m["value"] < m["config"]["threshold"]) if "p_value" in m["config"]["method"]
                    else (m["value"] >= m["config"]["threshold"]))]
    return {"engine": "evidently", "rows": n, "median_s": seconds, "peak_extra_bytes": peak,
            "html_bytes": len(html.encode()), "n_drifted": len(drifted), "drifted": drifted}


def _spawn(*args: str) -> dict:
    out = subprocess.run([sys.executable, __file__, "--worker", *args], capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def _mb(x: float) -> str:
    return f"{x / 1e6:,.1f} MB"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument("--skip-evidently-1m", action="store_true", help="skip Evidently at >= 1M rows")
    parser.add_argument("--skip-evidently", action="store_true")
    parser.add_argument("--worker", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        kind, n = args.worker[0], int(args.worker[1])
        res = worker_ours(n, int(args.worker[2])) if kind == "ours" else worker_evidently(n)
        print(json.dumps(res))
        return
    print(f"drift: {N_NUMERIC} numeric + {N_CATEGORICAL} categorical columns, 5 of 20 numeric and 2 of 5 categorical shifted")
    for n in args.rows:
        ours = _spawn("ours", str(n), str(args.reps))
        print(f"\n== {n:,} rows ==")
        print(f"ours       median {ours['median_s']:.2f} s of {args.reps} ({', '.join(f'{t:.2f}' for t in ours['times'])}); "
              f"{ours['n_drifted']} columns drifted")
        print(f"           peak extra memory {_mb(ours['peak_extra_bytes'])} = "
              f"{ours['peak_extra_bytes'] / ours['input_bytes_deep']:.2f}x the inputs ({_mb(ours['input_bytes_deep'])} deep, "
              f"{_mb(ours['input_bytes_shallow'])} shallow: {ours['peak_extra_bytes'] / ours['input_bytes_shallow']:.2f}x); "
              f"total {(ours['input_bytes_deep'] + ours['peak_extra_bytes']) / ours['input_bytes_deep']:.2f}x")
        print(f"           scoring against a stored summary: median {ours['summary_score_median_s']:.2f} s "
              f"(summary {ours['summary_json_bytes'] / 1e3:,.0f} KB JSON; {ours['summary_n_drifted']} drifted)")
        print(f"           widget payload {ours['widget_bytes'] / 1e3:,.1f} KB, static HTML {ours['html_bytes'] / 1e3:,.1f} KB")
        skip = args.skip_evidently or (args.skip_evidently_1m and n >= 1_000_000)
        if skip:
            print("evidently  skipped")
            continue
        ev = _spawn("evidently", str(n))
        print(f"evidently  {ev['median_s']:.1f} s (1 run); peak RSS growth {_mb(ev['peak_extra_bytes'])}; "
              f"notebook HTML {_mb(ev['html_bytes'])}; {ev['n_drifted']} columns drifted")
        print(f"ratio      speed {ev['median_s'] / ours['median_s']:.0f}x faster; HTML {ev['html_bytes'] / ours['html_bytes']:.0f}x "
              f"smaller; same drifted columns: {sorted(ev['drifted']) == sorted(ours['drifted'])}")


if __name__ == "__main__":
    main()
