"""The columns the model server's ``--capture NAME`` adds beside each request's features, in one place
for the server that writes them and the monitor that reads them.

They start with ``_`` so they never clash with a feature's name. A 1-D prediction is ``_prediction``; a
model returning several columns gives ``_prediction_<column>`` (likewise for the shadow model). Late
labels are a dataset keyed by :data:`LABEL_KEY` (the ``X-Request-Id`` the server returned), matched to the
captured :data:`REQUEST_ID`.
"""

from __future__ import annotations

__all__ = ["LABEL_KEY", "MODEL_ALIAS", "MODEL_VERSION", "PREDICTION", "REQUEST_ID", "SHADOW_PREDICTION",
           "SHADOW_VERSION", "SPECIAL", "TIMESTAMP", "is_capture_column"]

REQUEST_ID = "_request_id"               # the X-Request-Id header of the response: late labels join on it
TIMESTAMP = "_timestamp"                 # when the request was served (a UTC datetime in stored partitions)
PREDICTION = "_prediction"               # what the answering model predicted
MODEL_VERSION = "_model_version"         # which registered version answered
MODEL_ALIAS = "_model_alias"             # through which alias (the primary's or the canary's)
SHADOW_PREDICTION = "_shadow_prediction"  # the shadow model's answer, with --shadow
SHADOW_VERSION = "_shadow_version"

SPECIAL = (REQUEST_ID, TIMESTAMP, PREDICTION, MODEL_VERSION, MODEL_ALIAS, SHADOW_PREDICTION, SHADOW_VERSION)
LABEL_KEY = "request_id"                 # the column of a labels dataset that holds the request id


def is_capture_column(name: object) -> bool:
    """True for a column the server added (not a feature the model received)."""
    text = str(name)
    return text in SPECIAL or text.startswith((PREDICTION + "_", SHADOW_PREDICTION + "_"))
