"""Plain result objects of the serving commands; HTML lives in :mod:`mlops_magics.render.serving_html`."""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

__all__ = ["PackageResult", "ServedModel", "ServedTable", "StopResult"]


def _age(started: float) -> str:
    seconds = max(0, int(time.time() - started))
    if seconds < 120:
        return f"{seconds} s"
    if seconds < 7200:
        return f"{seconds // 60} min"
    return f"{seconds // 3600} h {seconds % 3600 // 60} min"


@dataclass
class ServedModel:
    """One running server as its card shows it (from the served-process registry and its /mlops/status)."""

    url: str
    pid: int
    source: str
    model: str
    alias: str = ""
    version: str | None = None
    state: str = "serving"  # serving | starting | not answering
    requests: int = 0
    errors: int = 0
    rows: int = 0
    dataset_drift: bool | None = None
    drifted: list[str] = field(default_factory=list)
    features: int = 0
    has_reference: bool = False
    started: float = 0.0
    workers: int = 1
    capture: str | None = None
    capture_rows: int = 0
    shadow: str | None = None
    shadow_version: str | None = None
    shadow_agreement: float | None = None
    canary: str | None = None
    canary_version: str | None = None
    canary_share: float = 0.0
    load_error: str | None = None
    log: str | None = None
    owner_pid: int | None = None

    @property
    def metrics_url(self) -> str:
        return f"{self.url}/metrics"

    @property
    def drift_verdict(self) -> str:
        """``no drift``, ``drift (k of n features)``, ``not computed yet`` or ``no reference``."""
        if self.dataset_drift is None:
            return "not computed yet" if self.has_reference or self.state != "serving" else "no reference"
        if self.dataset_drift:
            return f"drift ({len(self.drifted)} of {self.features} features)"
        return "no drift" + (f" ({len(self.drifted)} of {self.features} features drift)" if self.drifted else "")

    @property
    def version_text(self) -> str:
        return f"v{self.version}" if self.version and self.version.isdigit() else (self.version or "?")

    def lines(self) -> list[str]:
        head = f"{self.source} -> {self.model} {self.version_text} at {self.url} ({self.state}, pid {self.pid}"
        head += f", {self.workers} workers)" if self.workers > 1 else ")"
        out = [head, f"  requests {self.requests} ({self.errors} errors), rows {self.rows}, "
                     f"up {_age(self.started)}; drift: {self.drift_verdict}"]
        if self.canary:
            out.append(f"  canary {self.canary} v{self.canary_version} answers {self.canary_share:.0%}")
        if self.shadow:
            agree = f", agreement {self.shadow_agreement:.1%}" if self.shadow_agreement is not None else ""
            out.append(f"  shadow {self.shadow} v{self.shadow_version}{agree}")
        if self.capture:
            out.append(f"  capture -> dataset {self.capture} ({self.capture_rows} rows captured)")
        if self.load_error:
            out.append(f"  last load failed: {self.load_error}")
        out.append(f"  metrics: {self.metrics_url}")
        return out

    def __repr__(self) -> str:
        return "\n".join(self.lines())

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["drift_verdict"] = self.drift_verdict
        out["metrics_url"] = self.metrics_url
        return out


@dataclass
class ServedTable:
    """Every server of this project (``%mlops serve --status``)."""

    items: list[ServedModel] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.items)

    def __iter__(self):  # noqa: ANN204
        return iter(self.items)

    def __getitem__(self, i: int) -> ServedModel:
        return self.items[i]

    def __repr__(self) -> str:
        if not self.items:
            return "nothing served by this project (start one: mlops serve NAME@ALIAS --port 5001)"
        return "\n".join("\n".join(m.lines()) for m in self.items)

    def to_pandas(self) -> "pd.DataFrame":
        import pandas as pd

        return pd.DataFrame([m.to_dict() for m in self.items])


@dataclass
class StopResult:
    """Servers stopped by ``--stop``."""

    stopped: list[ServedModel] = field(default_factory=list)
    killed: list[int] = field(default_factory=list)  # pids that needed SIGKILL after the grace period

    def __repr__(self) -> str:
        if not self.stopped:
            return "no server stopped (nothing matched)"
        lines = [f"stopped {m.source} at {m.url} (pid {m.pid})" + (" - killed after the grace period"
                                                                     if m.pid in self.killed else "")
                 for m in self.stopped]
        return "\n".join(lines)


@dataclass
class PackageResult:
    """A container build context written by ``mlops package``."""

    out: str
    model: str
    version: str
    alias: str
    base_image: str
    requirements: list[str]
    command: list[str]
    has_reference: bool = False

    def __repr__(self) -> str:
        return "\n".join([
            f"build context for {self.model} v{self.version} ({'@' + self.alias if self.alias else 'pinned'}) "
            f"in {self.out}",
            f"  base image {self.base_image}, {len(self.requirements)} pinned requirements",
            f"  entry: {' '.join(self.command)}",
            f"  drift reference: {'included' if self.has_reference else 'none stored with the version'}",
            f"  build: docker build -t {self.model}:{self.version} {self.out}",
        ])

