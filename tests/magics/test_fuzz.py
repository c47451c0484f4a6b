"""Fuzzing ``%mlops``: random and mutated lines for every sub-command, on a real InteractiveShell.

Seeded and bounded: a short prologue that fills the store, then a fixed number of random lines
(``MLOPS_FUZZ_SEED`` and ``MLOPS_FUZZ_LINES`` change them for a longer hunt). Every line must end in
nothing, a result, or an error of ours (IPython's ``UsageError``, an ``MlopsError``, shown in one line);
a traceback from inside the package or its dependencies fails the test, which prints the lines that
caused it. The options come from the parsers themselves, so a new option is fuzzed without touching this
file. Values are ordinary ones (names that exist in the notebook and the store) and hostile ones (``..``,
``/``, quotes, 300-character names, huge numbers, absolute paths nothing can be created under). Nothing
here reaches the network or writes outside the test's temporary folder: relative paths stay inside it
(the shell's working folder is its project), absolute ones are under it or under ``/dev/null``.
"""

from __future__ import annotations

import argparse
import importlib
import os
import random
import shlex
import sys
from pathlib import Path

import pytest
from IPython.core.error import UsageError

from mlops_magics.core.errors import MlopsError
from mlops_magics.magics.subcommands import COMMANDS

SEED = int(os.environ.get("MLOPS_FUZZ_SEED", "20261129"))
LINES = int(os.environ.get("MLOPS_FUZZ_LINES", "400"))
TRACEBACK_MARKS = ("Traceback (most recent call last)", "-" * 75)

# Skipped on purpose: options whose valid use starts real kernels or a Dask client (seconds each; the
# pipeline tests cover them), and Evidently's report (a minute on its own; its test covers it).
SLOW_OPTIONS = {"--evidently", "--executor"}


def _hostile(tmp: Path) -> list[str]:
    return [
        "", " ", ".", "..", "/dev/null/x", str(tmp / "nowhere" / "x"), "a/b", "a//b", "data.csv/x", "data.csv",
        'bad"name', "it's", "`tick`", "x" * 300, "y" * 5000, "-1", "0", "1000000000", "10" * 200, "1e400",
        "nan", "inf", "-inf", "--", "-", "@", "name@", "@v1", "churn@v0", "churn@v99999999999999999999",
        "churn@latest", "churn@../x", "a=b", "=1", "a==1", "é漢字", "\t", "%mlops", "$HOME",
        "accuracy >= ", ">= 1", "accuracy >= nan", "x = 1", "{}", "[1, 2]", "None", "True",
        "file:///dev/null/x", "memory://fuzz", str(tmp / "data.csv"), str(tmp / "pipe.yaml"),
    ]


GOOD = [
    "churn", "df", "df2", "clf", "X", "accuracy", "acc=0.5", "lr=0.1", "0.5", "3", "churn@v1", "churn@champion",
    "churn@latest", "champion", "challenger", "data.csv", "pipe.yaml", "accuracy >= 0.5", "-accuracy", "exp",
    "a", "b", "bh", "auto", "ks", "chi2", "FINISHED", "KILLED", "report.html", "result.json", "notes",
]


def _vocabulary(name: str) -> tuple[list[str], list[str]]:
    """The options of ``%mlops NAME`` and the words of its sub-actions, read from its parser."""
    if name == "help":
        return [], list(COMMANDS)
    parser = importlib.import_module(f"mlops_magics.magics.{COMMANDS[name].module}").build_parser()
    options, words = [], []

    def walk(p: argparse.ArgumentParser) -> None:
        for action in p._actions:
            if isinstance(action, argparse._SubParsersAction):
                for word, child in action.choices.items():
                    words.append(word)
                    walk(child)
            else:
                options.extend(o for o in action.option_strings if o not in SLOW_OPTIONS)

    walk(parser)
    return sorted(set(options)), words


# Run first, in this order, so the random lines meet a store with runs, a dataset and a model in it.
PROLOGUE = [
    ("track --run-name fuzz-notebook", False), ("track --run-name fuzz-cell", True),
    ("data add df --name frame", False), ("data add data.csv", False),
    ("register clf --name churn --alias champion", False), ("stop", False),
]

SEEDS = [
    "help", "help track", "status", "track --run-name fuzz --experiment exp", "stop", "stop --status KILLED",
    "log param lr=0.1", "log metric acc=0.5 --step 2", "log artifact data.csv", "log artifact . --path files",
    "runs", "runs --max 5 --sort -accuracy --experiment exp", "compare fuzz fuzz-cell", "data add df --name frame",
    "data list", "data log frame", "data load frame@latest", "data diff frame@v1 frame@latest",
    "data checkout frame --to out", "data push frame --remote REMOTE", "data pull frame --remote REMOTE",
    "drift df df2", "drift df df2 --method psi --threshold 0.2 --json -", "drift df df2 --columns a --log",
    "drift data.csv df --target a --save report.html", "register clf --name churn --alias champion --gate 'acc >= 0.1'",
    "promote churn@v1 --to champion --reason why", "models", "models churn --history --alias champion",
    "load churn@champion", "rollback churn --alias champion", "pipeline show pipe.yaml", "pipeline status",
    "pipeline run pipe.yaml --dry-run -p seed=1",
]


def _mutate(rng: random.Random, words: list[str], options: list[str], actions: list[str],
            hostile: list[str]) -> list[str]:
    """Mostly one argument of a valid line made hostile (the rest stays valid, so the value gets through
    the parser to the code behind it); sometimes options added, dropped or moved."""
    words = list(words)
    first = 2 if actions else 1  # the command and its action word stay, most of the time
    for _ in range(rng.choice((1, 1, 1, 2, 3))):
        values = [i for i in range(first, len(words)) if not words[i].startswith("-")]
        pick = rng.random()
        pos = rng.randrange(first, len(words) + 1) if len(words) >= first else len(words)
        if pick < 0.55 and values:
            words[rng.choice(values)] = rng.choice(hostile)
        elif pick < 0.7 and options:
            words[pos:pos] = [rng.choice(options), rng.choice(hostile + GOOD)]
        elif pick < 0.8 and len(words) > first:
            del words[rng.randrange(first, len(words))]
        elif pick < 0.87 and actions:
            words[1:2] = [rng.choice(actions)]
        elif pick < 0.94 and options:
            words.append(rng.choice(options))
        else:
            words[pos:pos] = [rng.choice(hostile)]
    return words


def _random_line(rng: random.Random, name: str, options: list[str], actions: list[str],
                 hostile: list[str]) -> list[str]:
    words = [name]
    if actions:
        words.append(rng.choice(actions))
    for _ in range(rng.randint(0, 5)):
        kind = rng.random()
        if kind < 0.4 and options:
            words += [rng.choice(options), rng.choice(GOOD + hostile)]
        elif kind < 0.7:
            words.append(rng.choice(GOOD))
        else:
            words.append(rng.choice(hostile))
    return words


def _lines(tmp: Path, count: int) -> list[tuple[str, bool]]:
    """``count`` magic lines (and whether each is a cell magic), the same for the same seed."""
    rng = random.Random(SEED)
    hostile = _hostile(tmp)
    vocab = {name: _vocabulary(name) for name in COMMANDS}
    remote = str(tmp / "remote")
    out: list[tuple[str, bool]] = []
    while len(out) < count:
        roll = rng.random()
        if roll < 0.25:
            words = shlex.split(rng.choice(SEEDS).replace("REMOTE", remote))
        elif roll < 0.7:
            words = shlex.split(rng.choice(SEEDS).replace("REMOTE", remote))
            words = _mutate(rng, words, *vocab[words[0]], hostile)
        else:
            name = rng.choice(sorted(COMMANDS))
            words = _random_line(rng, name, *vocab[name], hostile)
        line = shlex.join(words)
        if rng.random() < 0.03:
            line += rng.choice([' "unbalanced', " 'open", " \\"])
        out.append((line, words[0] == "track" and rng.random() < 0.3))
    return out


CELL = "lr = 0.1\nbig = 10**400\nacc = 0.5 * 1\n"


@pytest.fixture
def notebook(ip, tmp_path):
    """The shell with frames, a fitted model, a table file and a pipeline file to aim at."""
    project = Path.cwd()
    (project / "data.csv").write_text("a,b\n1,x\n2,y\n3,x\n")
    (project / "pipe.yaml").write_text("name: fuzz\nsteps:\n  one:\n    notebook: missing.ipynb\n")
    (tmp_path / "remote").mkdir()
    ip.run_cell(
        "import numpy as np, pandas as pd\n"
        "from sklearn.linear_model import LogisticRegression\n"
        "rng = np.random.default_rng(0)\n"
        "df = pd.DataFrame({'a': rng.normal(size=200), 'b': rng.choice(list('xyz'), size=200)})\n"
        "df2 = pd.DataFrame({'a': rng.normal(size=200) + 0.5, 'b': rng.choice(list('xyzw'), size=200)})\n"
        "X = df[['a']]\n"
        "clf = LogisticRegression().fit(X, (df.a > 0).astype(int))\n"
    )
    return ip


def test_no_line_ends_in_a_traceback(notebook, tmp_path, capfd):
    ip = notebook
    failures: list[str] = []
    lines = PROLOGUE + _lines(tmp_path, LINES)
    for i, (line, as_cell) in enumerate(lines):
        source = f"%%mlops {line}\n{CELL}" if as_cell else f"%mlops {line}"
        result = ip.run_cell_quiet(source)
        printed = capfd.readouterr()
        error = result.error_in_exec or result.error_before_exec
        text = printed.out + printed.err
        ours = error is None or isinstance(error, (UsageError, MlopsError))
        if not ours or any(mark in text for mark in TRACEBACK_MARKS):
            kind = "no error" if error is None else f"{type(error).__module__}.{type(error).__name__}: {error}"
            failures.append(f"line {i}: %mlops {line!r}\n    -> {kind[:300]}\n    {text.strip()[-600:]}")
    if failures:
        sys.__stderr__.write("\n".join(failures) + "\n")
    assert not failures, f"{len(failures)} of {len(lines)} lines ended in a traceback:\n" + "\n".join(failures[:15])
