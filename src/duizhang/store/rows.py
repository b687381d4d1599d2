"""Rows of the library's tables as model objects, and back: the one place where a
column list meets a dataclass.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from ..model import MENTION_COLUMNS, Mention, ReconRow, Side, StoredDocument

#: Columns of a stored 对账单 row, in table order (after ``id``).
RECON_FIELDS = [
    "region_code", "region", "year", "metric", "metric_id", "kind", "status", "ratio", "confidence", "note", "reason",
    *[f"{side}_{f}" for side in ("target", "outcome")
      for f in ("doc_id", "doc", "start", "end", "text", "value", "value_max", "qualifier", "sentence")],
    "details",
]

#: Columns of ``documents`` a :class:`StoredDocument` is read from (the table's, in order).
DOCUMENT_FIELDS = [
    "id", "sha256", "name", "source", "encoding", "format", "title", "region", "region_code", "level", "doctype",
    "delivered_date", "published_date", "session", "speaker", "speaker_title", "review_years", "plan_years",
    "body_start", "body_end", "n_mentions", "n_targets", "warnings", "parser_version", "added_at", "fingerprint",
    "region_now", "region_now_code", "ocr_confidence",
]

def record_of(r: ReconRow) -> dict[str, Any]:
    """A 对账单 row as the columns of the stored table (``RECON_FIELDS``).

    A reason that only says what the status and note say (``reconcile.explain`` of
    the row without one: "achieved: same indicator") is not stored but made again
    when the row is read: four rows in five, 0.06 bytes per character of text.
    """
    from ..reconcile import explain  # the parse stages' patterns: only for storing a 对账单

    d = r.flat()
    if r.reason is not None and r.reason == explain(replace(r, reason=None)):
        d["reason"] = None
    d["details"] = json.dumps([x.to_dict() for x in r.details], ensure_ascii=False)
    return d


def row_of(rec: Mapping[str, Any]) -> ReconRow:
    """A stored 对账单 row back as a :class:`ReconRow`."""
    def side(name: str) -> Side | None:
        if rec[f"{name}_text"] is None:
            return None
        return Side(rec[f"{name}_doc"], rec[f"{name}_start"], rec[f"{name}_end"], rec[f"{name}_text"],
                    rec[f"{name}_value"], rec[f"{name}_value_max"], rec[f"{name}_qualifier"], rec[f"{name}_doc_id"],
                    sentence=rec[f"{name}_sentence"])

    details = [Side(d["doc"], d["start"], d["end"], d["text"], d["value"], d["value_max"], d["qualifier"],
                    sentence=d.get("sentence")) for d in json.loads(rec["details"] or "[]")]
    row = ReconRow(rec["region"], rec["region_code"], rec["year"], rec["metric"], rec["metric_id"], rec["kind"],
                   side("target"), side("outcome"), rec["status"], rec["ratio"], rec["confidence"], rec["note"],
                   details, rec["reason"])
    if row.reason is None:
        from ..reconcile import explain

        row.reason = explain(row)  # not stored where it says what the status says (record_of)
    return row


def document_of(row: Mapping[str, Any]) -> StoredDocument:
    d = {k: row[k] for k in DOCUMENT_FIELDS}
    for k in ("review_years", "plan_years", "warnings"):
        d[k] = json.loads(d[k] or "[]")
    if d["added_at"] is not None:
        d["added_at"] = str(d["added_at"])
    return StoredDocument(**d)


def mention_of(row: Mapping[str, Any], doc: str) -> Mention:
    m = Mention(doc=doc, **{k: row[k] for k in MENTION_COLUMNS})
    if m.context is None:
        m.context = ""
    return m


#: The figure and document columns, as the shared SQL selects them.
MENTION_SELECT = ", ".join(f"m.{c}" if c != "end" else 'm."end"' for c in MENTION_COLUMNS)
DOCUMENT_SELECT = ", ".join(f"d.{c}" for c in DOCUMENT_FIELDS)
