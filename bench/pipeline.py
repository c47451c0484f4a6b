"""A pipeline of parameterized notebooks (``mlops run``) vs the same notebooks run with plain papermill.

* parallel: a 4-step pipeline, two independent branches (a1 -> a2, b1 -> b2), each notebook sleeping
  ``STEP_S`` seconds; ours with ``jobs=2`` (``force=True`` so every step really runs) vs the four
  notebooks run one after another with ``papermill.execute_notebook``. Target: ratio <= 0.7.
  Like against like as well: papermill with the two branches in two threads by hand (what a careful
  user would write). Target: ratio <= 1.1 (the runner's 10% overhead budget, below).
* cached: the same pipeline re-run with nothing changed, as a user runs it (``mlops run p.yaml`` in a
  fresh process, wall time) vs papermill, which has no cache and re-runs everything (the sequential
  time above). Target: <= 1 s.
* per step: a one-step pipeline (``force=True``: runs, tracks, logs the notebook, writes the lock) vs a
  bare ``papermill.execute_notebook`` of the same notebook. Target: overhead <= 10%.

Ours runs in this process on a warm store (the first run pays MLflow's import and store creation
once, like a notebook session); repetitions are interleaved with papermill's.

Run: ``python bench/pipeline.py [--quick]``.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import Row, clean_env, finish, make_project, median, parse_args, print_table, tmpdir  # noqa: E402

STEP_S = 1.0
TARGET_PARALLEL, TARGET_CACHED_S, TARGET_OVERHEAD = 0.7, 1.0, 0.10


def write_notebooks(project: Path) -> None:
    import nbformat

    def nb(name: str, reads: str | None) -> None:
        book = nbformat.v4.new_notebook()
        book.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
        params = nbformat.v4.new_code_cell(f"seconds = {STEP_S}\nseed = 0")
        params.metadata["tags"] = ["parameters"]
        body = "import time\ntime.sleep(seconds)\n"
        body += f"text = open('{reads}').read()\n" if reads else "text = ''\n"
        body += f"open('{name}.txt', 'w').write(text + '{name}' + str(seed))"
        book.cells = [params, nbformat.v4.new_code_cell(body)]
        nbformat.write(book, project / f"{name}.ipynb")

    nb("a1", None), nb("a2", "a1.txt"), nb("b1", None), nb("b2", "b1.txt")
    (project / "p.yaml").write_text(
        "name: bench\nparams: {seed: 1}\nsteps:\n"
        "  a1: {notebook: a1.ipynb, outputs: [a1.txt]}\n"
        "  a2: {notebook: a2.ipynb, inputs: [a1.txt], outputs: [a2.txt]}\n"
        "  b1: {notebook: b1.ipynb, outputs: [b1.txt]}\n"
        "  b2: {notebook: b2.ipynb, inputs: [b1.txt], outputs: [b2.txt]}\n")
    (project / "one.yaml").write_text("name: one\nsteps:\n  a1: {notebook: a1.ipynb, outputs: [a1.txt]}\n")


def papermill_sequential(project: Path, out: Path) -> float:
    import papermill

    began = time.perf_counter()
    for name in ("a1", "a2", "b1", "b2"):
        papermill.execute_notebook(str(project / f"{name}.ipynb"), str(out / f"{name}.ipynb"),
                                   parameters={"seed": 1}, cwd=str(project), progress_bar=False,
                                   kernel_name="python3")
    return time.perf_counter() - began


def papermill_branches(project: Path, out: Path) -> float:
    """The two branches in two threads, by hand: papermill used the way a careful user would."""
    import papermill
    from concurrent.futures import ThreadPoolExecutor

    def branch(names: tuple[str, str]) -> None:
        for name in names:
            papermill.execute_notebook(str(project / f"{name}.ipynb"), str(out / f"{name}.ipynb"),
                                       parameters={"seed": 1}, cwd=str(project), progress_bar=False,
                                       kernel_name="python3")

    began = time.perf_counter()
    with ThreadPoolExecutor(2) as pool:
        list(pool.map(branch, [("a1", "a2"), ("b1", "b2")]))
    return time.perf_counter() - began


def papermill_one(project: Path, out: Path) -> float:
    import papermill

    began = time.perf_counter()
    papermill.execute_notebook(str(project / "a1.ipynb"), str(out / "a1.ipynb"), parameters={"seed": 0},
                               cwd=str(project), progress_bar=False, kernel_name="python3")
    return time.perf_counter() - began


def ours(path: Path, **kwargs) -> float:
    from mlops_magics import pipeline

    began = time.perf_counter()
    result = pipeline.run(str(path), **kwargs)
    elapsed = time.perf_counter() - began
    if not result.ok:
        raise RuntimeError(repr(result))
    return elapsed


def cli_cached(project: Path, env: dict[str, str]) -> float:
    mlops = Path(sys.executable).with_name("mlops")
    began = time.perf_counter()
    proc = subprocess.run([str(mlops), "run", "p.yaml", "-q"], cwd=project, env=env, capture_output=True, text=True)
    elapsed = time.perf_counter() - began
    if proc.returncode != 0 or "4 cached" not in proc.stdout:
        raise RuntimeError(f"cached re-run did not cache:\n{proc.stdout}\n{proc.stderr}")
    return elapsed


def main() -> None:
    args = parse_args(__doc__.splitlines()[0])
    reps = 2 if args.quick else 5
    started = time.perf_counter()
    with tmpdir("pipeline") as tmp:
        project = make_project(Path(tmp), "pipeline")
        env = clean_env(MLOPS_HOME=str(project / ".mlops"), IPYTHONDIR=str(Path(tmp) / "ipython"),
                        MLOPS_CACHE_DIR=str(Path(tmp) / "cache"))
        os.environ.clear()
        os.environ.update(env)
        os.chdir(project)
        write_notebooks(project)
        out = Path(tmp) / "papermill-out"
        out.mkdir()
        from mlops_magics.core.backend import session

        session.ready()
        ours(project / "p.yaml", jobs=2, force=True)  # warm-up: imports, the store, the first kernels
        papermill_one(project, out)

        parallel, sequential, by_hand, one_ours, one_theirs, cached, cached_call = [], [], [], [], [], [], []
        for _ in range(reps):
            sequential.append(papermill_sequential(project, out))
            by_hand.append(papermill_branches(project, out))
            parallel.append(ours(project / "p.yaml", jobs=2, force=True))
            cached.append(cli_cached(project, env))
            cached_call.append(ours(project / "p.yaml"))
            one_theirs.append(papermill_one(project, out))
            one_ours.append(ours(project / "one.yaml", force=True))
        session.reset()

    overhead = median(one_ours) / median(one_theirs) - 1
    rows = [
        Row("4 steps, 2 branches, jobs=2 vs sequential", parallel, sequential, f"ratio <= {TARGET_PARALLEL}",
            median(parallel) / median(sequential) <= TARGET_PARALLEL),
        Row("jobs=2 vs papermill branches in 2 threads", parallel, by_hand, f"ratio <= {1 + TARGET_OVERHEAD:g}",
            median(parallel) / median(by_hand) <= 1 + TARGET_OVERHEAD),
        Row("cached re-run: `mlops run` (new process)", cached, sequential, f"<= {TARGET_CACHED_S:g} s",
            median(cached) <= TARGET_CACHED_S),
        Row("cached re-run: pipeline.run() call", cached_call, None, "(information)", None),
        Row("one step: runner vs bare execute_notebook", one_ours, one_theirs, f"overhead <= {TARGET_OVERHEAD:.0%}",
            overhead <= TARGET_OVERHEAD, note=f"overhead {overhead:+.1%} ({(median(one_ours) - median(one_theirs)) * 1000:+.0f} ms "
                                              f"per step; step notebook sleeps {STEP_S:g} s)"),
    ]
    print_table("Pipelines of notebooks: mlops run vs plain papermill", "papermill", rows)
    finish(started, rows)


if __name__ == "__main__":
    main()
