"""The names of the special columns the model server's ``--capture NAME`` writes beside the features.

Kept here, and only here, so they can be aligned with the serving side in one place. Every other column
of a captured row is a feature the model received.
"""

from __future__ import annotations

__all__ = ["MODEL_VERSION", "PREDICTION", "REQUEST_ID", "SHADOW_PREDICTION", "SPECIAL", "TIMESTAMP"]

REQUEST_ID = "request_id"            # joins late labels to the request they belong to
TIMESTAMP = "timestamp"              # when the request was served (UTC)
PREDICTION = "prediction"            # what the served model answered
MODEL_VERSION = "model_version"      # which registered version answered
SHADOW_PREDICTION = "shadow_prediction"  # a shadow model's answer, when one runs beside the served one

SPECIAL = (REQUEST_ID, TIMESTAMP, PREDICTION, MODEL_VERSION, SHADOW_PREDICTION)
