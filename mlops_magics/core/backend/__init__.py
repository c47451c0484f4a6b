"""The ground every capability stands on: settings, the session (warm-up, MLflow client), the embedded
store, MLflow tag names and table-file reading."""
