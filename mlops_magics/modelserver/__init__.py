"""The model server: MLflow's scoring app, plus metrics, alias following, shadow, canary and capture.

The face of :mod:`mlops_magics.core.serving`: ``python -m mlops_magics.modelserver MODEL`` (or
``mlops serve MODEL``) runs uvicorn with :func:`worker.create_app` in each worker.
"""
