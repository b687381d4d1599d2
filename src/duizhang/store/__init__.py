"""The store: where a library keeps its documents, figures, index and 对账单.

:func:`open_store` picks the backend from what ``--db`` names: a file is an
embedded SQLite library (the default, ``duizhang.db``), a ``postgresql://`` URL a
library on a PostgreSQL server that a team shares. Both answer through the one
interface of :class:`Store` (``base.py``).
"""

from __future__ import annotations

import os
from pathlib import Path

from ..location import DEFAULT_DB, is_url, shown
from .base import BATCH_DOCUMENTS, BATCH_SECONDS, Batch, Store
from .errors import AlreadyStored, DocumentRefused, SameReport, StoreError
from .packing import Prepared, pack, prepare, unpack
from .rows import RECON_FIELDS
from .sqlite import SQLiteStore

__all__ = [
    "BATCH_DOCUMENTS", "BATCH_SECONDS", "DEFAULT_DB", "RECON_FIELDS", "AlreadyStored", "Batch", "DocumentRefused", "Prepared",
    "SQLiteStore", "SameReport", "Store", "StoreError", "is_url", "open_store", "shown", "pack", "prepare", "unpack",
]


def open_store(db: str | Path | None = None, read_only: bool = False) -> Store:
    """The library ``db`` names (default ``$DUIZHANG_DB``, else ``duizhang.db``)."""
    name = str(db or os.environ.get("DUIZHANG_DB") or DEFAULT_DB)
    if is_url(name):
        try:
            from .postgres import PostgresStore
        except ImportError as e:  # an installation without its dependencies
            raise StoreError(f"{name}: a PostgreSQL library needs psycopg (pip install 'psycopg[binary]')") from e
        return PostgresStore(name, read_only=read_only)
    return SQLiteStore(name, read_only=read_only)
