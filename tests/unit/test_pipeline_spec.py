"""Loading and validating pipeline files: every problem at once, each with its line."""

from __future__ import annotations

import textwrap

import pytest

from mlops_magics.core.errors import MlopsUsageError
from mlops_magics.core.pipeline import dag
from mlops_magics.core.pipeline.spec import load
from notebook_factory import write_nb


def write_yaml(path, text: str):
    path.write_text(textwrap.dedent(text).lstrip())
    return path


@pytest.fixture
def project(tmp_path):
    write_nb(tmp_path / "prepare.ipynb", "rows = 10\nseed = 0")
    write_nb(tmp_path / "train.ipynb", "n_estimators: int = 100\nlr, depth = 0.1, 3")
    write_nb(tmp_path / "evaluate.ipynb", None, "print('no parameters cell')")
    (tmp_path / "raw.csv").write_text("a\n1\n")
    return tmp_path


def test_valid_pipeline_infers_edges_and_effective_parameters(project):
    path = write_yaml(project / "churn.yaml", """
        name: churn
        params: {seed: 42, n_estimators: 5}
        steps:
          evaluate:
            notebook: evaluate.ipynb
            depends_on: [train]
          train:
            notebook: train.ipynb
            parameters: {depth: 7}
            inputs: [data/../data/train.csv]
            timeout: 60
            retries: 2
          prepare:
            notebook: prepare.ipynb
            parameters: {rows: 20}
            inputs: [raw.csv]
            outputs: [data/train.csv]
        """)
    spec = load(path, params={"seed": 1, "train.lr": 0.5})
    assert spec.name == "churn" and spec.lock_path == project / "churn.lock"
    assert spec.order == ("prepare", "train", "evaluate")
    assert spec.steps["train"].depends_on == ("prepare",)  # inferred from outputs -> inputs
    assert spec.steps["prepare"].parameters == {"seed": 1, "rows": 20}
    assert spec.steps["train"].parameters == {"n_estimators": 5, "depth": 7, "lr": 0.5}
    assert spec.steps["evaluate"].parameters == {}  # declares nothing: pipeline params not injected
    assert spec.steps["train"].timeout == 60 and spec.steps["train"].retries == 2
    assert [i.ref for i in spec.steps["train"].inputs] == ["data/train.csv"]


def test_every_problem_is_reported_at_once_with_its_line(project):
    path = write_yaml(project / "bad.yaml", """
        name: bad
        steps:
          prepare:
            notebook: prepare.ipynb
            parameters: {rows: 5, colour: red}
            outputs: [out.csv]
            timout: 10
          train:
            notebook: missing.ipynb
          evaluate:
            notebook: evaluate.ipynb
            parameters: {k: 1}
            inputs: [nowhere.csv]
            retries: -1
          a:
            notebook: prepare.ipynb
            depends_on: [b]
          b:
            notebook: prepare.ipynb
            depends_on: [a, ghost]
        """)
    with pytest.raises(MlopsUsageError) as info:
        load(path)
    message = str(info.value)
    lines = message.splitlines()
    assert lines[0] == "bad.yaml has 8 problems:"
    expected = [
        "bad.yaml:5: steps.prepare.parameters.colour: notebook prepare.ipynb has no parameter 'colour'",
        "bad.yaml:7: steps.prepare.timout: unknown key 'timout'; did you mean 'timeout'?",
        "bad.yaml:9: steps.train.notebook: notebook missing.ipynb does not exist",
        "bad.yaml:12: steps.evaluate.parameters.k: notebook evaluate.ipynb has no cell tagged 'parameters'",
        "bad.yaml:13: steps.evaluate.inputs.0: nowhere.csv does not exist and no step lists it in its outputs",
        "bad.yaml:14: steps.evaluate.retries: must be between 0 and 20, not -1",
        "steps.b.depends_on.1: there is no step 'ghost'",
        "dependency cycle: a -> b -> a",
    ]
    for fragment in expected:
        assert any(fragment in line for line in lines), (fragment, message)


def test_yaml_syntax_error_and_duplicate_keys(project):
    with pytest.raises(MlopsUsageError, match=r"broken.yaml:3: \(top\): not valid YAML"):
        load(write_yaml(project / "broken.yaml", "steps:\n  a: {notebook: x\n  b: 1\n"))
    path = write_yaml(project / "dup.yaml", """
        steps:
          prepare: {notebook: prepare.ipynb}
          prepare: {notebook: train.ipynb}
        """)
    with pytest.raises(MlopsUsageError, match=r"dup.yaml:3: steps.prepare: duplicate key 'prepare'"):
        load(path)


def test_schema_types_and_overrides(project):
    path = write_yaml(project / "types.yaml", """
        steps:
          prepare:
            notebook: prepare.ipynb
            outputs: out.csv
            timeout: 0
        extra: 1
        """)
    with pytest.raises(MlopsUsageError) as info:
        load(path, params={"nope.rows": 1, "unknown_key": 2})
    text = str(info.value)
    assert "steps.prepare.outputs: must be a list, not 'out.csv'" in text
    assert "steps.prepare.timeout: must be greater than 0, not 0" in text
    assert "extra: unknown key 'extra'" in text
    assert "'nope.rows': there is no step 'nope'" in text
    assert "'unknown_key': no step's notebook declares a parameter 'unknown_key'" in text


def test_same_output_from_two_steps_and_missing_file(project, tmp_path):
    path = write_yaml(project / "two.yaml", """
        steps:
          one: {notebook: prepare.ipynb, outputs: [x.csv]}
          two: {notebook: prepare.ipynb, outputs: [./x.csv]}
        """)
    with pytest.raises(MlopsUsageError, match="x.csv is also an output of step 'one'"):
        load(path)
    with pytest.raises(MlopsUsageError, match="no pipeline file at"):
        load(tmp_path / "nope.yaml")


def test_dag_helpers():
    deps = {"a": (), "b": ("a",), "c": ("a",), "d": ("b", "c"), "e": ()}
    assert dag.topological_order(deps) == ["a", "e", "b", "c", "d"]
    assert dag.layers(deps) == {"a": 0, "e": 0, "b": 1, "c": 1, "d": 2}
    assert dag.downstream(deps, "b") == {"d"}
    assert dag.upstream_closure(deps, ["d"]) == {"a", "b", "c", "d"}
    assert dag.find_cycle(deps) is None
    assert dag.find_cycle({"x": ("z",), "y": ("x",), "z": ("y",)}) == ["x", "y", "z", "x"]
    with pytest.raises(ValueError, match="cycle"):
        dag.topological_order({"x": ("y",), "y": ("x",)})


def test_wrong_types_are_reported_not_crashed_on(project):
    path = write_yaml(project / "w.yaml", """
        params: 3
        steps:
          a: {notebook: prepare.ipynb, parameters: [1], inputs: a, retries: abc, timeout: x, depends_on: a}
          b: [1]
          c: {notebook: 4}
        """)
    with pytest.raises(MlopsUsageError) as info:
        load(path)
    text = str(info.value)
    assert text.startswith("w.yaml has 8 problems:")
    assert "w.yaml:1: params: must be a mapping, not 3" in text
    assert "w.yaml:3: steps.a.retries: must be a whole number, not 'abc'" in text
    assert "w.yaml:4: steps.b: must be a mapping, not [1]" in text


def test_a_cycle_is_reported_with_the_other_problems(project):
    """A missing notebook, an unknown key and a cycle through the step whose notebook is missing: all three
    are reported; the missing notebook's outputs still count as produced (no spurious 'does not exist')."""
    path = write_yaml(project / "c.yaml", """
        steps:
          a:
            notebook: missing.ipynb
            outputs: [a.csv]
            depends_on: [b]
          b:
            notebook: prepare.ipynb
            colour: red
            inputs: [a.csv]
        """)
    with pytest.raises(MlopsUsageError) as info:
        load(path)
    assert str(info.value).splitlines() == [
        "c.yaml has 3 problems:",
        "  c.yaml:2: steps.a: dependency cycle: a -> b -> a",
        f"  c.yaml:3: steps.a.notebook: notebook missing.ipynb does not exist (looked in {project})",
        "  c.yaml:8: steps.b.colour: unknown key 'colour'; allowed: notebook, parameters, inputs, outputs, "
        "depends_on, timeout, retries, kernel, description"]


def test_schema_messages_in_the_files_words(project):
    """jsonschema does the validation; its errors read like the rest: names, bounds, empty values."""
    path = write_yaml(project / "s.yaml", """
        name: "bad name"
        experiment: ""
        params: {2x: 1}
        steps:
          1: {notebook: prepare.ipynb}
          ok: {notebook: prepare.ipynb, retries: 21, outputs: [""]}
        """)
    with pytest.raises(MlopsUsageError) as info:
        load(path)
    text = str(info.value)
    for expected in ("s.yaml:1: name: 'bad name' is not a valid name (letters, digits, _ . -)",
                     "s.yaml:2: experiment: must not be empty",
                     "s.yaml:3: params.2x: '2x' is not a valid name",
                     "s.yaml:5: steps.1: '1' is not a valid name",
                     "s.yaml:6: steps.ok.retries: must be between 0 and 20, not 21",
                     "s.yaml:6: steps.ok.outputs.0: must not be empty"):
        assert expected in text, (expected, text)
    with pytest.raises(MlopsUsageError, match=r"e.yaml:1: steps: needs at least one entry"):
        load(write_yaml(project / "e.yaml", "steps: {}\n"))
    with pytest.raises(MlopsUsageError, match=r"m.yaml:1: \(top\): missing key 'steps'"):
        load(write_yaml(project / "m.yaml", "name: m\n"))


def test_run_options_are_checked_before_anything_runs(project):
    from mlops_magics.core.pipeline.runner import run

    path = write_yaml(project / "ok.yaml", "steps:\n  prepare: {notebook: prepare.ipynb}\n")
    with pytest.raises(MlopsUsageError, match="--executor spark://x: use 'local' or 'dask://HOST:PORT'"):
        run(str(path), executor="spark://x")
    with pytest.raises(MlopsUsageError, match=r"--only nope: no such step \(steps: prepare\)"):
        run(str(path), only=["nope"])
