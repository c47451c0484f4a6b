"""Point an alias back at the version that held it before, recorded like a promotion.

The earlier holders come from the audit trail, replayed as a stack (a promotion pushes, a rollback
pops), so rolling back twice after v1 -> v2 -> v3 lands on v1, not back on v3. Versions deleted since
are skipped.
"""

from __future__ import annotations

from typing import Any

from ..backend import session
from ..errors import MlopsUsageError, NotFound
from .aliases import move_alias
from .audit import AliasEvent, alias_lock, current_holder, history
from .refs import check_alias, check_model_name
from .results import Promotion

__all__ = ["holder_stack", "rollback"]


def holder_stack(events: list[AliasEvent]) -> list[str]:
    """The holders of one alias as a stack, oldest at the bottom, replayed from its events."""
    stack: list[str] = []
    for event in events:
        if event.action == "rollback":
            if stack and stack[-1] == event.from_version:
                stack.pop()
        elif event.from_version and (not stack or stack[-1] != event.from_version):
            stack.append(event.from_version)  # the alias was moved outside our tools before this event
        if event.to_version and (not stack or stack[-1] != event.to_version):
            stack.append(event.to_version)
    return stack


def _exists(client: Any, name: str, version: str) -> bool:
    try:
        client.get_model_version(name, version)
        return True
    except Exception:  # noqa: BLE001 - deleted since
        return False


def rollback(name: str, alias: str, *, reason: str | None = None) -> Promotion:
    """Move ``name@alias`` back to its previous holder."""
    name = check_model_name(name)
    alias = check_alias(alias)
    session.ready()
    client = session.client()
    with alias_lock(name):
        holder = current_holder(client, name, alias)
        if holder is None:
            raise NotFound(f"no version holds {name}@{alias}; nothing to roll back (promote one first)")
        stack = holder_stack(history(client, name, alias))
        if stack and stack[-1] == holder:
            stack.pop()
        while stack and (stack[-1] == holder or not _exists(client, name, stack[-1])):
            stack.pop()
        if not stack:
            raise MlopsUsageError(f"{name}@{alias} (v{holder}) has no earlier holder to roll back to; "
                                  f"see mlops history {name} --alias {alias}")
        target = stack[-1]
        event = move_alias(client, name, alias, target, "rollback", holder, reason)
    return Promotion(name, alias, "rollback", holder, target, True,
                     f"rolled back {name}@{alias}: v{holder} -> v{target}", None, event)
