"""Move an alias and record the move, as one step: if the record cannot be written the alias goes back."""

from __future__ import annotations

from typing import Any

from .audit import AliasEvent, record_event

__all__ = ["move_alias"]


def move_alias(client: Any, model: str, alias: str, to_version: str, action: str, holder: str | None,
               reason: str | None = None) -> AliasEvent:
    """Point ``model@alias`` at ``to_version`` and append the event (call under ``alias_lock``)."""
    client.set_registered_model_alias(model, alias, str(to_version))
    try:
        return record_event(client, model, alias, action, holder, to_version, reason)
    except BaseException:
        try:
            if holder is None:
                client.delete_registered_model_alias(model, alias)
            else:
                client.set_registered_model_alias(model, alias, str(holder))
        except Exception:  # noqa: BLE001 - the original failure is the one to report
            pass
        raise
