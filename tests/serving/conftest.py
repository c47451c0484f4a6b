"""Fixtures of the serving tests: one project with registered models per session, servers per test."""

from __future__ import annotations

import pytest

from serving_procs import build_project


@pytest.fixture(scope="session")
def served_project(tmp_path_factory):
    """A project whose embedded store holds churn (v1 @champion, v2 @challenger, both with a drift
    reference) and flip (v1 @champion, v2, v3) for the tests that move aliases."""
    return build_project(tmp_path_factory.mktemp("served") / "project")


@pytest.fixture
def servers():
    """Stops every server a test started, and shows its log when the test failed."""
    started = []
    yield started
    for proc in started:
        try:
            proc.stop()
        except Exception:  # noqa: BLE001 - one stuck server must not hide the others
            pass
