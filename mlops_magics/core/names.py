"""Names users give things, checked where they come in, with one message that says what is allowed.

Keys of params, metrics and tags follow MLflow's own rules, read from ``mlflow.utils.validation`` (its
public helpers ``validate_param_and_metric_name``, ``path_not_unique`` and ``bad_character_message``, and
its limits ``MAX_ENTITY_KEY_LENGTH``, ``MAX_PARAM_VAL_LENGTH``, ``MAX_EXPERIMENT_NAME_LENGTH``), so a key
we accept is one MLflow stores. Model names follow MLflow's ``_validate_model_name`` (no ``/`` or ``:``,
and the name must not read as another path); we check it with the same public helpers. Experiment and run
names get MLflow's limits plus what keeps them usable as folder names and on one line. Dataset names are
checked by :mod:`mlops_magics.core.datastore.names`.

MLflow is imported only when a check runs (never at ``%load_ext``).
"""

from __future__ import annotations

import hashlib
import math
import numbers
import re
from typing import Any

from .errors import MlopsUsageError

__all__ = [
    "MAX_RUN_NAME",
    "check_artifact_path",
    "check_experiment_name",
    "check_key",
    "check_metric_value",
    "check_model_name",
    "check_run_name",
    "check_step",
    "folder_name",
    "short_repr",
]

MAX_RUN_NAME = 250  # MLflow's runs.name column
MAX_MODEL_NAME = 256  # MLflow's registered_models.name column
MAX_FILE_NAME = 255  # bytes in one path component on the usual filesystems (NAME_MAX)
MAX_FOLDER = 100  # characters of an experiment's artifact folder name (longer ones end in a hash)
STEP_RANGE = (-(2**63), 2**63 - 1)  # a metric step is a 64-bit integer in every MLflow store
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_FOLDER_CHARS = re.compile(r"[^A-Za-z0-9._-]")


def short_repr(value: Any, limit: int = 40) -> str:
    """``repr(value)`` cut to ``limit`` characters; never raises (huge ints, broken ``__repr__``)."""
    if isinstance(value, int) and not isinstance(value, bool) and value.bit_length() > 128:
        digits = int(value.bit_length() * math.log10(2)) + 1
        return f"{'-' if value < 0 else ''}<an integer of about {digits} digits>"
    try:
        text = repr(value)
    except Exception:  # noqa: BLE001 - a user object whose __repr__ fails
        text = f"<{type(value).__name__}>"
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _validation() -> Any:
    # The package first: while the warm-up thread imports it, this waits holding no import lock. Going
    # straight for the submodule would hold its lock while waiting for the package, and the warm-up,
    # reaching the same submodule, would get it half initialised.
    import mlflow  # noqa: F401
    from mlflow.utils import validation

    return validation


def check_key(kind: str, key: Any) -> str:
    """A param / metric / tag key MLflow accepts, else a one-line error naming it and saying what is allowed."""
    v = _validation()
    text = key if isinstance(key, str) else str(key)
    shown = short_repr(text, 60)
    if not text.strip():
        raise MlopsUsageError(f"a {kind} name is empty; name it, e.g. accuracy")
    if not v.validate_param_and_metric_name(text):
        raise MlopsUsageError(f"{kind} name {shown} is not allowed: {v.bad_character_message()}")
    if v.path_not_unique(text):
        raise MlopsUsageError(
            f"{kind} name {shown} is not allowed: no leading '/', no '.' or '..' parts, no '//' and no "
            "trailing '/' (MLflow may store names as paths)")
    if len(text) > v.MAX_ENTITY_KEY_LENGTH:
        raise MlopsUsageError(f"{kind} name {shown} is {len(text)} characters long; MLflow allows at most "
                              f"{v.MAX_ENTITY_KEY_LENGTH}")
    return text


def max_param_length() -> int:
    """MLflow's limit on the length of a param value."""
    return int(_validation().MAX_PARAM_VAL_LENGTH)


def check_metric_value(key: str, value: Any) -> float:
    """``value`` as the float MLflow stores: a real number (not a bool) that fits in a float."""
    if isinstance(value, bool) or type(value).__name__ == "bool_" or not isinstance(value, numbers.Real):
        raise MlopsUsageError(f"metric {key}={short_repr(value)} is not a number")
    try:
        number = float(value)
    except (OverflowError, ValueError, TypeError):
        raise MlopsUsageError(
            f"metric {key}={short_repr(value)} is too large for a metric (a 64-bit float holds up to about "
            "1.8e308); log its logarithm or a scaled value") from None
    return number


def check_step(step: Any) -> int:
    """A metric step: a whole number that fits in 64 bits."""
    try:
        number = int(step or 0)
    except (TypeError, ValueError, OverflowError):
        raise MlopsUsageError(f"step {short_repr(step)} is not a whole number") from None
    if not STEP_RANGE[0] <= number <= STEP_RANGE[1]:
        raise MlopsUsageError(f"step {short_repr(number)} is out of range: MLflow stores steps as 64-bit integers")
    return number


def _one_line_name(what: str, name: Any, limit: int, example: str) -> str:
    if not isinstance(name, str):
        raise MlopsUsageError(f"the {what} name must be text, not {type(name).__name__}")
    shown = short_repr(name, 60)
    if not name.strip():
        raise MlopsUsageError(f"the {what} name is empty; name it, e.g. {example}")
    if _CONTROL.search(name):
        raise MlopsUsageError(f"the {what} name {shown} has control characters (a newline, a tab, ...); "
                              "use one line of printable text")
    if name != name.strip():
        raise MlopsUsageError(f"the {what} name {shown} starts or ends with spaces; remove them")
    if len(name) > limit:
        raise MlopsUsageError(f"the {what} name is {len(name)} characters long; MLflow allows at most {limit}")
    return name


def check_experiment_name(name: Any) -> str:
    """An experiment name: one line of printable text, at most MLflow's 500 characters, not only dots."""
    limit = int(_validation().MAX_EXPERIMENT_NAME_LENGTH)
    name = _one_line_name("experiment", name, limit, "churn")
    if set(name) <= {".", "/"}:
        raise MlopsUsageError(f"'{name}' is not a usable experiment name (it reads as a folder); "
                              "use letters or digits, e.g. churn")
    return name


def check_run_name(name: Any) -> str:
    """A run name: one line of printable text, at most 250 characters."""
    return _one_line_name("run", name, MAX_RUN_NAME, "baseline")


def check_model_name(name: Any) -> str:
    """A registered-model name MLflow accepts and our references can carry (``NAME@REF``, filters)."""
    v = _validation()
    text = name if isinstance(name, str) else ""
    allowed = ("no '/', ':', '@', quotes, backticks, spaces around it or control characters, "
               f"not '.' or '..', at most {MAX_MODEL_NAME} characters (e.g. churn)")
    bad = (not text.strip() or text != text.strip() or _CONTROL.search(text)
           or set("/:@'\"`\\") & set(text) or v.path_not_unique(text))
    if bad:
        raise MlopsUsageError(f"{short_repr(name, 60)} is not a usable model name: {allowed}")
    if len(text) > MAX_MODEL_NAME:
        raise MlopsUsageError(f"the model name is {len(text)} characters long; {allowed}")
    return text


def check_artifact_path(path: str | None) -> str | None:
    """A folder inside a run's artifacts: relative, no ``..``, each part a usable file name."""
    if path is None:
        return None
    v = _validation()
    text = str(path)
    if not text.strip() or _CONTROL.search(text) or "\\" in text or v.path_not_unique(text):
        raise MlopsUsageError(
            f"--path {short_repr(text, 60)} is not a folder inside the run's artifacts: give a relative path "
            "without '..', '.' or '//' parts and without a leading or trailing '/' (e.g. plots/roc)")
    if any(len(part.encode()) > MAX_FILE_NAME for part in text.split("/")):
        raise MlopsUsageError(f"--path has a part longer than {MAX_FILE_NAME} bytes; use shorter folder names")
    return text


def folder_name(name: str) -> str:
    """A file-system-safe folder name for ``name`` (an experiment's artifact folder).

    Keeps letters, digits, ``-``, ``_`` and ``.`` (anything else becomes ``_``); never ``.``, ``..`` or a
    hidden name; a name longer than 100 characters is cut and ends in a short hash of the original.
    """
    safe = _FOLDER_CHARS.sub("_", name)
    if not safe.strip("."):
        safe = "experiment"
    elif safe.startswith("."):
        safe = "_" + safe
    if len(safe) > MAX_FOLDER:
        digest = hashlib.sha1(name.encode("utf-8", "surrogatepass")).hexdigest()[:12]
        safe = f"{safe[:MAX_FOLDER - 13]}-{digest}"
    return safe

