"""The options of one model server, checked once, passed to worker processes as JSON."""

from __future__ import annotations

import dataclasses
import json
import os
from dataclasses import dataclass
from typing import Any

from ..errors import MlopsUsageError

__all__ = ["ENV_CONFIG", "ServeOptions"]

ENV_CONFIG = "MLOPS_SERVE_CONFIG"  # how the supervisor hands the options to uvicorn's worker processes


@dataclass(frozen=True)
class ServeOptions:
    """What ``mlops serve MODEL ...`` was asked for (see :mod:`mlops_magics.commands.serve`)."""

    model: str
    host: str = "127.0.0.1"
    port: int = 5001
    workers: int = 1
    shadow: str | None = None
    canary: str | None = None
    canary_share: float = 0.05
    capture: str | None = None
    capture_rows: int = 50_000
    capture_seconds: float = 600.0
    poll_interval: float = 10.0
    drift_window: int = 5_000
    drift_every: int = 500
    drift_seconds: float = 30.0
    reference: str | None = None
    timeout: int | None = None
    owner_pid: int | None = None
    log_level: str = "info"
    access_log: bool = False
    home: str | None = None  # the store (MLOPS_HOME) the server reads models and writes captures in

    @classmethod
    def from_args(cls, args: Any, home: str | None = None) -> "ServeOptions":
        """From parsed arguments (any object with the attributes of :func:`commands.serve.add_arguments`)."""
        if not getattr(args, "model", None):
            raise MlopsUsageError("name the model to serve, e.g. serve churn@champion --port 5001")
        names = {f.name for f in dataclasses.fields(cls)}
        values = {k: v for k, v in vars(args).items() if k in names and v is not None}
        if "canary_share" in values and not values.get("canary"):
            raise MlopsUsageError("--canary-share needs --canary ALIAS (the alias that answers that share)")
        values["home"] = home
        return cls(**values).checked()

    def checked(self) -> "ServeOptions":
        """Self, or a one-line :class:`MlopsUsageError` naming the bad option."""
        if not 0 <= self.port <= 65535:
            raise MlopsUsageError(f"--port {self.port}: a port is between 1 and 65535 (0 picks a free one)")
        if not 1 <= self.workers <= 64:
            raise MlopsUsageError(f"--workers {self.workers}: give 1 to 64 worker processes")
        if not 0 < self.canary_share < 1:
            raise MlopsUsageError(f"--canary-share {self.canary_share}: give a share between 0 and 1, e.g. 0.05")
        for flag, value in (("--capture-rows", self.capture_rows), ("--drift-window", self.drift_window),
                            ("--drift-every", self.drift_every)):
            if value < 1:
                raise MlopsUsageError(f"{flag} {value}: give a positive number of rows")
        for flag, value in (("--capture-seconds", self.capture_seconds), ("--poll-interval", self.poll_interval),
                            ("--drift-seconds", self.drift_seconds)):
            if not value > 0:
                raise MlopsUsageError(f"{flag} {value}: give a positive number of seconds")
        if self.timeout is not None and self.timeout < 1:
            raise MlopsUsageError(f"--timeout {self.timeout}: give a positive number of seconds")
        if self.capture is not None:
            from ..datastore.names import validate_name

            validate_name(self.capture)
        if self.reference is not None and not os.path.isfile(self.reference):
            raise MlopsUsageError(f"--reference {self.reference}: no such file; give a reference summary .json")
        return self

    def to_argv(self) -> list[str]:
        """The command-line words that reproduce these options (for a background server process)."""
        words = [self.model]
        defaults = {f.name: f.default for f in dataclasses.fields(self)}
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            if f.name in ("model", "home") or value is None or value == defaults[f.name]:
                continue
            flag = f"--{f.name.replace('_', '-')}"
            words += [flag] if value is True else [flag, str(value)]
        return words

    def to_json(self) -> str:
        return json.dumps(dataclasses.asdict(self))

    @classmethod
    def from_json(cls, text: str) -> "ServeOptions":
        return cls(**json.loads(text))
