"""What the store tells its callers when a document or the library cannot be written as asked."""

from __future__ import annotations

from ..model import DuizhangError


class StoreError(DuizhangError):
    """A library that cannot be opened or written as asked (missing, too old for
    read-only use, its disk full, another writer holding it too long, a server that
    does not answer)."""


class DocumentRefused(StoreError):
    """The database refused one document's values (not the library as a whole): the
    file fails, and the batch goes on."""


class SameReport(Exception):
    """The report is already stored from another file (same text fingerprint)."""

    def __init__(self, doc_id: int, source: str) -> None:
        super().__init__(f"the same report as stored document {doc_id} ({source})")
        self.doc_id = doc_id
        self.source = source


class AlreadyStored(Exception):
    """Another writer stored the same bytes first (two ``add`` runs over one folder)."""

    def __init__(self, doc_id: int) -> None:
        super().__init__(f"already stored as document {doc_id}")
        self.doc_id = doc_id
