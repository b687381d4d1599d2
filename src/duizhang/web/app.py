"""The web explorer and JSON API over a library (``duizhang serve``).

Every page has a JSON twin under ``/api/``: both call the same function in
:mod:`duizhang.web.views`. Report text is untrusted: templates escape
everything, raw files are only ever sent as downloads, and
:mod:`duizhang.web.guard` sits in front of every route (host names, same-origin
writes, security headers, upload size while streaming).

Reads go through one library connection per server thread (SQLite in WAL mode
lets them run side by side), so a slow 对账单 does not stall the other pages;
uploads are parsed in a worker thread, off the event loop, and stored by one
writer at a time.
"""

from __future__ import annotations

import re
import threading
from collections.abc import AsyncIterator, Callable, Iterable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, FastAPI, HTTPException, Query, Request
from fastapi import Path as PathParam
from fastapi.concurrency import run_in_threadpool
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from jinja2 import Environment, FileSystemLoader
from starlette.datastructures import UploadFile

from .. import __version__
from ..library import Library, LibraryError
from ..limits import MAX_UPLOAD_BYTES
from ..model import DuizhangError
from ..read import SUPPORTED_SUFFIXES
from . import views
from .guard import Guard, allowed_hosts

HERE = Path(__file__).resolve().parent

#: Largest id or page number accepted: SQLite integers are 64-bit.
INT_MAX = 2**63 - 1

#: Types an upload may have (by suffix); the reader sniffs the content again.
UPLOAD_SUFFIXES = tuple(s for s in SUPPORTED_SUFFIXES if s)


@dataclass(frozen=True)
class Settings:
    """Resolved once when the app is made; never read from the request."""

    db: str
    read_only: bool = False
    max_upload: int = MAX_UPLOAD_BYTES
    #: Host names answered (None: any; see guard.allowed_hosts).
    hosts: frozenset[str] | None = frozenset({"127.0.0.1", "localhost", "::1"})


class Libraries:
    """One library connection per server thread for reads; one writer, one at a time."""

    def __init__(self, db: str, read_only: bool) -> None:
        self.db, self.read_only = db, read_only
        self._local = threading.local()
        self._opened: list[Library] = []
        self._opened_lock = threading.Lock()
        self.writer_lock = threading.Lock()
        # Opened here, so that a library that cannot be opened stops the server at start.
        self.writer = self._open()
        # An in-memory library exists in one connection only: everyone shares it.
        self._shared = self.writer if db == ":memory:" else None

    def _open(self) -> Library:
        lib = Library(self.db, read_only=self.read_only)
        with self._opened_lock:
            self._opened.append(lib)
        return lib

    def reader(self) -> Library:
        """This thread's connection (opened on its first request)."""
        if self._shared is not None:
            return self._shared
        lib: Library | None = getattr(self._local, "lib", None)
        if lib is None:
            lib = self._local.lib = self._open()
        return lib

    def close(self) -> None:
        with self._opened_lock:
            for lib in self._opened:
                lib.close()
            self._opened.clear()


#: Where ``duizhang serve --workers N`` passes the settings to each worker process.
SERVE_ENV = "DUIZHANG_SERVE"


def app_from_environment() -> FastAPI:
    """The app of one worker process of ``duizhang serve --workers N`` (uvicorn factory)."""
    import json
    import os

    conf = json.loads(os.environ[SERVE_ENV])
    return create_app(conf["db"], read_only=conf["read_only"], max_upload=conf["max_upload"], host=conf["host"],
                      allow_hosts=conf["allow_hosts"])


def get_libraries(request: Request) -> Libraries:
    """The app's libraries (a FastAPI dependency)."""
    libs: Libraries = request.app.state.libraries
    return libs


def get_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


Libs = Annotated[Libraries, Depends(get_libraries)]
Conf = Annotated[Settings, Depends(get_settings)]
DocId = Annotated[int, PathParam(ge=1, le=INT_MAX)]


def call(libs: Libraries, fn: Callable[..., dict[str, Any]], *args: Any, **kw: Any) -> dict[str, Any]:
    """Run a view on this thread's library, with its errors as HTTP answers."""
    lib = libs.reader()
    try:
        if lib is libs.writer:  # an in-memory library: one connection, one user at a time
            with libs.writer_lock:
                return fn(lib, *args, **kw)
        return fn(lib, *args, **kw)
    except views.BadRequest as e:
        raise HTTPException(400, str(e)) from e
    except LibraryError as e:
        raise HTTPException(404, str(e)) from e
    except DuizhangError as e:  # the library file itself (its disk full, held by another program)
        raise HTTPException(503, str(e)) from e
    except lib.store.errors as e:  # the database (a server restarting): the next request connects again
        said = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
        raise HTTPException(503, f"{lib.path}: the library cannot be read just now ({said})") from e


def create_app(
    db: str | Path, read_only: bool = False, max_upload: int = MAX_UPLOAD_BYTES, host: str = "127.0.0.1",
    allow_hosts: Iterable[str] = (),
) -> FastAPI:
    """The explorer over the library at ``db``.

    ``host`` is the address the server listens on and ``allow_hosts`` more names it
    may be reached by (a reverse proxy's); requests for any other host name are
    refused (DNS rebinding). Listening on every interface (0.0.0.0) without
    ``allow_hosts`` answers any name.
    """
    settings = Settings(str(db), read_only, max_upload, allowed_hosts(host, allow_hosts))
    env = Environment(loader=FileSystemLoader(HERE / "templates"), autoescape=True)
    env.globals.update(version=__version__, read_only=read_only, max_upload_mb=max_upload // (1024 * 1024))

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        yield
        app.state.libraries.close()

    app = FastAPI(
        lifespan=lifespan,
        title="duizhang (对账)",
        version=__version__,
        description="Chinese government work reports and plan reports as data: documents, figures, the 对账单.",
        docs_url=None,  # served below from local files: FastAPI's default loads Swagger UI from a CDN
        redoc_url=None,
    )
    app.state.settings = settings
    app.state.libraries = Libraries(settings.db, read_only)
    app.state.templates = env
    app.add_middleware(Guard, hosts=settings.hosts, max_upload=max_upload)
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")

    def error_page(request: Request, status: int, message: str) -> Response:
        if request.url.path.startswith("/api/"):
            return JSONResponse({"detail": message}, status_code=status)
        html = env.get_template("error.html").render(title="Error", status=status, message=message,
                                                     path=request.url.path)
        return HTMLResponse(html, status_code=status)

    @app.exception_handler(HTTPException)
    async def errors(request: Request, exc: HTTPException) -> Response:
        return error_page(request, exc.status_code, str(exc.detail))

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError) -> Response:
        if request.url.path.startswith("/api/"):
            return JSONResponse({"detail": exc.errors()}, status_code=422)
        problems = "; ".join(f"{'.'.join(str(x) for x in e.get('loc', ())[1:]) or 'request'}: {e.get('msg', '')}"
                             for e in exc.errors())
        return error_page(request, 422, f"this address has a value that cannot be used ({problems})")

    app.include_router(api_router())
    app.include_router(page_router(env))
    return app


def _json(data: dict[str, Any]) -> Response:
    # Serialised directly: FastAPI's generic encoder took 7x longer than json.dumps
    # on a year's national 对账单 (2,000 rows), most of the request's time.
    return JSONResponse(data)


def api_router() -> APIRouter:
    """The JSON API under /api/: the data of every page."""
    api = APIRouter(prefix="/api")

    @api.get("/documents", summary="Documents in the library")
    def api_documents(libs: Libs, region: str | None = None, level: str | None = None, year: int | None = None,
                      doctype: str | None = None, page: Annotated[int, Query(ge=1, le=INT_MAX)] = 1
                      ) -> Response:
        return _json(call(libs, views.documents_data, region, level, year, doctype, page))

    @api.get("/documents/{doc_id}", summary="One document with its text, sections and figures")
    def api_document(libs: Libs, doc_id: DocId) -> Response:
        data = call(libs, views.document_data, doc_id)
        data.pop("segments")
        return _json(data)

    @api.get("/reconcile", summary="The 对账单 of a region and year")
    def api_reconcile(libs: Libs, region: str | None = None, year: int | None = None, status: str | None = None,
                      metric: str | None = None, sort: str | None = None) -> Response:
        if not region and not year:
            raise HTTPException(400, "give region= and/or year=")
        return _json(call(libs, views.reconcile_data, region, year, status, metric, sort))

    @api.get("/compare", summary="One metric across regions and years")
    def api_compare(libs: Libs, metric: str = Query(..., min_length=1), kind: str | None = None,
                    regions: str | None = None) -> Response:
        return _json(call(libs, views.compare_data, metric, kind, regions))

    @api.get("/search", summary="Full-text search over report sentences")
    def api_search(libs: Libs, q: str = Query(..., min_length=1), region: str | None = None,
                   year: int | None = None, limit: int = Query(50, ge=1, le=500),
                   page: int = Query(1, ge=1, le=10**6)) -> Response:
        return _json(call(libs, views.search_data, q, region, year, limit, page))

    @api.post("/upload", summary="Add report files to the library (multipart, one or more file parts)")
    async def api_upload(request: Request, libs: Libs, settings: Conf) -> Response:
        if settings.read_only:
            raise HTTPException(403, "this explorer is read-only: uploads are disabled")
        # Read here rather than by a File() parameter: the body is counted while it
        # arrives (guard.Guard) and a 413 from the stream must not become a 400.
        form = await request.form(max_files=20)
        files = [v for _, v in form.multi_items() if isinstance(v, UploadFile)]
        if not files:
            raise HTTPException(400, "no file in the upload (send a multipart form with a file part)")
        results = []
        for file in files:
            name = views.safe_name(file.filename)
            if not name.lower().endswith(UPLOAD_SUFFIXES):
                raise HTTPException(415, f"{name}: unsupported file type (expected .txt, .html, .htm, .pdf or .docx)")
            data = await file.read()
            if len(data) > settings.max_upload:
                raise HTTPException(413, f"{name}: larger than the {settings.max_upload // (1024 * 1024)} MB limit")
            # Parsing is seconds of CPU for a long PDF: in a worker thread, never on the event loop.
            results.append(await run_in_threadpool(_store_upload, libs, name, data))
        return _json({**results[0], "files": results})

    return api


def _store_upload(libs: Libraries, name: str, data: bytes) -> dict[str, Any]:
    try:
        with libs.writer_lock:
            outcome, message, doc_id = libs.writer.add_bytes(name, data)
    except DuizhangError as e:  # the disk is full: nothing of this file was stored
        raise HTTPException(507 if "disk is full" in str(e) else 503, str(e)) from e
    return {"file": name, "outcome": outcome, "message": message, "doc_id": doc_id}


def page_router(env: Environment) -> APIRouter:
    """The HTML pages; each renders the dict its /api/ twin returns."""
    pages = APIRouter(include_in_schema=False)

    def page(template: str, data: dict[str, Any], request: Request, title: str) -> HTMLResponse:
        html = env.get_template(template).render(data=data, title=title, path=request.url.path)
        return HTMLResponse(html)

    @pages.get("/docs")
    def api_docs() -> HTMLResponse:
        from fastapi.openapi.docs import get_swagger_ui_html

        return get_swagger_ui_html(openapi_url="/openapi.json", title="duizhang API",
                                   swagger_js_url="/static/swagger-ui-bundle.js",
                                   swagger_css_url="/static/swagger-ui.css", swagger_favicon_url="")

    @pages.get("/", response_class=HTMLResponse)
    def library_page(request: Request, libs: Libs, region: str | None = None, level: str | None = None,
                     year: int | None = None, doctype: str | None = None,
                     page_no: Annotated[int, Query(alias="page", ge=1, le=INT_MAX)] = 1) -> HTMLResponse:
        data = call(libs, views.documents_data, region, level, year, doctype, page_no)
        return page("library.html", data, request, "Library")

    @pages.get("/documents/{doc_id}", response_class=HTMLResponse)
    def document_page(request: Request, libs: Libs, doc_id: DocId,
                      at: Annotated[int | None, Query(ge=0, le=INT_MAX)] = None) -> HTMLResponse:
        data = call(libs, views.document_data, doc_id, at)
        return page("document.html", data, request, data["name"])

    @pages.get("/documents/{doc_id}/raw")
    def raw_file(libs: Libs, doc_id: DocId) -> Response:
        name, data = call(libs, views.raw_data, doc_id)["file"]
        ascii_name = re.sub(r"[^A-Za-z0-9._-]", "_", name) or "report"
        from urllib.parse import quote

        return Response(data, media_type="application/octet-stream", headers={
            "Content-Disposition": f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(name)}"})

    @pages.get("/reconcile", response_class=HTMLResponse)
    def reconcile_page(request: Request, libs: Libs, region: str | None = None, year: int | None = None,
                       status: str | None = None, metric: str | None = None, sort: str | None = None
                       ) -> HTMLResponse:
        data = call(libs, views.reconcile_data, region, year, status or None, metric or None, sort or None)
        return page("reconcile.html", data, request, "对账单")

    @pages.get("/reconcile/download")
    def reconcile_download(libs: Libs, region: str | None = None, year: int | None = None, format: str = "csv"
                           ) -> Response:
        if format not in ("csv", "xlsx"):
            raise HTTPException(400, "format must be csv or xlsx")
        body = call(libs, views.reconcile_file, region, year, format)["body"]
        media = "text/csv; charset=utf-8" if format == "csv" else \
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        return Response(body, media_type=media,
                        headers={"Content-Disposition": f'attachment; filename="duizhang-{year or "all"}.{format}"'})

    @pages.get("/compare", response_class=HTMLResponse)
    def compare_page(request: Request, libs: Libs, metric: str = "gdp", kind: str | None = None,
                     regions: str | None = None) -> HTMLResponse:
        return page("compare.html", call(libs, views.compare_data, metric, kind, regions), request, "Compare")

    @pages.get("/search", response_class=HTMLResponse)
    def search_page(request: Request, libs: Libs, q: str = "", region: str | None = None, year: int | None = None,
                    page_no: Annotated[int, Query(alias="page", ge=1, le=10**6)] = 1) -> HTMLResponse:
        return page("search.html", call(libs, views.search_data, q, region, year, 50, page_no), request, "Search")

    return pages
