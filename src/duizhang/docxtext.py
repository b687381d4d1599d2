"""The text of a Word .docx file: body paragraphs in order, then table rows.

The text is what python-docx gives (``Paragraph.text`` for each body paragraph,
then each table row's cells joined by tabs), because stored offsets index it. For
a file without tables it is read straight from ``word/document.xml`` with lxml,
which python-docx uses underneath: building python-docx's object model for every
run took a sixth of the whole parse of a .docx report. Files with tables, or
packages laid out in an unusual way, go through python-docx itself.

A .docx is a zip archive: one that unpacks to more than ``MAX_DOCX_XML_BYTES`` is
refused from its directory, before anything is unpacked (a 3.7 MB file can hold
1 GB of XML).
"""

from __future__ import annotations

import io
import zipfile

from .limits import MAX_UNPACKED_BYTES
from .model import ReadError

#: Largest unpacked size of a .docx package (all its parts) that is read.
MAX_DOCX_XML_BYTES = MAX_UNPACKED_BYTES

_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_OFFICE_DOCUMENT = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument"
_RELS = "{http://schemas.openxmlformats.org/package/2006/relationships}Relationship"

#: Run children and their text, as python-docx's ``Run.text`` reads them.
_RUN_TEXT = {f"{_W}tab": "\t", f"{_W}ptab": "\t", f"{_W}cr": "\n", f"{_W}noBreakHyphen": "-"}


def docx_to_text(data: bytes, name: str) -> str:
    """Paragraphs and table cells of a Word .docx file, in order."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, ValueError) as e:
        raise ReadError(f"{name}: not a readable .docx file ({e})") from e
    # Sizes from the zip directory, before anything is unpacked.
    unpacked = sum(info.file_size for info in archive.infolist())
    if unpacked > MAX_DOCX_XML_BYTES:
        raise ReadError(
            f"{name}: the .docx document holds {unpacked / 1e6:,.0f} MB of XML once unpacked "
            f"(the limit is {MAX_DOCX_XML_BYTES / 1e6:,.0f} MB): not read"
        )
    part = _document_part(archive)
    text = _fast_text(archive, part, name) if part is not None else None
    if text is None:
        text = _python_docx_text(data, name)
    if not text.strip():
        raise ReadError(f"{name}: the .docx file has no text")
    return text


def _document_part(archive: zipfile.ZipFile) -> str | None:
    """The main document part named by the package relationships, if it is there."""
    from lxml import etree

    try:
        rels = etree.fromstring(archive.read("_rels/.rels"), _parser())
    except (KeyError, etree.XMLSyntaxError, zipfile.BadZipFile, OSError):
        return None
    for rel in rels.iter(_RELS):
        if rel.get("Type") == _OFFICE_DOCUMENT and rel.get("TargetMode") != "External":
            target = (rel.get("Target") or "").lstrip("/")
            return target if target in archive.namelist() else None
    return None


def _parser():  # type: ignore[no-untyped-def]
    from lxml import etree

    # The settings python-docx parses with, so blank text nodes are treated alike;
    # no entities are resolved (no external or billion-laughs expansion).
    return etree.XMLParser(remove_blank_text=True, resolve_entities=False, no_network=True)


def _fast_text(archive: zipfile.ZipFile, part: str, name: str = "document.docx") -> str | None:
    """The text read with lxml, or None where python-docx should read the file."""
    from lxml import etree

    try:
        # Read no more than the limit whatever the zip directory claims.
        with archive.open(part) as f:
            xml = f.read(MAX_DOCX_XML_BYTES + 1)
        if len(xml) > MAX_DOCX_XML_BYTES:
            raise ReadError(f"{name}: the .docx document unpacks to more than its zip directory says "
                            f"(over {MAX_DOCX_XML_BYTES / 1e6:,.0f} MB of XML): not read")
        root = etree.fromstring(xml, _parser())
    except (etree.XMLSyntaxError, zipfile.BadZipFile, OSError, ValueError):
        return None
    if root.tag != f"{_W}document":
        return None
    body = root.find(f"{_W}body")
    if body is None or body.find(f"{_W}tbl") is not None:
        return None
    return "\n".join(_paragraph(p) for p in body.iterchildren(f"{_W}p"))


def _paragraph(p) -> str:  # type: ignore[no-untyped-def]
    # Paragraph.text: the direct runs and the runs of direct hyperlinks.
    out: list[str] = []
    for child in p.iterchildren(f"{_W}r", f"{_W}hyperlink"):
        runs = child.iterchildren(f"{_W}r") if child.tag == f"{_W}hyperlink" else (child,)
        for r in runs:
            for e in r.iterchildren():
                tag = e.tag
                if tag == f"{_W}t":
                    out.append(e.text or "")
                elif tag == f"{_W}br":
                    # A line break; column and page breaks have no text.
                    if e.get(f"{_W}type", "textWrapping") == "textWrapping":
                        out.append("\n")
                elif tag in _RUN_TEXT:
                    out.append(_RUN_TEXT[tag])
    return "".join(out)


def _python_docx_text(data: bytes, name: str) -> str:
    import docx

    try:
        document = docx.Document(io.BytesIO(data))
    except (zipfile.BadZipFile, KeyError, ValueError) as e:
        raise ReadError(f"{name}: not a readable .docx file ({e})") from e
    lines = [p.text for p in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            lines.append("\t".join(cell.text for cell in row.cells))
    return "\n".join(lines)
