"""Names checked at the edge (issue 12): one message that says what is allowed, MLflow's own rules."""

from __future__ import annotations

import pytest

from mlops_magics.core import names
from mlops_magics.core.errors import MlopsUsageError
from mlops_magics.core.registry.refs import parse_ref


def _refused(check, value, why: str) -> str:
    with pytest.raises(MlopsUsageError, match=why) as info:
        check(value)
    assert "\n" not in str(info.value)
    return str(info.value)


@pytest.mark.parametrize("key", ["accuracy", "train/loss", "val acc", "f1:macro", "a.b-c_d", "x" * 250])
def test_keys_mlflow_accepts_pass(key):
    assert names.check_key("metric", key) == key


def test_keys_mlflow_refuses_say_why():
    assert "Names may only contain" in _refused(lambda k: names.check_key("metric", k), 'bad"name', "not allowed")
    _refused(lambda k: names.check_key("param", k), "a//b", "no '//'")
    _refused(lambda k: names.check_key("tag", k), "x" * 251, "at most 250")
    _refused(lambda k: names.check_key("metric", k), "  ", "empty")


@pytest.mark.parametrize("name, why", [
    ("a/b", "not a usable model name"), ("a:b", "not a usable model name"), (".", "not a usable model name"),
    ("..", "not a usable model name"), ("../x", "not a usable model name"), ("churn@v1", "not a usable model name"),
    (" churn", "not a usable model name"), ("m" * 257, "257 characters long"), ("", "not a usable model name"),
])
def test_model_names(name, why):
    message = _refused(names.check_model_name, name, why)
    assert "e.g. churn" in message  # says what is allowed


def test_model_references_with_bad_names_or_huge_versions_are_one_line():
    _refused(parse_ref, "a/b@v1", "not a usable model name")
    _refused(parse_ref, "churn@v99999999999999999999", "no model has that many versions")
    assert parse_ref("churn model@champion").name == "churn model"


@pytest.mark.parametrize("name", ["churn", "team/churn", "Churn (2026) - test", "e" * 500])
def test_experiment_names_mlflow_accepts_pass(name):
    assert names.check_experiment_name(name) == name


@pytest.mark.parametrize("name, why", [
    ("..", "reads as a folder"), ("./", "reads as a folder"), ("e" * 501, "at most 500"),
    ("a\nb", "control characters"), (" churn", "spaces"), ("", "empty"),
])
def test_experiment_names_refused(name, why):
    _refused(names.check_experiment_name, name, why)


def test_run_names():
    assert names.check_run_name("baseline v2") == "baseline v2"
    _refused(names.check_run_name, "r" * 251, "at most 250")
    _refused(names.check_run_name, "tab\there", "control characters")


def test_artifact_folder_names_stay_safe_and_distinct():
    assert names.folder_name("churn") == "churn"
    assert names.folder_name("team/churn") == "team_churn"  # as before: existing experiments keep theirs
    for dots in (".", "..", "..."):
        assert names.folder_name(dots) == "experiment"
    assert names.folder_name(".hidden") == "_.hidden"
    a, b = names.folder_name("a" * 300), names.folder_name("a" * 299 + "b")
    assert a != b and len(a) == len(b) == 100


@pytest.mark.parametrize("path", ["/abs/path", "../up", "a//b", "a/", ".", "a/../b", "x" * 256, "a\\b"])
def test_artifact_paths_refused(path):
    _refused(names.check_artifact_path, path, "not a folder inside the run's artifacts|longer than 255")


def test_values():
    assert names.check_metric_value("acc", 0.5) == 0.5
    assert names.check_metric_value("n", 10**300) == 1e300
    _refused(lambda v: names.check_metric_value("big", v), 10**400, "about 401 digits.*too large")
    _refused(lambda v: names.check_metric_value("flag", v), True, "not a number")
    _refused(names.check_step, 2**63, "64-bit")
    assert names.short_repr(10**5000) == "<an integer of about 5001 digits>"
