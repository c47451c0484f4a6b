"""The reproducibility check's analysis of a code log: names read and bound, outside state, edited and
re-run cells, which executions a reproduction replays, value comparison, the data pins (no kernel)."""

from __future__ import annotations

import math

import pytest
from IPython.core.inputtransformer2 import TransformerManager

from mlops_magics.core.reproduce.analysis import analyse, lost_bindings, outside_state, prepare
from mlops_magics.core.reproduce.compare import check
from mlops_magics.core.reproduce.replay import build_notebook, select
from mlops_magics.core.reproduce.source import cell_names, neutralise, python_of
from mlops_magics.core.tracking.codelog import source_hash

TO_PYTHON = TransformerManager().transform_cell


def _log(*cells: tuple[str | None, str], errors: dict[int, str] | None = None) -> list[dict]:
    """Code-log records: (cell id, source) in the order they ran, In[1], In[2], ..."""
    errors = errors or {}
    return [{"execution_count": i + 1, "cell_id": cell_id, "sha1": source_hash(source), "source": source,
             "status": "error" if i in errors else "ok", "error": errors.get(i), "child_run_id": None}
            for i, (cell_id, source) in enumerate(cells)]


def test_names_come_from_scopes_not_from_every_name_in_the_cell():
    names = cell_names(
        "import os\n"
        "def f(a, b=default):\n    return [i * a for i in b if i > threshold]\n"
        "squares = [j * j for j in range(n)]\n"
        "scale = lambda t: t * factor\n"
        "df['a'] = 1\n"
        "x = x + 1\n"
        "for k in range(3):\n    total = k + offset\n"
        "with open(path) as fh:\n    text = fh.read()\n"
    )
    # parameters, comprehension and loop variables are not reads; x = x + 1 is
    assert names.reads == {"default", "n", "df", "x", "offset", "path"}
    assert names.deferred == {"threshold", "factor"}  # read when the function is called
    assert names.binds == {"os", "f", "squares", "scale", "x", "k", "total", "fh", "text"}
    assert not names.opaque


def test_global_declarations_bind_and_star_imports_are_opaque():
    assert cell_names("def setup():\n    global model\n    model = 1\n").binds == {"setup", "model"}
    assert cell_names("from math import *\ny = pi").opaque
    assert cell_names("exec('z = 1')").opaque


def test_cell_magic_bodies_are_python_and_other_cell_magics_are_not():
    assert cell_names(python_of("%%mlops track --run-name t\nscore = base * 2\n", TO_PYTHON)).reads == {"base"}
    assert python_of("%%bash\necho $HOME\n", TO_PYTHON) == ""
    assert cell_names(python_of("files = !ls\n%mlops log metric a=1\n", TO_PYTHON)).binds == {"files"}


def test_our_own_lines_are_neutralised_but_tracked_cells_stay():
    source = "%load_ext mlops_magics\n%mlops track --experiment e\nif True:\n    %mlops stop\n"
    out = neutralise(source)
    assert "%mlops track" not in out.replace("was: %mlops track", "")
    assert "    pass  # (mlops reproduce) was: %mlops stop" in out
    assert compile(TO_PYTHON(out), "<cell>", "exec")  # still valid Python
    assert neutralise("%%mlops track --run-name t\nx = 1\n") == "%%mlops track --run-name t\nx = 1\n"


def test_a_variable_defined_before_tracking_is_outside_state():
    cells = prepare(_log((None, "%mlops track"), (None, "y = x * 2"), (None, "x = 1\nz = x + y")), TO_PYTHON)
    (cause,) = outside_state(cells)
    assert cause.kind == "outside-state" and cause.cells == (2,)
    assert cause.text == ("variables defined before %mlops track (no earlier recorded cell sets them): "
                          "x (read by In[2]; set only later, by In[3])")


def test_functions_reading_names_no_cell_sets_are_named_but_late_bindings_are_not():
    cells = prepare(_log((None, "def f():\n    return later + missing"), (None, "later = 1\nf()")), TO_PYTHON)
    (cause,) = outside_state(cells)
    assert "missing (a function defined in In[1])" in cause.text and "later" not in cause.text


def test_builtins_imports_and_ipython_names_are_never_outside_state():
    cells = prepare(_log((None, "import numpy as np\nprint(len(np.arange(3)))\n_ = In\ndisplay(_i1)")), TO_PYTHON)
    assert outside_state(cells) == []


def test_each_cell_once_in_its_last_version_where_it_first_ran():
    records = _log(("a", "x = 1"), ("b", "y = x * 2"), ("a", "x = 5"), ("c", "z = x + y"), (None, "w = 0"),
                   (None, "w = 0"))
    cells = prepare(records, TO_PYTHON)
    assert [r.index for r in select(cells, exact=False)] == [2, 1, 3, 4, 5]  # a's last version at a's place
    assert [r.index for r in select(cells, exact=True)] == [0, 1, 2, 3, 4, 5]


def test_a_cell_edited_after_it_ran_is_pointed_at():
    records = _log(("a", "x = 1\nscale = 3"), ("b", "y = x * scale"), ("a", "x = 5"), ("c", "z = x + y"))
    cells = prepare(records, TO_PYTHON)
    (lost,) = lost_bindings(select(cells, exact=False), cells)
    assert lost.kind == "edited" and "In[2] read 'scale', set by In[1]" in lost.text and lost.cells == (1, 2)
    found = analyse(cells, select(cells, exact=False), stale_tags={}, ended_ms=None, cwd=None, notebook=None)
    kinds = {c.kind: c for c in found}
    assert "cell a was edited after it ran: In[1] ran version 1; In[3] ran version 2" in kinds["edited"].text
    assert kinds["stale-input"].text.startswith("In[4] read 'y' (computed from 'x', which was reassigned")


def test_a_cell_rerun_after_its_reader_is_out_of_order_for_the_replay():
    records = _log(("q", "print('first')"), ("p", "x = 1"), ("q", "y = x"))
    cells = prepare(records, TO_PYTHON)
    (cause,) = lost_bindings(select(cells, exact=False), cells)
    assert cause.kind == "out-of-order" and "In[3] read 'x', set by In[2]" in cause.text


def test_interrupted_cells_are_named_and_shown_not_run(tmp_path):
    records = _log((None, "%mlops track"), (None, "for i in range(10**9): pass"),
                   errors={1: "KeyboardInterrupt: "})
    cells = prepare(records, TO_PYTHON)
    found = analyse(cells, cells, stale_tags={}, ended_ms=None, cwd=tmp_path, notebook=None)
    assert [c.kind for c in found] == ["interrupted"] and found[0].cells == (2,)
    nb = build_notebook(cells, "orig", "new", "python3")
    assert [c.cell_type for c in nb.cells] == ["markdown", "code", "code", "markdown", "code"]
    assert "10**9" in nb.cells[3].source


def test_cells_that_raised_keep_raising_without_stopping_the_replay():
    cells = prepare(_log((None, "1 / 0"), (None, "ok = 1"), errors={0: "ZeroDivisionError: division by zero"}),
                    TO_PYTHON)
    nb = build_notebook(cells, "orig", "new", "python3")
    assert nb.cells[2].metadata["tags"] == ["raises-exception"]
    assert "tags" not in nb.cells[3].metadata


def test_files_changed_after_the_run_ended_are_named(tmp_path):
    (tmp_path / "prices.csv").write_text("a\n1\n")
    cells = prepare(_log((None, "import pandas as pd\ndf = pd.read_csv('prices.csv')")), TO_PYTHON)
    ended = int((tmp_path / "prices.csv").stat().st_mtime * 1000) - 60_000  # the run ended a minute earlier
    found = analyse(cells, cells, stale_tags={}, ended_ms=ended, cwd=tmp_path, notebook=None)
    assert [c.kind for c in found] == ["file-changed"] and "prices.csv (named in In[1])" in found[0].text
    assert analyse(cells, cells, stale_tags={}, ended_ms=ended + 120_000, cwd=tmp_path, notebook=None) == []


@pytest.mark.parametrize(("original", "new", "rtol", "atol", "ok"), [
    (1.0, 1.0, 0.0, 0.0, True),
    (1.0, 1.0 + 1e-9, 1e-7, 0.0, True),
    (1.0, 1.001, 1e-7, 0.0, False),
    (1.0, 1.001, 1e-2, 0.0, True),
    (0.0, 1e-9, 1e-7, 0.0, False),
    (0.0, 1e-9, 0.0, 1e-8, True),
    (math.nan, math.nan, 0.0, 0.0, True),
    (math.nan, 1.0, 0.0, 0.0, False),
    ("0.001", "1e-3", 0.0, 0.0, True),  # params read as numbers when both are
    ("gini", "gini", 0.0, 0.0, True),
    ("gini", "entropy", 0.0, 0.0, False),
    (2.0, None, 0.0, 0.0, False),
])
def test_values_agree_by_numpys_rule(original, new, rtol, atol, ok):
    result = check("notebook", "metric", "m", original, new, rtol, atol)
    assert result.ok is ok
    if ok and isinstance(original, float) and not math.isnan(original):
        assert result.abs_diff == pytest.approx(abs(new - original))


def test_the_saved_notebook_shows_cells_run_out_of_order_and_edited_since(tmp_path):
    import nbformat

    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell("x = 1"), nbformat.v4.new_code_cell("y = x + 1"),
                nbformat.v4.new_code_cell("z = y * 3")]
    ids = [c.id for c in nb.cells]
    nbformat.write(nb, tmp_path / "work.ipynb")
    records = _log((ids[0], "x = 1"), (ids[2], "z = 2"), (ids[1], "y = x + 1"))  # the third cell ran second
    cells = prepare(records, TO_PYTHON)
    found = analyse(cells, cells, stale_tags={}, ended_ms=None, cwd=tmp_path, notebook=tmp_path / "work.ipynb")
    texts = [c.text for c in found]
    assert "In[3] (cell 2 of the notebook) ran after In[2] (cell 3)" in texts
    assert ("cell 3 of work.ipynb was edited after its last run (In[2]): the saved notebook no longer has the code "
            "that ran") in texts
