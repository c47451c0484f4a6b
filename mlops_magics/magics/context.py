"""What a sub-command receives: the shell, the magic line's words and the cell body."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

__all__ = ["MagicContext"]


@dataclass
class MagicContext:
    """One invocation of ``%mlops`` / ``%%mlops``."""

    shell: Any  # IPython InteractiveShell
    argv: list[str]
    cell: str | None = None
    local_ns: dict[str, Any] | None = None

    @property
    def user_ns(self) -> dict[str, Any]:
        """The namespace user variables are looked up in."""
        if self.local_ns is not None:
            return {**self.shell.user_ns, **self.local_ns}
        return self.shell.user_ns

    def variable(self, name: str) -> Any:
        """A user variable by name, or a ``UsageError`` that says it is not defined."""
        from IPython.core.error import UsageError

        ns = self.user_ns
        if name not in ns:
            raise UsageError(f"no variable named '{name}' in the notebook; define it first")
        return ns[name]
