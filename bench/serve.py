"""The model server (``mlops serve``) vs MLflow's own (``mlflow models serve --env-manager local``).

* throughput and latency: the same registered model behind both servers, the same load (``CLIENTS``
  concurrent keep-alive connections, each sending the next request when the previous answer arrived),
  batch sizes 1 and 100. Ours with metrics on, shadow off and capture on: time per request (1 /
  throughput) <= 1.0x MLflow's and p99 <= 1.2x; ours with a shadow model too: p99 <= 1.3x. Repetitions
  are interleaved (MLflow, ours, ours + shadow, rotating who goes first), all servers warm.
* alias swap under load: the alias moves while clients send requests; 0 failed requests, and 0 requests
  sent after the swap completed (the server's swap time) answered by the old version.
* capture: sustained rows/s into the data store (the server side spools partitions of 50,000 rows, the
  ingester stores each as a version), the serving process's share per row, and stored bytes per row vs
  the same rows as CSV (informational, no target in the issue).

The load generator is a minimal asyncio HTTP/1.1 client written here (prebuilt request bytes, bodies read
by Content-Length): httpx costs about half a millisecond per request in Python, more than a one-row
prediction, and would measure itself rather than the servers. It runs in this process; the servers each
run in their own.

Run: ``python bench/serve.py [--quick]``.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import textwrap
import time
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import PYTHON, Row, clean_env, finish, make_project, median, parse_args, print_table, tmpdir  # noqa: E402

CLIENTS = 8
TARGET_TIME, TARGET_P99, TARGET_P99_SHADOW = 1.0, 1.2, 1.3

REGISTER = textwrap.dedent('''
    import numpy as np, pandas as pd
    from sklearn.compose import make_column_transformer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import OneHotEncoder, StandardScaler
    from mlops_magics import registry

    rng = np.random.default_rng(0)
    n = 2000
    X = pd.DataFrame({f"x{i}": rng.normal(i, 1 + i / 4, n) for i in range(10)})
    X["plan"] = rng.choice(["basic", "plus", "pro"], n)
    X["region"] = rng.choice(["north", "south", "east", "west"], n)
    y = ((X.x0 + X.x3 - X.x5 / 2 > 0) ^ (X.plan == "pro")).astype(int)
    nums = [f"x{i}" for i in range(10)]
    def model(C):
        prep = make_column_transformer((StandardScaler(), nums), (OneHotEncoder(handle_unknown="ignore"),
                                       ["plan", "region"]))
        return make_pipeline(prep, LogisticRegression(C=C, max_iter=500)).fit(X, y)
    registry.register(model(1.0), "churn", alias="champion", input_example=X.head(5), reference=X)
    registry.register(model(0.01), "churn", alias="challenger", input_example=X.head(5), reference=X)
    X.to_parquet("rows.parquet")
''')


# -- servers -------------------------------------------------------------------------------------------
def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    def __init__(self, name: str, argv: list[str], project: Path, env: dict[str, str]) -> None:
        self.name, self.port = name, free_port()
        self.log = project / f"{name}.log"
        with open(self.log, "wb") as out:
            self.proc = subprocess.Popen([*argv, "--port" if "mlops_magics" in argv[2] else "-p", str(self.port)],
                                         cwd=project, env=env, stdout=out, stderr=subprocess.STDOUT,
                                         start_new_session=True)
        deadline = time.monotonic() + 300
        while True:
            try:
                urllib.request.urlopen(f"{self.url}/ping", timeout=2).close()
                break
            except OSError:
                if self.proc.poll() is not None or time.monotonic() > deadline:
                    self.stop()
                    raise RuntimeError(f"{name} did not start:\n{self.log.read_text()[-3000:]}")
                time.sleep(0.3)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def stop(self) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(120)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)


# -- load ----------------------------------------------------------------------------------------------
def request_bytes(port: int, body: bytes) -> bytes:
    head = (f"POST /invocations HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Type: application/json\r\n"
            f"Content-Length: {len(body)}\r\n\r\n")
    return head.encode() + body


async def _client(port: int, payload: bytes, until: float | None, count: int, out: list) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        done = 0
        while (until is None and done < count) or (until is not None and time.time() < until):
            sent_wall, started = time.time(), time.perf_counter()
            try:
                writer.write(payload)
                await writer.drain()
                status = int((await reader.readline()).split()[1])
                headers = {}
                while True:
                    line = await reader.readline()
                    if line in (b"\r\n", b""):
                        break
                    key, _, value = line.decode("latin-1").partition(":")
                    headers[key.strip().lower()] = value.strip()
                await reader.readexactly(int(headers.get("content-length", 0)))
                out.append((sent_wall, time.perf_counter() - started, status, headers.get("x-model-version")))
            except (OSError, ValueError, IndexError, asyncio.IncompleteReadError) as exc:
                out.append((sent_wall, time.perf_counter() - started, None, repr(exc)))
                writer.close()
                reader, writer = await asyncio.open_connection("127.0.0.1", port)
            done += 1
    finally:
        writer.close()


def load(port: int, body: bytes, requests: int) -> tuple[float, float, float]:
    """``requests`` over ``CLIENTS`` connections: (seconds per request, p50, p99)."""
    payload = request_bytes(port, body)

    async def run() -> tuple[float, list]:
        warm: list = []
        await asyncio.gather(*[_client(port, payload, None, 10, warm) for _ in range(CLIENTS)])
        out: list = []
        started = time.perf_counter()
        await asyncio.gather(*[_client(port, payload, None, requests // CLIENTS, out) for _ in range(CLIENTS)])
        return time.perf_counter() - started, out

    elapsed, out = asyncio.run(run())
    failed = [o for o in out if o[2] != 200]
    if failed:
        raise RuntimeError(f"{len(failed)} requests failed, e.g. {failed[0]}")
    lat = sorted(o[1] for o in out)
    return elapsed / len(out), lat[len(lat) // 2], lat[min(len(lat) - 1, int(len(lat) * 0.99))]


# -- measurements --------------------------------------------------------------------------------------
def serving_rows(servers: dict[str, Server], rows, reps: int, sizes: dict[int, int]) -> list[Row]:
    results: dict[tuple[str, int], list[tuple[float, float, float]]] = {}
    names = list(servers)
    for rep in range(reps):
        for batch, requests in sizes.items():
            body = json.dumps({"dataframe_split": json.loads(rows.head(batch).to_json(orient="split",
                                                                                       index=False))}).encode()
            order = names[rep % len(names):] + names[:rep % len(names)]
            for name in order:
                results.setdefault((name, batch), []).append(load(servers[name].port, body, requests))
        print(f"  repetition {rep + 1}/{reps} done", flush=True)
    out = []
    for batch in sizes:
        theirs = results[("mlflow", batch)]
        ours = results[("ours", batch)]
        shadow = results[("ours+shadow", batch)]
        per = [o[0] for o in ours]
        out.append(Row(f"batch {batch}: time per request (1/throughput)", per, [t[0] for t in theirs],
                       f"ratio <= {TARGET_TIME}", median(per) / median([t[0] for t in theirs]) <= TARGET_TIME,
                       note=f"throughput: ours {1 / median(per):.0f} req/s, mlflow "
                            f"{1 / median([t[0] for t in theirs]):.0f} req/s ({CLIENTS} clients)"))
        out.append(Row(f"batch {batch}: p99 latency", [o[2] for o in ours], [t[2] for t in theirs],
                       f"ratio <= {TARGET_P99}", median([o[2] for o in ours]) / median([t[2] for t in theirs])
                       <= TARGET_P99, note=f"p50: ours {median([o[1] for o in ours]) * 1e3:.2f} ms, mlflow "
                                           f"{median([t[1] for t in theirs]) * 1e3:.2f} ms"))
        out.append(Row(f"batch {batch}, shadow on: p99 latency", [s[2] for s in shadow], [t[2] for t in theirs],
                       f"ratio <= {TARGET_P99_SHADOW}", median([s[2] for s in shadow]) /
                       median([t[2] for t in theirs]) <= TARGET_P99_SHADOW,
                       note=f"shadow on: time per request {median([s[0] for s in shadow]) * 1e3:.2f} ms, "
                            f"p50 {median([s[1] for s in shadow]) * 1e3:.2f} ms"))
    return out


def swap_rows(project: Path, env: dict[str, str], rows, reps: int) -> list[Row]:
    from mlflow import MlflowClient

    server = Server("swap", [PYTHON, "-m", "mlops_magics.modelserver", "churn@champion", "--poll-interval", "1"],
                    project, env)
    client = MlflowClient(tracking_uri=env["MLFLOW_TRACKING_URI"])
    body = json.dumps({"dataframe_split": json.loads(rows.head(10).to_json(orient="split", index=False))}).encode()
    payload = request_bytes(server.port, body)
    failed, stale, delays = [], [], []
    try:
        for rep in range(reps):
            new = "2" if rep % 2 == 0 else "1"
            old = "1" if new == "2" else "2"
            out: list = []

            async def run() -> None:
                until = time.time() + 1e9
                tasks = [asyncio.create_task(_client(server.port, payload, None, 10 ** 9, out))
                         for _ in range(CLIENTS)]
                await asyncio.sleep(2)
                before = _status(server)["roles"]["primary"]["swapped_at"]
                moved = time.time()
                await asyncio.to_thread(client.set_registered_model_alias, "churn", "champion", new)
                while _status(server)["roles"]["primary"]["swapped_at"] == before:
                    await asyncio.sleep(0.1)
                swapped = _status(server)["roles"]["primary"]["swapped_at"]
                delays.append(swapped - moved)
                await asyncio.sleep(2)
                for t in tasks:
                    t.cancel()
                await asyncio.gather(*tasks, return_exceptions=True)
                out.append(("swap", swapped, until))

            asyncio.run(run())
            swapped = out.pop()[1]
            failed.append(float(sum(1 for o in out if o[2] != 200)))
            stale.append(float(sum(1 for o in out if o[0] > swapped and o[3] == old)))
            print(f"  swap {rep + 1}/{reps}: v{old} -> v{new}, {len(out)} requests", flush=True)
    finally:
        server.stop()
    return [
        Row("alias swap: failed requests (count)", failed, None, "0", sum(failed) == 0, show_ratio=False),
        Row("answered by the old version after the swap (count)", stale, None, "0", sum(stale) == 0,
            show_ratio=False, note=f"promotion -> swap completed: median {median(delays):.2f} s at --poll-interval 1"),
    ]


def print_counts(title: str, rows: list[Row]) -> None:
    """Rows whose values are counts, not seconds (print_table formats seconds)."""
    print()
    print(title)
    for row in rows:
        verdict = "-" if row.passed is None else ("PASS" if row.passed else "FAIL")
        values = ", ".join(f"{v:g}" for v in row.ours)
        print(f"{row.name:<52} per repetition: {values:<20} target {row.target:<6} {verdict}")
        if row.note:
            print(f"   {row.note}")


def _status(server: Server) -> dict:
    with urllib.request.urlopen(f"{server.url}/mlops/status", timeout=10) as r:
        return json.loads(r.read())


def capture_rows(project: Path, rows, total_rows: int) -> tuple[float, float, float, float]:
    """``total_rows`` captured rows (fresh random values, as traffic has) through the capture pipeline:
    the server side spools partitions, the ingester stores them as versions. Medians of two runs of
    (rows/s end to end, microseconds per row on the serving side, stored bytes per row, CSV bytes per row)."""
    import numpy as np
    import pandas as pd

    os.environ["MLOPS_HOME"] = str(project / ".mlops")
    from mlops_magics import data
    from mlops_magics.core.serving.chunks import CaptureChunk
    from mlops_magics.core.serving.capture_ingest import Ingester
    from mlops_magics.core.serving.traffic_capture import CaptureWriter

    rng = np.random.default_rng(1)
    traffic = pd.DataFrame({c: rng.normal(rows[c].mean(), rows[c].std(), total_rows) for c in rows.columns
                            if rows[c].dtype.kind == "f"})
    for c in rows.columns:
        if rows[c].dtype == object:
            traffic[c] = rng.choice(rows[c].unique(), total_rows)
    ids = np.repeat(np.array([f"{i:032x}" for i in rng.integers(0, 2**62, total_rows // 100)], dtype=object), 100)
    chunks = [CaptureChunk([traffic.iloc[i:i + 100]], {
        "_prediction": rng.integers(0, 2, 100), "_model_version": np.full(100, "1", dtype=object),
        "_model_alias": np.full(100, "champion", dtype=object), "_request_id": ids[i:i + 100],
        "_timestamp": np.full(100, time.time())}) for i in range(0, total_rows, 100)]
    elapsed, serving, per_row, csv_per_row = [], [], [], []
    for rep in range(2):
        name = f"capture-bench-{rep}"
        writer = CaptureWriter(name, project / ".mlops").start()  # the server's defaults
        started = time.perf_counter()
        for chunk in chunks:
            while not writer.append(chunk):  # the writer's memory bound: wait (a server would drop and count)
                time.sleep(0.001)
        writer.close()
        spooled = time.perf_counter()
        ingester = Ingester(name, project / ".mlops")
        while ingester.ingest_ready():
            pass
        elapsed.append(time.perf_counter() - started)
        serving.append((spooled - started) / total_rows * 1e6)
        versions = data.log(name).versions
        per_row.append(sum(v.size for v in versions) / sum(v.rows for v in versions))
        first = data.load(f"{name}@v1", run=None)
        csv_per_row.append(len(first.to_csv(index=False).encode()) / len(first))
    return total_rows / median(elapsed), median(serving), median(per_row), median(csv_per_row)


def main() -> None:
    args = parse_args(__doc__.splitlines()[0])
    started = time.perf_counter()
    reps = 2 if args.quick else 5
    sizes = {1: 800, 100: 200} if args.quick else {1: 2000, 100: 600}
    import pandas as pd

    with tmpdir("serve") as tmp:
        project = make_project(Path(tmp), "serve")
        db = project / ".mlops" / "mlflow.db"
        env = clean_env(MLOPS_HOME=str(project / ".mlops"), MLFLOW_TRACKING_URI=f"sqlite:///{db}")
        built = subprocess.run([PYTHON, "-c", REGISTER], cwd=project, env=clean_env(MLOPS_HOME=str(project / ".mlops")),
                               capture_output=True, text=True, timeout=600)
        if built.returncode != 0:
            raise SystemExit(f"could not register the model:\n{built.stderr[-3000:]}")
        rows = pd.read_parquet(project / "rows.parquet")
        mlflow_cli = str(Path(PYTHON).with_name("mlflow"))
        ours = [PYTHON, "-m", "mlops_magics.modelserver", "churn@champion"]
        servers = {}
        try:
            servers["mlflow"] = Server("mlflow", [mlflow_cli, "models", "serve", "-m", "models:/churn/1",
                                                  "--env-manager", "local", "-h", "127.0.0.1"], project, env)
            servers["ours"] = Server("ours", [*ours, "--capture", "traffic"], project, env)
            servers["ours+shadow"] = Server("ours+shadow", [*ours, "--capture", "traffic-shadow", "--shadow",
                                                            "challenger"], project, env)
            print(f"servers up; {reps} repetitions of batch sizes {list(sizes)} x {len(servers)} servers", flush=True)
            rows_served = serving_rows(servers, rows, reps, sizes)
        finally:
            for server in servers.values():
                server.stop()
        rows_swap = swap_rows(project, env, rows, 2 if args.quick else 4)
        total_rows = 50_000 if args.quick else 200_000
        rate, serving_us, stored, csv = capture_rows(project, rows, total_rows)
    print_table(f"Model server vs mlflow models serve ({CLIENTS} concurrent clients, same model, same load)",
                "mlflow models serve", rows_served)
    print_counts("Alias swap under load", rows_swap)
    print()
    print(f"Capture into the data store ({total_rows:,} rows of 17 columns, partitions of 50,000 rows, the default)")
    print(f"   sustained {rate:,.0f} rows/s into the store (spool + ingest, one core); the serving process's "
          f"part: {serving_us:.2f} us/row")
    print(f"   {stored:.1f} bytes/row stored (Parquet, zstd) vs {csv:.1f} bytes/row as CSV: {stored / csv:.2f}x  "
          "(informational: the issue sets no target)")
    print()
    finish(started, rows_served + rows_swap)


if __name__ == "__main__":
    main()
