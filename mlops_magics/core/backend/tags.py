"""Names of the tags mlops_magics writes on MLflow runs (MLflow's own ``mlflow.*`` tags where one exists)."""

CLIENT = "mlops.client"              # "mlops_magics" on every run we start
KIND = "mlops.kind"                  # notebook | cell | script
HEARTBEAT = "mlops.heartbeat"        # epoch seconds, refreshed while the run is alive
HOST = "mlops.host"
PID = "mlops.pid"
NOTEBOOK = "mlops.notebook"          # path of the notebook that ran it, when known
CELL_HASH = "mlops.cell.sha1"
EXECUTION_COUNT = "mlops.cell.execution_count"
GIT_DIRTY = "mlops.git.dirty"
STALE = "mlops.stale_inputs"         # names read by a tracked cell whose value may be stale
REAPED = "mlops.reaped"              # why a run was ended by the reaper
OUTCOME = "mlops.outcome"            # a pipeline step's one-line decision (core/backend/outcome.py)
MODEL_DATA = "mlops.data_versions"   # on a registered model version: the data versions it was trained on

# MLflow's own
PARENT = "mlflow.parentRunId"
RUN_NAME = "mlflow.runName"
SOURCE_NAME = "mlflow.source.name"
SOURCE_TYPE = "mlflow.source.type"
GIT_COMMIT = "mlflow.source.git.commit"
USER = "mlflow.user"

CLIENT_NAME = "mlops_magics"
