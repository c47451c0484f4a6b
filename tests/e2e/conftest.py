"""Fixtures of the end-to-end tests: a real kernel in the test's project folder."""

from __future__ import annotations

import os

import pytest
from jupyter_client import KernelManager


@pytest.fixture
def kernel(mlops_home):
    """``(manager, client)`` of a real python3 kernel started in the project folder, channels ready.

    Shut down at the end (forcefully: tests that need a graceful end shut the kernel down themselves)."""
    km = KernelManager(kernel_name="python3")
    km.start_kernel(cwd=str(mlops_home.parent), env={**os.environ})
    kc = km.client()
    kc.start_channels()
    kc.wait_for_ready(timeout=60)
    yield km, kc
    kc.stop_channels()
    if km.is_alive():
        km.shutdown_kernel(now=True)
