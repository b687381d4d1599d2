"""The JSON API and pages through FastAPI's test client, bad parameters included."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from duizhang.library import Library
from duizhang.web.app import create_app

from .conftest import BACKENDS, SAMPLE_REPORT, SEEDS, library_db, needs_shared

pytestmark = needs_shared


@pytest.fixture(scope="module", params=BACKENDS)
def db(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> str:
    path = library_db(request, tmp_path_factory.mktemp("web") / "web.db")
    with Library(path) as lib:
        lib.add([SEEDS])
    return path


@pytest.fixture()
def client(db: str) -> TestClient:
    return TestClient(create_app(db), base_url="http://127.0.0.1")


def _doc_id(client: TestClient, name: str) -> int:
    docs = client.get("/api/documents").json()["documents"]
    return next(d["id"] for d in docs if d["name"] == name)


def test_documents(client: TestClient) -> None:
    r = client.get("/api/documents", params={"region": "南开区"})
    assert r.status_code == 200
    assert {d["name"] for d in r.json()["documents"]} >= {"000_0d97d13e183c9003.txt", "001_a58f62ee4c16ad56.txt"}


def test_document(client: TestClient) -> None:
    d = client.get(f"/api/documents/{_doc_id(client, '000_0d97d13e183c9003.txt')}").json()
    assert d["region_code"] == "120104" and d["sections"] and d["mentions"]
    m = d["mentions"][0]
    assert d["text"][m["start"] : m["end"]] == m["text"]


def test_reconcile(client: TestClient) -> None:
    r = client.get("/api/reconcile", params={"region": "南开区", "year": 2023})
    rows = r.json()["rows"]
    gdp = next(x for x in rows if x["metric_id"] == "gdp")
    assert (gdp["target"]["text"], gdp["outcome"]["text"], gdp["status"]) == ("4%", "4.7%左右", "achieved")


def test_compare_and_search(client: TestClient) -> None:
    c = client.get("/api/compare", params={"metric": "gdp"}).json()
    assert c["years"] and c["series"]
    s = client.get("/api/search", params={"q": "老旧小区改造"}).json()
    assert s["hits"] and all("老旧小区改造" in h["sentence"] for h in s["hits"])


@pytest.mark.parametrize(
    "url, status, words",
    [
        ("/api/reconcile?region=东城区&year=2023", 404, "北京市东城区"),
        ("/api/reconcile?region=南开区&year=abc", 422, "integer"),
        ("/api/reconcile?region=南开区&year=1800", 400, "out of range"),
        ("/api/reconcile?region=南开区&year=2019", 404, "no document reporting outcomes of 2019"),
        ("/api/reconcile", 400, "region="),
        ("/api/documents/99999", 404, "no document 99999"),
        ("/api/documents/abc", 422, "integer"),
        ("/api/compare", 422, "metric"),
        ("/api/search", 422, "q"),
        ("/api/search?q=x&limit=0", 422, "limit"),
    ],
)
def test_bad_parameters(client: TestClient, url: str, status: int, words: str) -> None:
    r = client.get(url)
    assert r.status_code == status
    assert words in r.text


@pytest.mark.parametrize("url", ["/", "/reconcile?region=南开区&year=2023", "/compare?metric=gdp",
                                 "/search?q=消防", "/docs", "/openapi.json"])
def test_pages(client: TestClient, url: str) -> None:
    r = client.get(url)
    assert r.status_code == 200
    assert "cdn" not in r.text.lower() and "//unpkg" not in r.text


def test_document_page_escapes_and_links_raw(client: TestClient, db: Path, tmp_path: Path) -> None:
    evil = SAMPLE_REPORT + '<script>window.__xss = 1</script><img src=x onerror="alert(1)">\n'
    r = client.post("/api/upload", files={"file": ("../../evil.txt", evil.encode(), "text/plain")})
    body = r.json()
    assert r.status_code == 200 and body["outcome"] == "added" and body["file"] == "evil.txt"
    page = client.get(f"/documents/{body['doc_id']}").text
    assert "<script>window.__xss" not in page and "&lt;script&gt;window.__xss" in page
    assert "<img src=x" not in page
    raw = client.get(f"/documents/{body['doc_id']}/raw")
    assert raw.headers["content-type"] == "application/octet-stream"
    assert "attachment" in raw.headers["content-disposition"]
    assert raw.content == evil.encode()
    again = client.post("/api/upload", files={"file": ("evil.txt", evil.encode(), "text/plain")}).json()
    assert again["outcome"] == "skipped"


def test_upload_limits(db: Path) -> None:
    small = TestClient(create_app(db, max_upload=1000), base_url="http://127.0.0.1")
    r = small.post("/api/upload", files={"file": ("big.txt", b"x" * 5000, "text/plain")})
    assert r.status_code == 413 and "limit" in r.json()["detail"]
    r = small.post("/api/upload", files={"file": ("tool.exe", b"MZ", "application/octet-stream")})
    assert r.status_code == 415
    r = small.post("/api/upload", files={"file": ("empty.txt", b"", "text/plain")})
    assert r.json()["outcome"] == "failed" and "empty" in r.json()["message"]
    ro = TestClient(create_app(db, read_only=True), base_url="http://127.0.0.1")
    assert ro.post("/api/upload", files={"file": ("a.txt", b"x", "text/plain")}).status_code == 403
    assert 'id="upload"' not in ro.get("/").text


def test_reconcile_download(client: TestClient) -> None:
    r = client.get("/reconcile/download", params={"region": "南开区", "year": 2023, "format": "csv"})
    assert r.status_code == 200 and r.content.startswith(b"\xef\xbb\xbf")
    assert "完成情况" in r.content.decode("utf-8-sig").splitlines()[0]


def test_document_page_marks_every_figure(client: TestClient) -> None:
    # Caught bug: a figure's own "kind" overwrote the segment kind, so no figure was marked.
    doc_id = _doc_id(client, "000_0d97d13e183c9003.txt")
    page = client.get(f"/documents/{doc_id}").text
    n = len({(m["start"], m["end"]) for m in client.get(f"/api/documents/{doc_id}").json()["mentions"]})
    assert page.split('id="text"')[1].count('<mark class="m ') == n


def test_links_to_sentences_land_on_an_anchor(client: TestClient) -> None:
    hit = client.get("/api/search", params={"q": "老旧小区改造"}).json()["hits"][0]
    page = client.get(f"/documents/{hit['doc_id']}", params={"at": hit["start"]}).text
    assert '<a class="anchor" id="at"></a>' in page
    rows = client.get("/api/reconcile", params={"region": "南开区", "year": 2023}).json()["rows"]
    qual = next(r for r in rows if r["target"] and r["target"]["value"] is None)
    html = client.get("/reconcile", params={"region": "南开区", "year": 2023}).text
    assert f'?at={qual["target"]["start"]}#at' in html


def test_reconcile_filter_and_sort(client: TestClient) -> None:
    every = client.get("/api/reconcile", params={"region": "南开区", "year": 2023}).json()
    achieved = client.get("/api/reconcile", params={"region": "南开区", "year": 2023, "status": "achieved"}).json()
    assert {r["status"] for r in achieved["rows"]} == {"achieved"} and achieved["total"] == len(every["rows"])
    gdp = client.get("/api/reconcile", params={"region": "南开区", "year": 2023, "metric": "gdp"}).json()
    assert {r["metric_id"] for r in gdp["rows"]} == {"gdp"}
    by_status = client.get("/api/reconcile", params={"region": "南开区", "year": 2023, "sort": "status"}).json()
    order = [r["status"] for r in by_status["rows"]]
    assert order == sorted(order, key=lambda s: ["achieved", "missed", "not_reported", "no_target", "unclear"].index(s))
    assert client.get("/api/reconcile", params={"year": 2023, "status": "nope"}).status_code == 400


def test_document_page_links_to_its_reconcile(client: TestClient) -> None:
    doc = _doc_id(client, "000_0d97d13e183c9003.txt")
    html = client.get(f"/documents/{doc}").text
    assert 'class="recon-link"' in html
    assert "/reconcile?region=120104&year=2024" in html and "/reconcile?region=120104&year=2023" in html


def test_search_pages(client: TestClient) -> None:
    first = client.get("/api/search", params={"q": "增长", "limit": 5}).json()
    second = client.get("/api/search", params={"q": "增长", "limit": 5, "page": 2}).json()
    assert first["total"] > 10 and first["pages"] > 1
    assert [h["start"] for h in first["hits"]] != [h["start"] for h in second["hits"]]
    assert 'id="pages"' in client.get("/search", params={"q": "的"}).text


def test_not_found_page_offers_a_form(client: TestClient) -> None:
    r = client.get("/documents/999999")
    assert r.status_code == 404 and 'id="try-again"' in r.text
