"""``serve``: the arguments of ``mlops serve``, ``%mlops serve`` and ``python -m mlops_magics.modelserver``.

Options left out stay None here; their defaults (shown in the help) are applied by ``ServeOptions``, so
a face can tell what was given (``--stop --port 5001`` vs ``--stop``).
"""

from __future__ import annotations

import argparse
import dataclasses

from ..core.serving.options import ServeOptions
from . import Face

__all__ = ["DESCRIPTION", "SUMMARY", "add_arguments"]

SUMMARY = "serve a model (metrics, alias following, shadow, canary, capture of traffic as data)"
DESCRIPTION = ("Serve MODEL with MLflow's scoring server plus /metrics (Prometheus); NAME@ALIAS is followed live "
               "(a promotion swaps the new version in); --shadow, --canary, --capture of production traffic as a "
               "dataset. In a notebook it runs in a background process and returns a card; from the shell, in "
               "the foreground (Ctrl-C stops it).")


def add_arguments(parser: argparse.ArgumentParser, face: Face) -> None:
    """MODEL, the server's options, and --status / --stop (``face``: ``magic`` or ``cli``, same options)."""
    d = {f.name: f.default for f in dataclasses.fields(ServeOptions)}
    parser.add_argument("model", nargs="?", metavar="MODEL",
                        help="NAME@ALIAS (followed live), NAME@vN, NAME@latest, or a model / package folder")
    parser.add_argument("--port", type=int, help=f"port to listen on (default {d['port']}; 0: any free port)")
    parser.add_argument("--host", help=f"address to listen on (default {d['host']})")
    parser.add_argument("--workers", type=int,
                        help="uvicorn worker processes; metrics are summed across them (default 1)")
    parser.add_argument("--shadow", metavar="ALIAS",
                        help="also score every request with this alias's model, off the response path")
    parser.add_argument("--canary", metavar="ALIAS", help="answer --canary-share of the requests from this alias")
    parser.add_argument("--canary-share", type=float, metavar="SHARE",
                        help=f"share of requests (by request id) the canary answers (default {d['canary_share']})")
    parser.add_argument("--capture", metavar="NAME",
                        help="append requests, predictions, version and request id to dataset NAME")
    parser.add_argument("--capture-rows", type=int, metavar="N",
                        help=f"close a capture partition (a new version) after N rows (default {d['capture_rows']})")
    parser.add_argument("--capture-seconds", type=float, metavar="S",
                        help=f"... or S seconds after its first row (default {d['capture_seconds']:g})")
    parser.add_argument("--poll-interval", type=float, metavar="S",
                        help=f"check every S seconds whether the alias moved (default {d['poll_interval']:g})")
    parser.add_argument("--drift-window", type=int, metavar="N",
                        help=f"drift is scored on the last N request rows (default {d['drift_window']})")
    parser.add_argument("--drift-every", type=int, metavar="N",
                        help=f"recompute drift after N new rows (default {d['drift_every']})")
    parser.add_argument("--drift-seconds", type=float, metavar="S",
                        help=f"... or S seconds after the last computation (default {d['drift_seconds']:g})")
    parser.add_argument("--reference", metavar="FILE",
                        help="drift reference summary (.json) for a model folder (NAME@REF uses the stored one)")
    parser.add_argument("--timeout", type=int, metavar="S",
                        help="request timeout in seconds (default: MLFLOW_SCORING_SERVER_REQUEST_TIMEOUT, 60)")
    parser.add_argument("--access-log", action="store_true",
                        help="log every request (uvicorn's access log; off: /metrics counts them)")
    parser.add_argument("--status", action="store_true", help="list what this project serves")
    parser.add_argument("--stop", action="store_true",
                        help="stop MODEL's server(s) (or --port's); with neither, those this kernel started, "
                             "or from the shell every server of this project")
    parser.add_argument("--owner-pid", type=int, help=argparse.SUPPRESS)  # the kernel that started it
    parser.add_argument("--log-level", default="info", choices=("debug", "info", "warning", "error"),
                        help="server log level (default info)")
