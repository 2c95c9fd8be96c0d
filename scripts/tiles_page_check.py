"""The demo's look at the "S1 tiles" page, in headless Chromium (Playwright).

Loads the page as a signed-in user (the Airflow session cookie holding the
demo user's token), reads every tile and matrix cell from the rendered DOM,
asks for it once more without signing in (it must be refused), opens it
inside Airflow's UI (the nav entry's iframe), fetches a quicklook it links,
and saves screenshots. The result is a plain dict, written as JSON beside the
screenshots for tests/test_demo.py.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any

CHROMIUM_ENV = "S1OPS_CHROMIUM"
PAGE_PATH = "/s1ops/tiles"
UI_PATH = "/plugin/s1-tiles"  # the nav entry (s1ops_tiles_plugin.TILES_ROUTE)
COOKIE = "_token"  # Airflow's UI session cookie (a JWT)
TIMEOUT_MS = 60_000


def chromium_path() -> str | None:
    """Debian's chromium (``make setup`` installs it), or ``$S1OPS_CHROMIUM``."""
    return os.environ.get(CHROMIUM_ENV) or shutil.which("chromium")


def _cells(page: Any) -> list[dict[str, Any]]:
    return page.eval_on_selector_all(
        "#tiles-matrix td",
        """cells => cells.map(td => ({
            tile: td.dataset.tile, day: td.dataset.day, state: td.dataset.state,
            run: td.querySelector('a.run') ? td.querySelector('a.run').getAttribute('href') : null,
            quicklooks: Array.from(td.querySelectorAll('a.quicklook'))
                .map(a => a.getAttribute('href')),
        }))""",
    )


def check_tiles_page(base: str, token: str, out_dir: Path, chromium: str) -> dict[str, Any]:
    """Look at the page of the Airflow at ``base``; screenshots go to ``out_dir``."""
    from playwright.sync_api import sync_playwright

    url = base + PAGE_PATH
    out_dir.mkdir(parents=True, exist_ok=True)
    result: dict[str, Any] = {"url": url, "ui_url": base + UI_PATH}
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=chromium, headless=True, args=["--no-sandbox"]
        )
        try:
            anonymous = browser.new_context()
            result["unauthenticated_status"] = anonymous.request.get(url).status
            anonymous.close()
            context = browser.new_context(viewport={"width": 1400, "height": 1000})
            context.add_cookies([{"name": COOKIE, "value": token, "url": base}])
            page = context.new_page()
            page.set_default_timeout(TIMEOUT_MS)
            response = page.goto(url)
            result["status"] = response.status if response else None
            page.wait_for_selector("#tiles-map g.tile")
            result["tiles"] = page.eval_on_selector_all(
                "#tiles-map g.tile",
                "gs => Object.fromEntries(gs.map(g => [g.dataset.tile, g.dataset.state]))",
            )
            result["cells"] = _cells(page)
            result["screenshot"] = str(out_dir / "tiles_page.png")
            page.screenshot(path=result["screenshot"], full_page=True)
            quicklooks = [q for cell in result["cells"] for q in cell["quicklooks"]]
            if quicklooks:
                answer = context.request.get(f"{base}/s1ops/{quicklooks[0]}")
                result["quicklook"] = {
                    "status": answer.status,
                    "type": answer.headers.get("content-type", ""),
                }
            page.goto(base + UI_PATH)
            frame = page.frame_locator("iframe")
            frame.locator("#tiles-map g.tile").first.wait_for()
            result["embedded_tiles"] = frame.locator("#tiles-map g.tile").count()
            result["ui_screenshot"] = str(out_dir / "tiles_page_in_airflow.png")
            page.screenshot(path=result["ui_screenshot"], full_page=True)
            context.close()
        finally:
            browser.close()
    return result
