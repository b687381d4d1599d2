"""The web explorer and JSON API over a library (``duizhang serve``).

Every page has a JSON twin under ``/api/``: both call the same function in
:mod:`duizhang.web.views`. Report text is untrusted: templates escape
everything, raw files are only ever sent as downloads.
"""

from __future__ import annotations

import io
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

from fastapi import FastAPI, File, HTTPException, Query, Request, UploadFile
from fastapi.responses import HTMLResponse, JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from jinja2 import Environment, FileSystemLoader

from .. import __version__
from ..library import Library, LibraryError, flatten_row
from ..read import SUPPORTED_SUFFIXES
from . import views

HERE = Path(__file__).resolve().parent

#: Default upload limit: a report is a few MB at most, even as a PDF.
MAX_UPLOAD_BYTES = 50 * 1024 * 1024

#: Types an upload may have (by suffix); the reader sniffs the content again.
UPLOAD_SUFFIXES = tuple(s for s in SUPPORTED_SUFFIXES if s)


@dataclass(frozen=True)
class Settings:
    """Resolved once when the app is made; never read from the request."""

    db: str
    read_only: bool = False
    max_upload: int = MAX_UPLOAD_BYTES


def safe_name(filename: str | None) -> str:
    """A display name for an upload: the last path part, no control characters.

    >>> safe_name("../../etc/passwd"), safe_name("C:\\\\x\\\\报告.txt"), safe_name(None)
    ('passwd', '报告.txt', 'upload.txt')
    """
    name = re.split(r"[\\\\/]", filename or "")[-1]
    name = re.sub(r"[\x00-\x1f\x7f]", "", name).strip().lstrip(".")
    return name[:200] or "upload.txt"


def create_app(db: str | Path, read_only: bool = False, max_upload: int = MAX_UPLOAD_BYTES) -> FastAPI:
    settings = Settings(str(db), read_only, max_upload)
    lib = Library(settings.db, read_only=read_only)
    lock = threading.Lock()  # one SQLite connection, used from the server's threads one at a time
    env = Environment(loader=FileSystemLoader(HERE / "templates"), autoescape=True)
    env.globals.update(version=__version__, read_only=read_only, max_upload_mb=max_upload // (1024 * 1024))

    app = FastAPI(
        title="duizhang (对账)",
        version=__version__,
        description="Chinese government work reports and plan reports as data: documents, figures, the 对账单.",
        docs_url=None,  # served below from local files: FastAPI's default loads Swagger UI from a CDN
        redoc_url=None,
    )
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")

    @app.get("/docs", include_in_schema=False)
    def api_docs() -> HTMLResponse:
        from fastapi.openapi.docs import get_swagger_ui_html

        return get_swagger_ui_html(openapi_url="/openapi.json", title="duizhang API",
                                   swagger_js_url="/static/swagger-ui-bundle.js",
                                   swagger_css_url="/static/swagger-ui.css", swagger_favicon_url="")

    def call(fn: Callable[..., dict[str, Any]], *args: Any, **kw: Any) -> dict[str, Any]:
        try:
            with lock:
                return fn(lib, *args, **kw)
        except views.BadRequest as e:
            raise HTTPException(400, str(e)) from e
        except LibraryError as e:
            raise HTTPException(404, str(e)) from e

    def page(template: str, data: dict[str, Any], request: Request, title: str) -> HTMLResponse:
        html = env.get_template(template).render(data=data, title=title, path=request.url.path)
        return HTMLResponse(html)

    @app.exception_handler(HTTPException)
    async def errors(request: Request, exc: HTTPException) -> Response:
        if request.url.path.startswith("/api/"):
            return JSONResponse({"detail": exc.detail}, status_code=exc.status_code)
        html = env.get_template("error.html").render(title="Error", status=exc.status_code, message=exc.detail,
                                                     path=request.url.path)
        return HTMLResponse(html, status_code=exc.status_code)

    # -- JSON API ---------------------------------------------------------

    @app.get("/api/documents", summary="Documents in the library")
    def api_documents(region: str | None = None, level: str | None = None, year: int | None = None,
                      doctype: str | None = None, page: int = 1) -> dict[str, Any]:
        return call(views.documents_data, region, level, year, doctype, page)

    @app.get("/api/documents/{doc_id}", summary="One document with its text, sections and figures")
    def api_document(doc_id: int) -> dict[str, Any]:
        data = call(views.document_data, doc_id)
        data.pop("segments")
        return data

    @app.get("/api/reconcile", summary="The 对账单 of a region and year")
    def api_reconcile(region: str | None = None, year: int | None = None) -> dict[str, Any]:
        if not region and not year:
            raise HTTPException(400, "give region= and/or year=")
        return call(views.reconcile_data, region, year)

    @app.get("/api/compare", summary="One metric across regions and years")
    def api_compare(metric: str = Query(..., min_length=1), kind: str | None = None,
                    regions: str | None = None) -> dict[str, Any]:
        return call(views.compare_data, metric, kind, regions)

    @app.get("/api/search", summary="Full-text search over report sentences")
    def api_search(q: str = Query(..., min_length=1), region: str | None = None, year: int | None = None,
                   limit: int = Query(50, ge=1, le=500)) -> dict[str, Any]:
        return call(views.search_data, q, region, year, limit)

    @app.post("/api/upload", summary="Add one report file to the library")
    async def api_upload(file: Annotated[UploadFile, File()]) -> dict[str, Any]:
        if settings.read_only:
            raise HTTPException(403, "this explorer is read-only: uploads are disabled")
        name = safe_name(file.filename)
        if not name.lower().endswith(UPLOAD_SUFFIXES):
            raise HTTPException(415, f"{name}: unsupported file type (expected .txt, .html, .htm, .pdf or .docx)")
        buf = io.BytesIO()
        while chunk := await file.read(1 << 20):
            buf.write(chunk)
            if buf.tell() > settings.max_upload:
                raise HTTPException(413, f"{name}: larger than the {settings.max_upload // (1024 * 1024)} MB limit")
        with lock:
            outcome, message, doc_id = lib.add_bytes(name, buf.getvalue())
        return {"file": name, "outcome": outcome, "message": message, "doc_id": doc_id}

    # -- pages ------------------------------------------------------------

    @app.get("/", response_class=HTMLResponse, include_in_schema=False)
    def library_page(request: Request, region: str | None = None, level: str | None = None,
                     year: int | None = None, doctype: str | None = None, page_no: int = Query(1, alias="page")
                     ) -> HTMLResponse:
        data = call(views.documents_data, region, level, year, doctype, page_no)
        return page("library.html", data, request, "Library")

    @app.get("/documents/{doc_id}", response_class=HTMLResponse, include_in_schema=False)
    def document_page(request: Request, doc_id: int, at: int | None = None) -> HTMLResponse:
        data = call(views.document_data, doc_id, at)
        return page("document.html", data, request, data["name"])

    @app.get("/documents/{doc_id}/raw", include_in_schema=False)
    def raw_file(doc_id: int) -> Response:
        try:
            with lock:
                name, data = lib.raw(doc_id)
        except LibraryError as e:
            raise HTTPException(404, str(e)) from e
        ascii_name = re.sub(r"[^A-Za-z0-9._-]", "_", name) or "report"
        from urllib.parse import quote

        return Response(data, media_type="application/octet-stream", headers={
            "Content-Disposition": f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(name)}",
            "X-Content-Type-Options": "nosniff"})

    @app.get("/reconcile", response_class=HTMLResponse, include_in_schema=False)
    def reconcile_page(request: Request, region: str | None = None, year: int | None = None) -> HTMLResponse:
        return page("reconcile.html", call(views.reconcile_data, region, year), request, "对账单")

    @app.get("/reconcile/download", include_in_schema=False)
    def reconcile_download(region: str | None = None, year: int | None = None, format: str = "csv") -> Response:
        import pandas as pd

        from ..export import write

        if format not in ("csv", "xlsx"):
            raise HTTPException(400, "format must be csv or xlsx")
        try:
            with lock:
                rows = lib.reconcile_rows(region or None, views.check_year(year))
        except views.BadRequest as e:
            raise HTTPException(400, str(e)) from e
        except LibraryError as e:
            raise HTTPException(404, str(e)) from e
        import tempfile

        with tempfile.TemporaryDirectory() as tmp:
            out = Path(tmp) / f"duizhang.{format}"
            write(pd.DataFrame([flatten_row(r) for r in rows]), out, format, lang="zh")
            body = out.read_bytes()
        media = "text/csv; charset=utf-8" if format == "csv" else \
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        return Response(body, media_type=media,
                        headers={"Content-Disposition": f'attachment; filename="duizhang-{year or "all"}.{format}"'})

    @app.get("/compare", response_class=HTMLResponse, include_in_schema=False)
    def compare_page(request: Request, metric: str = "gdp", kind: str | None = None,
                     regions: str | None = None) -> HTMLResponse:
        return page("compare.html", call(views.compare_data, metric, kind, regions), request, "Compare")

    @app.get("/search", response_class=HTMLResponse, include_in_schema=False)
    def search_page(request: Request, q: str = "", region: str | None = None, year: int | None = None) -> HTMLResponse:
        return page("search.html", call(views.search_data, q, region, year), request, "Search")

    return app
