"""Browser fixtures: Debian's chromium driven by Playwright, screenshots kept for people to look at.

The browser is the system's chromium (`make test` installs it with apt-get when missing), started
through Playwright with its executable path: no browser download. Where chromium or Playwright is
missing the browser tests skip and say why. Every test can save screenshots with `shot(page,
name)`; they land in `test-output/screenshots/` (or `$AGENTFLOOR_TEST_OUTPUT/screenshots`).
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

CHROMIUM_PATHS = ("/usr/bin/chromium", "/usr/bin/chromium-browser")
ROOT = Path(__file__).resolve().parents[3]


def _chromium() -> str | None:
    configured = os.environ.get("AGENTFLOOR_CHROMIUM")
    for path in (configured, *CHROMIUM_PATHS, shutil.which("chromium")):
        if path and Path(path).is_file() and os.access(path, os.X_OK):
            return path
    return None


@pytest.fixture(scope="package")
def browser() -> Iterator[Any]:
    """One headless chromium for the browser tests.

    Package-scoped, not session-scoped: Playwright's sync API keeps an event loop running in the
    main thread while it is open, and tests after these ones call `asyncio.run`.
    """
    executable = _chromium()
    if executable is None:
        pytest.skip(
            "chromium is not installed (make test installs Debian's package with apt-get; "
            "set AGENTFLOOR_CHROMIUM to another executable)"
        )
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:  # pragma: no cover - a dev dependency
        pytest.skip("playwright is not installed: run `make test` (it installs the dev extras)")
    with sync_playwright() as p:
        launched = p.chromium.launch(
            executable_path=executable, headless=True, args=["--no-sandbox"]
        )
        yield launched
        launched.close()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    """A fresh browser context (its own storage) and page at 1280x800."""
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    context.set_default_timeout(15_000)
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture(scope="session")
def screenshots() -> Path:
    """The folder screenshots go to."""
    base = Path(os.environ.get("AGENTFLOOR_TEST_OUTPUT", ROOT / "test-output"))
    folder = base / "screenshots"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.fixture
def shot(screenshots: Path) -> Callable[[Any, str], Path]:
    """Save a full-page screenshot of `page` as `<name>.png` and return its path."""

    def take(page: Any, name: str) -> Path:
        path = screenshots / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return take


@pytest.fixture
def open_page(browser: Any) -> Iterator[Callable[..., Any]]:
    """Open more pages, each in its own context (own storage): a customer beside an agent.

    `open_page(width=1280, height=800)`; every page opened is closed after the test.
    """
    contexts: list[Any] = []

    def make(width: int = 1280, height: int = 800) -> Any:
        context = browser.new_context(viewport={"width": width, "height": height})
        context.set_default_timeout(15_000)
        contexts.append(context)
        return context.new_page()

    yield make
    for context in contexts:
        context.close()
