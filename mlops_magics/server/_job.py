"""The worker process of a panel job: ``python -m mlops_magics.server._job REQUEST.json RESULT.json``.

Runs in its own process (working directory: the Jupyter server's root) so a long notebook, a
crash or a pipeline's signal handling never touches the Jupyter server.
"""

from __future__ import annotations

import json
import os
import sys
import traceback


def main(request_file: str, result_file: str) -> int:
    with open(request_file, encoding="utf-8") as fh:
        request = json.load(fh)
    try:
        from mlops_magics.core.panel.notebook_job import run_notebook

        result = run_notebook(request["notebook"], request.get("parameters") or {})
    except BaseException as exc:  # noqa: BLE001 - reported to the panel, never a silent exit
        lines = str(exc).strip().splitlines()
        result = {"ok": False, "state": "failed", "error": lines[-1] if lines else type(exc).__name__,
                  "detail": traceback.format_exc()[-4000:]}
    tmp = result_file + ".tmp"
    with open(tmp, "w", encoding="utf-8") as fh:
        json.dump(result, fh)
    os.replace(tmp, result_file)
    return 0 if result.get("ok") else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2]))
