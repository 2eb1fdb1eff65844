"""Debian's Chromium driven by Playwright, shared by the page's tests: one browser per
session, a fresh context (own storage, locale en-US) per page, and the checks every page
test uses."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = Path("/usr/bin/chromium")
#: Where the page tests write their screenshots: tests/artifacts/ (committed, described in
#: docs/dashboard.md) with `BURNRATE_SCREENSHOTS=commit` (`make screenshots`), else a folder
#: of the run's own, so a test run leaves the checkout as it found it.
ARTIFACTS = (
    Path(__file__).parent / "artifacts"
    if os.environ.get("BURNRATE_SCREENSHOTS") == "commit"
    else Path(tempfile.gettempdir()) / "burnrate-screenshots"
)


@pytest.fixture(scope="session")
async def chromium() -> AsyncIterator[Any]:
    playwright_api = pytest.importorskip("playwright.async_api")
    if not CHROMIUM.exists() and shutil.which("chromium") is None:  # noqa: ASYNC240 (once)
        pytest.skip("needs Chromium at /usr/bin/chromium (.ci/run installs it)")
    async with playwright_api.async_playwright() as playwright:
        browser = await playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=["--no-sandbox"]
        )
        try:
            yield browser
        finally:
            await browser.close()


class Page:
    """A page in a context of its own, which counts its GraphQL requests and collects
    script errors."""

    def __init__(self, page: Any) -> None:
        self.page = page
        self.graphql: list[str] = []
        self.errors: list[str] = []
        page.on("pageerror", lambda error: self.errors.append(str(error)))
        page.on(
            "request",
            lambda r: self.graphql.append(r.post_data or r.url) if "/graphql" in r.url else None,
        )

    async def settled(self) -> None:
        """Until the page's latest request was answered and drawn."""
        await self.page.wait_for_function(
            "document.querySelector('main').getAttribute('aria-busy') === 'false'"
        )


async def open_page(
    browser: Any, url: str, width: int = 1440, height: int = 900, locale: str = "en-US"
) -> Page:
    context = await browser.new_context(
        viewport={"width": width, "height": height}, locale=locale, timezone_id="UTC"
    )
    page = Page(await context.new_page())
    await page.page.goto(url)
    await page.settled()
    return page


#: Every element's box, except those inside the activity table's scroller: the ones wider
#: than the viewport, or starting left of it.
OUTSIDE = """() => {
  const width = document.documentElement.clientWidth;
  const out = [];
  for (const el of document.querySelectorAll("body *")) {
    if (el.closest(".table-wrap") && !el.matches(".table-wrap")) continue;
    const box = el.getBoundingClientRect();
    if (box.width === 0 && box.height === 0) continue;
    if (box.left < -0.5 || box.right > width + 0.5) {
      const name = `${el.tagName.toLowerCase()}.${el.className.baseVal ?? el.className}`;
      out.push(`${name} ${box.left}..${box.right}`);
    }
  }
  return out;
}"""


def luminance(rgb: tuple[float, float, float]) -> float:
    def channel(c: float) -> float:
        c = c / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(c) for c in rgb)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: tuple[float, float, float], b: tuple[float, float, float]) -> float:
    """WCAG's contrast ratio of two colours."""
    high, low = sorted((luminance(a), luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def rgb(css: str) -> tuple[float, float, float]:
    """`rgb(1, 2, 3)` or `rgba(1, 2, 3, 1)` as a tuple."""
    parts = css[css.index("(") + 1 : css.index(")")].replace("/", ",").split(",")
    r, g, b = (float(p) for p in parts[:3])
    return (r, g, b)
