"""Stage 1, read: paths (files, folders, ``-`` for stdin) to raw documents.

Reading never decodes; it only collects bytes so that a later stage failing on
one file cannot lose it.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterable, Iterator
from pathlib import Path

from .limits import MAX_FILE_BYTES
from .model import RawDocument, ReadError

#: File types the decode stage understands; anything else is reported, not guessed.
SUPPORTED_SUFFIXES = (".txt", ".text", ".html", ".htm", ".shtml", ".xhtml", ".pdf", ".docx", "")

#: A report is a few hundred KB at most; this bound catches a wrong folder early.
MAX_BYTES = MAX_FILE_BYTES


def iter_paths(paths: Iterable[str | Path]) -> Iterator[Path | str]:
    """Expand folders recursively (sorted, hidden files skipped); keep ``-`` as is."""
    for p in paths:
        if str(p) == "-":
            yield "-"
            continue
        path = Path(p)
        if path.is_dir():
            # os.walk with an error callback: Path.rglob skips a folder it cannot read
            # without a word, and its files would be missing from the batch unnoticed.
            found: list[Path] = []
            unreadable: list[Path] = []

            def refused(e: OSError, into: list[Path] = unreadable) -> None:
                into.append(Path(e.filename))

            for root, dirs, files in os.walk(path, onerror=refused):
                dirs[:] = [d for d in dirs if not d.startswith(".")]
                found.extend(Path(root) / f for f in files if not f.startswith("."))
            for child in sorted(found + unreadable):
                if child in unreadable or child.is_file():
                    yield child
        else:
            yield path


def path_to_raw(path: Path | str) -> RawDocument:
    """Read one file (or stdin for ``-``) into a :class:`RawDocument`.

    Raises :class:`ReadError` with a message naming the file.
    """
    if path == "-":
        return RawDocument(name="stdin.txt", source="-", data=sys.stdin.buffer.read())
    path = Path(path)
    if not path.exists():
        raise ReadError(f"{path}: no such file or folder")
    if path.suffix.lower() not in SUPPORTED_SUFFIXES:
        raise ReadError(
            f"{path}: unsupported file type {path.suffix!r} (expected .txt, .html, .htm, .pdf or .docx)"
        )
    if path.is_dir():
        try:
            next(os.scandir(path), None)
        except OSError as e:
            raise ReadError(f"{path}: cannot read this folder ({e.strerror or e}); its files were not added") from e
        raise ReadError(f"{path}: a folder, not a file")
    try:
        # A FIFO, a device (/dev/zero) or a socket would hang or never end: files only.
        if not path.is_file():
            raise ReadError(f"{path}: not a regular file")
        size = path.stat().st_size
        if size > MAX_BYTES:
            raise ReadError(f"{path}: {size} bytes is too large for a report (limit {MAX_BYTES})")
        with path.open("rb") as f:
            data = f.read(MAX_BYTES + 1)  # a file that grows while read stops at the limit too
        if len(data) > MAX_BYTES:
            raise ReadError(f"{path}: more than {MAX_BYTES} bytes is too large for a report")
    except OSError as e:
        raise ReadError(f"{path}: cannot read ({e.strerror or e})") from e
    return RawDocument(name=printable_name(path.name), source=printable_name(str(path)), data=data)


def printable_name(name: str) -> str:
    r"""A file name as text that can be stored and printed anywhere.

    A name that is not valid UTF-8 reaches Python with lone surrogates (os.fsdecode);
    they become ``\udcff``-style escapes, so the file is stored and reported, not lost.

    >>> printable_name("\udcff\udcfegood.txt"), printable_name("南开区.txt")
    ('\\udcff\\udcfegood.txt', '南开区.txt')
    """
    return name.encode("utf-8", "backslashreplace").decode("utf-8")


def bytes_to_raw(data: bytes, name: str = "document.txt") -> RawDocument:
    """Wrap bytes already in memory (an upload, a test fixture)."""
    return RawDocument(name=name, source=f"<bytes:{name}>", data=data)
