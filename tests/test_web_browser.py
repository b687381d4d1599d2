"""The explorer in a real browser: Debian's Chromium driven by Playwright.

`make test` installs Chromium (apt) and Playwright's Python package; no browser
is downloaded. Screenshots go to test-output/screenshots/.
"""

from __future__ import annotations

import os
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from duizhang.library import Library

from .conftest import ROOT, SAMPLE_REPORT, SEEDS, needs_shared

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
SHOTS = ROOT / "test-output" / "screenshots"

#: Flags for a sandboxed, offline machine (no GPU, no background network).
CHROMIUM_ARGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]

pytestmark = [
    needs_shared,
    pytest.mark.skipif(
        os.environ.get("DUIZHANG_NO_BROWSER") == "1", reason="DUIZHANG_NO_BROWSER=1: browser tests switched off"
    ),
]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    import uvicorn

    from duizhang.web.app import create_app

    db = tmp_path_factory.mktemp("browser") / "b.db"
    with Library(db) as lib:
        lib.add([SEEDS])
    port = _free_port()
    srv = uvicorn.Server(uvicorn.Config(create_app(db), host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    deadline = time.time() + 20
    while not srv.started and time.time() < deadline:
        time.sleep(0.05)
    assert srv.started, "the explorer did not start"
    yield f"http://127.0.0.1:{port}"
    srv.should_exit = True
    thread.join(timeout=10)


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    if not Path(CHROMIUM).exists():
        pytest.fail(f"Chromium not found at {CHROMIUM}; `make test` installs it (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    SHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture()
def page(browser: object) -> Iterator[object]:
    ctx = browser.new_context(viewport={"width": 1280, "height": 900})  # type: ignore[attr-defined]
    pg = ctx.new_page()
    errors: list[str] = []
    pg.on("pageerror", lambda e: errors.append(str(e)))
    yield pg
    ctx.close()
    assert not errors, f"JavaScript errors: {errors}"


def test_library_lists_documents(server: str, page: object) -> None:
    page.goto(server + "/")  # type: ignore[attr-defined]
    rows = page.locator("#documents tbody tr")  # type: ignore[attr-defined]
    assert rows.count() == 5
    assert "天津市南开区" in page.locator("#documents").inner_text()  # type: ignore[attr-defined]
    page.screenshot(path=str(SHOTS / "library.png"), full_page=True)  # type: ignore[attr-defined]


def test_document_highlights_figures(server: str, page: object) -> None:
    page.goto(server + "/")  # type: ignore[attr-defined]
    page.click("text=000_0d97d13e183c9003.txt")  # type: ignore[attr-defined]
    page.wait_for_selector("#text mark.m")  # type: ignore[attr-defined]
    marks = page.locator("#text mark.m")  # type: ignore[attr-defined]
    assert marks.count() >= 60
    first = page.locator("#text mark.m.estimate").first  # type: ignore[attr-defined]
    assert first.inner_text() == "4.7%左右"
    first.click()
    info = page.locator("#info")  # type: ignore[attr-defined]
    assert "gdp" in info.inner_text() and "4.7" in info.inner_text()
    colour = first.evaluate("e => getComputedStyle(e).backgroundColor")
    assert colour not in ("rgba(0, 0, 0, 0)", "transparent")
    page.screenshot(path=str(SHOTS / "document.png"))  # type: ignore[attr-defined]


def test_reconcile_gdp_achieved(server: str, page: object) -> None:
    page.goto(server + "/reconcile?region=南开区&year=2023")  # type: ignore[attr-defined]
    row = page.locator("#recon tr[data-metric-id=gdp]")  # type: ignore[attr-defined]
    assert row.locator(".status").inner_text() == "achieved"
    assert row.evaluate("e => getComputedStyle(e.querySelector('.st')).backgroundColor") != "rgba(0, 0, 0, 0)"
    page.screenshot(path=str(SHOTS / "reconcile.png"), full_page=True)  # type: ignore[attr-defined]
    row.locator("a").first.click()
    page.wait_for_url("**/documents/*#m-508")  # type: ignore[attr-defined]
    assert page.locator("mark#m-508").inner_text() == "4%"  # type: ignore[attr-defined]


def test_compare_draws_chart(server: str, page: object) -> None:
    page.goto(server + "/compare?metric=gdp")  # type: ignore[attr-defined]
    page.wait_for_selector("#chart[data-drawn='1'] canvas")  # type: ignore[attr-defined]
    size = page.locator("#chart canvas").first.bounding_box()  # type: ignore[attr-defined]
    assert size and size["width"] > 300 and size["height"] > 200
    page.screenshot(path=str(SHOTS / "compare.png"))  # type: ignore[attr-defined]


def test_upload_and_script_stays_inert(server: str, page: object, tmp_path: Path) -> None:
    evil = tmp_path / "恶意报告.txt"
    evil.write_text(SAMPLE_REPORT.replace("张三", "王五") + "<script>window.__xss = 1</script>\n", encoding="utf-8")
    page.goto(server + "/")  # type: ignore[attr-defined]
    page.set_input_files("#files", str(evil))  # type: ignore[attr-defined]
    page.wait_for_selector("#upload-log li.added")  # type: ignore[attr-defined]
    page.screenshot(path=str(SHOTS / "upload.png"), full_page=True)  # type: ignore[attr-defined]
    link = "#documents a:has-text('恶意报告.txt')"
    page.wait_for_selector(link)  # the page reloads with the new document listed  # type: ignore[attr-defined]
    page.click(link)  # type: ignore[attr-defined]
    page.wait_for_selector("#text")  # type: ignore[attr-defined]
    assert "<script>window.__xss = 1</script>" in page.locator("#text").inner_text()  # type: ignore[attr-defined]
    assert page.evaluate("() => window.__xss") is None  # type: ignore[attr-defined]
    page.screenshot(path=str(SHOTS / "script-inert.png"))  # type: ignore[attr-defined]


@pytest.mark.parametrize("url", ["/", "/reconcile?region=南开区&year=2023", "/compare?metric=gdp", "/search?q=增长"])
def test_pages_fit_a_phone(server: str, browser: object, url: str) -> None:
    # Issue 13: at 390 px the tables overflowed the page with no scroll container.
    ctx = browser.new_context(viewport={"width": 390, "height": 844})  # type: ignore[attr-defined]
    pg = ctx.new_page()
    pg.goto(server + url)
    overflow = pg.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 1, f"{url}: the page is {overflow} px wider than the phone"
    if pg.locator(".scroll").count():
        assert pg.evaluate("getComputedStyle(document.querySelector('.scroll')).overflowX") == "auto"
    pg.screenshot(path=str(SHOTS / f"phone-{url.strip('/').split('?')[0] or 'library'}.png"), full_page=True)
    ctx.close()


def test_reconcile_status_filter(server: str, page: object) -> None:
    page.goto(server + "/reconcile?region=南开区&year=2023")  # type: ignore[attr-defined]
    every = page.locator("#recon tbody tr").count()  # type: ignore[attr-defined]
    page.select_option("select[name=status]", "achieved")  # type: ignore[attr-defined]
    page.click("form.filters button")  # type: ignore[attr-defined]
    page.wait_for_url("**status=achieved**")  # type: ignore[attr-defined]
    statuses = page.locator("#recon td.status").all_inner_texts()  # type: ignore[attr-defined]
    assert statuses and set(statuses) == {"achieved"} and len(statuses) < every
    page.select_option("select[name=sort]", "ratio")  # type: ignore[attr-defined]
    page.click("form.filters button")  # type: ignore[attr-defined]
    page.wait_for_url("**sort=ratio**")  # type: ignore[attr-defined]
    assert "showing" in page.locator("p.counts").inner_text()  # type: ignore[attr-defined]
