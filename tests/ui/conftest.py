"""The browser every ui test drives: Debian's chromium through Playwright (never `playwright install`)."""

from __future__ import annotations

import pytest
from lab_page import CHROMIUM, CHROMIUM_ARGS, require_chromium


@pytest.fixture(scope="module")
def browser():
    """A headless chromium for the module's tests (skipped, saying why, when chromium is not installed)."""
    require_chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield chromium
        chromium.close()
