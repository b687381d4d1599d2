"""The explorer against hostile requests and pages (issue 11): host names, cross-site
writes, headers, oversized and odd parameters, uploads, and one slow page."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient

from duizhang.library import Library
from duizhang.web import views
from duizhang.web.app import create_app

from .conftest import SAMPLE_REPORT

LOCAL = "http://127.0.0.1"


@pytest.fixture()
def db(tmp_path: Path) -> Path:
    (tmp_path / "r.txt").write_text(SAMPLE_REPORT, encoding="utf-8")
    path = tmp_path / "x.db"
    with Library(path) as lib:
        lib.add([tmp_path / "r.txt"])
    return path


@pytest.fixture()
def client(db: Path) -> TestClient:
    return TestClient(create_app(db), base_url=LOCAL)


def _upload(client: TestClient, name: str = "a.txt", data: bytes | None = None, **headers: str) -> httpx.Response:
    body = data if data is not None else SAMPLE_REPORT.replace("5.2%", "5.9%").encode()
    return client.post("/api/upload", files={"file": (name, body, "text/plain")}, headers=headers)


def test_other_host_names_are_refused_dns_rebinding(db: Path) -> None:
    # With DNS rebinding a page could read the library under its own host name.
    rebound = TestClient(create_app(db), base_url="http://attacker.example")
    r = rebound.get("/api/documents")
    assert r.status_code == 400 and "attacker.example" in r.json()["detail"]
    assert rebound.get("/").status_code == 400
    named = TestClient(create_app(db, allow_hosts=["reports.example.org"]), base_url="http://reports.example.org")
    assert named.get("/api/documents").status_code == 200
    anywhere = TestClient(create_app(db, host="0.0.0.0"), base_url="http://192.168.1.20:8000")
    assert anywhere.get("/api/documents").status_code == 200


def test_cross_site_upload_is_refused(client: TestClient) -> None:
    # Any page the user visited could add documents (no Origin check).
    r = _upload(client, origin="http://evil.example")
    assert r.status_code == 403 and "another site" in r.json()["detail"]
    assert _upload(client, origin="null").status_code == 403
    assert _upload(client, referer="http://evil.example/page").status_code == 403
    assert _upload(client, origin=LOCAL).json()["outcome"] == "added"
    assert _upload(client, "b.txt", referer=f"{LOCAL}/").json()["outcome"] in ("added", "skipped")


def test_pages_send_csp_and_frame_headers(client: TestClient) -> None:
    for url in ("/", "/api/documents", "/search?q=x", "/static/app.js", "/nowhere"):
        h = client.get(url).headers
        assert h["x-frame-options"] == "DENY", url
        assert "frame-ancestors 'none'" in h["content-security-policy"] and "script-src 'self'" in h[
            "content-security-policy"], url
        assert h["x-content-type-options"] == "nosniff"
    assert "'unsafe-inline'" not in client.get("/").headers["content-security-policy"].split("script-src")[1].split(
        ";")[0]


def test_no_inline_scripts_in_pages(client: TestClient) -> None:
    # The CSP allows our own script files only; an inline script would not run.
    import re

    for url in ("/", "/compare?metric=gdp", "/search?q=增长", "/reconcile", "/documents/1"):
        html = client.get(url).text
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html), url


@pytest.mark.parametrize("url", [
    "/api/documents/9223372036854775808",
    "/documents/9223372036854775808",
    "/api/documents?page=9223372036854775807",
    "/?page=9223372036854775807",
    "/api/documents?page=99999999999999999999999",
    "/documents/1?at=99999999999999999999",
])
def test_integers_beyond_64_bits_are_client_errors(client: TestClient, url: str) -> None:
    r = client.get(url)
    assert 400 <= r.status_code < 500, (url, r.status_code)


def test_nul_in_a_query_is_a_client_error(client: TestClient) -> None:
    assert client.get("/api/search", params={"q": "增长\x00"}).status_code == 400
    assert client.get("/search", params={"q": "\x00"}).status_code == 400


def test_invalid_parameter_on_a_page_answers_html(client: TestClient) -> None:
    # A 422 on an HTML page came back as JSON.
    r = client.get("/documents/abc")
    assert r.status_code == 422 and r.headers["content-type"].startswith("text/html")
    assert 'id="error"' in r.text and "doc_id" in r.text
    api = client.get("/api/documents/abc")
    assert api.status_code == 422 and api.headers["content-type"] == "application/json"


def test_upload_size_is_checked_while_streaming(db: Path) -> None:
    small = TestClient(create_app(db, max_upload=1000), base_url=LOCAL)
    declared = small.post("/api/upload", content=b"x", headers={
        "content-type": "multipart/form-data; boundary=b", "content-length": str(10**9)})
    assert declared.status_code == 413

    def chunks() -> Iterator[bytes]:  # no Content-Length: counted as it arrives
        yield b"--b\r\nContent-Disposition: form-data; name=\"file\"; filename=\"big.txt\"\r\n\r\n"
        for _ in range(200):
            yield b"x" * 1024

    streamed = small.post("/api/upload", content=chunks(), headers={"content-type": "multipart/form-data; boundary=b"})
    assert streamed.status_code == 413 and "limit" in streamed.json()["detail"]


def test_every_file_part_of_an_upload_is_used(client: TestClient) -> None:
    # With several file parts only the last was used, silently.
    r = client.post("/api/upload", files=[
        ("file", ("one.txt", SAMPLE_REPORT.replace("5.2%", "6.1%").encode(), "text/plain")),
        ("file", ("two.txt", SAMPLE_REPORT.replace("5.2%", "6.2%").encode(), "text/plain")),
    ])
    files = r.json()["files"]
    assert [f["file"] for f in files] == ["one.txt", "two.txt"] and all(f["outcome"] == "added" for f in files)


def test_full_disk_on_upload_is_507_with_the_cause(db: Path) -> None:
    app = create_app(db)
    store = app.state.libraries.writer.store
    pages = store.conn.execute("PRAGMA page_count").fetchone()[0]
    store.conn.execute(f"PRAGMA max_page_count = {pages}")
    r = TestClient(app, base_url=LOCAL).post("/api/upload", files={"file": (
        "big.txt", (SAMPLE_REPORT + "新增就业1.2万人。" * 3000).encode(), "text/plain")})
    assert r.status_code == 507 and "disk is full" in r.json()["detail"]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_a_slow_page_does_not_stall_the_others(db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Every request went through one lock: one slow 对账单 stalled every page. Here the
    # 对账单 waits until the library page has been served; under one lock it never is.
    import uvicorn

    release = threading.Event()
    real = views.reconcile_data

    def slow(*a: object, **k: object) -> dict[str, object]:
        release.wait(30)
        return real(*a, **k)  # type: ignore[arg-type]

    monkeypatch.setattr(views, "reconcile_data", slow)
    port = _free_port()
    srv = uvicorn.Server(uvicorn.Config(create_app(db), host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    while not srv.started:
        time.sleep(0.05)
    base = f"http://127.0.0.1:{port}"
    try:
        results: dict[str, int] = {}
        t = threading.Thread(target=lambda: results.update(
            slow=httpx.get(f"{base}/api/reconcile?year=2023", timeout=60).status_code))
        t.start()
        time.sleep(0.3)  # the slow request is in
        fast = httpx.get(f"{base}/api/documents", timeout=20)
        assert fast.status_code == 200 and "slow" not in results
        release.set()
        t.join(30)
        assert results["slow"] == 200
    finally:
        release.set()
        srv.should_exit = True
        thread.join(10)


def test_serve_with_several_workers_answers(db: Path) -> None:
    import subprocess
    import sys

    port = _free_port()
    proc = subprocess.Popen([sys.executable, "-m", "duizhang.cli", "serve", "--db", str(db), "--port", str(port),
                             "--workers", "2"], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.time() + 60
        r = None
        while time.time() < deadline:
            try:
                r = httpx.get(f"http://127.0.0.1:{port}/api/documents", timeout=5)
                break
            except httpx.HTTPError:
                time.sleep(0.3)
        assert r is not None and r.status_code == 200 and r.json()["total"] == 1
        assert httpx.get(f"http://127.0.0.1:{port}/api/documents", headers={"host": "evil.example"},
                         timeout=5).status_code == 400
    finally:
        proc.terminate()
        proc.wait(timeout=30)
