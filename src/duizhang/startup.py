"""Start-up work kept between runs, so that a one-file command starts fast: compiled
regular expressions and the parsed vocabulary files.

The parse stages hold about 170 patterns, some of them alternations of hundreds of
words and classes over the 20,000 CJK ideographs. Python compiles a pattern in pure
Python (parse, then one loop over every code point of each class range): about
0.1 s for all of them on every start, as long as parsing a whole report. CPython
cannot pickle a compiled pattern, but what ``re`` hands its C engine is plain data
(the pattern's opcodes, group names); this module keeps that data in a file in
the user's cache folder and gives it to the engine directly on the next run.

A cached entry is only ever what ``re`` itself compiles: it is written after the
engine's pattern built from it compares equal (same pattern, flags and opcodes) to
``re.compile``'s, and the file is named after the Python build and engine version
that made it. Anything unexpected — another Python, a damaged or unwritable file,
an engine without these internals — falls back to ``re.compile``, only slower.

The vocabulary files (``data/*.toml``) are kept parsed the same way, under their
name and a checksum of their bytes, so that an edited file is parsed again.

The cache folder is ``$DUIZHANG_CACHE`` if set (empty: no cache), else
``$XDG_CACHE_HOME/duizhang``, else ``~/.cache/duizhang``.
"""

from __future__ import annotations

import atexit
import marshal
import os
import re
import sys
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

try:  # CPython's engine; another implementation compiles every time
    import _sre
    from re import _compiler, _parser  # type: ignore[attr-defined]

    _ENGINE: str | None = f"{sys.implementation.cache_tag}-{_sre.MAGIC}"
except (ImportError, AttributeError):  # pragma: no cover - not CPython
    _ENGINE = None

#: A cache file holding more entries than this is started afresh (patterns of
#: older versions of the tool pile up otherwise).
MAX_ENTRIES = 4000

_Key = tuple[str, str, int]
T = TypeVar("T")
_entries: dict[_Key, tuple[Any, ...]] | None = None
_dirty = False


def cache_file() -> Path | None:
    """Where compiled patterns are kept, or None when the cache is off."""
    if _ENGINE is None:
        return None
    folder = os.environ.get("DUIZHANG_CACHE")
    if folder is None:
        base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
        folder = os.path.join(base, "duizhang")
    if not folder:
        return None
    return Path(folder) / f"startup-{_ENGINE}.marshal"


def _load() -> dict[_Key, tuple[Any, ...]]:
    global _entries
    if _entries is None:
        _entries = {}
        path = cache_file()
        if path is not None:
            try:
                data = marshal.loads(path.read_bytes())
                if isinstance(data, dict) and data.get("python") == sys.version:
                    _entries = data["entries"]
            except (OSError, ValueError, EOFError, TypeError, KeyError):
                _entries = {}  # missing or damaged: rebuilt on the way
    return _entries


def _save() -> None:
    path = cache_file()
    if path is None or not _dirty or _entries is None:
        return
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        import tempfile  # here: it imports shutil, which a run that finds its cache never needs

        data = marshal.dumps({"python": sys.version, "entries": _entries})
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".startup-", suffix=".tmp")
        try:
            with os.fdopen(fd, "wb") as f:
                f.write(data)
            os.replace(tmp, path)  # a reader sees the old file or the new, never half of one
        finally:
            if os.path.exists(tmp):
                os.unlink(tmp)
    except (OSError, ValueError):
        pass  # a read-only home or a full disk: the next run compiles again


def _remember(key: _Key, value: Any) -> None:
    global _dirty
    entries = _load()
    if len(entries) >= MAX_ENTRIES:
        entries.clear()
    if not _dirty:
        atexit.register(_save)
    entries[key] = value
    _dirty = True


def data(name: str, source: bytes, build: Callable[[bytes], T]) -> T:
    """``build(source)``, kept for the next run while ``source`` is byte for byte the same.

    For values marshal can write (dicts, lists, strings, numbers); others are built
    every time.

    >>> data("doctest.toml", b"x = 1", lambda b: {"x": int(b.split(b"=")[1])})
    {'x': 1}
    """
    key = ("data:" + name, f"{len(source)}:{zlib.crc32(source)}", 0)
    entries = _load() if _ENGINE is not None else None
    if entries is not None and key in entries:
        kept: T = entries[key]  # type: ignore[assignment]
        return kept
    value = build(source)
    if entries is not None:
        try:
            marshal.dumps(value)  # type: ignore[arg-type]
        except ValueError:
            return value
        _remember(key, value)
    return value


def _engine_args(source: str, flags: int) -> tuple[Any, ...]:
    """What ``re`` passes its engine for ``source`` (``re._compiler.compile``'s steps)."""
    parsed = _parser.parse(source, flags)
    code = [int(c) for c in _compiler._code(parsed, flags)]  # opcodes are int subclasses marshal refuses
    groupindex = dict(parsed.state.groupdict)
    indexgroup: list[str | None] = [None] * parsed.state.groups
    for name, i in groupindex.items():
        indexgroup[i] = name
    return (source, int(flags | parsed.state.flags), code, parsed.state.groups - 1, groupindex, tuple(indexgroup))


def _skip_by_class(args: tuple[Any, ...]) -> tuple[Any, ...] | None:
    """The engine's arguments with its search told which characters a match starts with.

    For a pattern that opens with a lookahead on one character class (the guard of
    ``patterns.compile_guarded``): the engine skips to the next such character in a
    tight loop, as it does for a pattern that starts with a class, instead of
    trying the pattern (and its lookahead) at every character. The class is written
    into the pattern's info block by ``re``'s own charset compiler; the opcodes that
    match are untouched, so what matches cannot change. None if the pattern does not
    open so, is case-folded, or the info block is not the plain one expected.
    """
    source, flags, code = args[0], args[1], list(args[2])
    if flags & re.IGNORECASE:
        return None
    items = list(_parser.parse(source, flags))
    if not items or items[0][0] is not _parser.ASSERT or items[0][1][0] != 1:
        return None
    inner = list(items[0][1][1])
    if len(inner) != 1 or inner[0][0] is not _parser.IN:
        return None
    charset, hascased = _compiler._optimize_charset(inner[0][1])
    if hascased or any(op is _parser.NEGATE for op, _ in charset):
        return None
    # A plain info block: INFO, skip, no prefix or charset yet, min and max width.
    if code[0] != _compiler.INFO or code[1] != 4 or code[2] != 0 or code[3] == 0:
        return None
    cls: list[int] = []
    _compiler._compile_charset(charset, flags, cls)
    info = [int(_compiler.INFO), 4 + len(cls), int(_compiler.SRE_INFO_CHARSET), code[3], code[4], *map(int, cls)]
    return (args[0], args[1], info + code[5:], *args[3:])


def compile(
    pattern: str, flags: int = 0, rewrite: Callable[[str, int], str] | None = None, tag: str = "",
    skip_by_class: bool = False,
) -> re.Pattern[str]:
    """``re.compile(pattern, flags)``, from the cache when this Python compiled it before.

    ``rewrite`` turns the pattern into the one compiled (``tag`` names the rewrite in
    the cache key), so that its work is skipped too when the result is cached.
    ``skip_by_class``: a pattern opening with a lookahead on a class gets the
    engine's fast skip to that class (:func:`_skip_by_class`), cached or not.

    >>> compile(r"[一-鿿]+(?P<n>[0-9]+)") == re.compile(r"[一-鿿]+(?P<n>[0-9]+)")
    True
    >>> p = compile(r"(?=[0-9近])(?:近?[0-9]+)", skip_by_class=True)
    >>> p.findall("近3年增长5%"), p.pattern
    (['近3', '5'], '(?=[0-9近])(?:近?[0-9]+)')
    """
    entries = _load() if _ENGINE is not None else None
    key = (tag + ("+skip" if skip_by_class else ""), pattern, int(flags))
    if entries is not None and key in entries:
        try:
            cached: re.Pattern[str] = _sre.compile(*entries[key])
            return cached
        except Exception:  # noqa: BLE001 - a stale entry: compile it again below
            del entries[key]
    source = rewrite(pattern, flags) if rewrite else pattern
    compiled = re.compile(source, flags)
    if _ENGINE is None or flags & re.DEBUG:
        return compiled
    try:
        args = _engine_args(source, flags)
        ok = _sre.compile(*args) == compiled
        if ok and skip_by_class:
            fast = _skip_by_class(args)
            if fast is not None:
                compiled, args = _sre.compile(*fast), fast
    except Exception:  # noqa: BLE001 - internals not as expected: no cache for this one
        ok = False
    if ok and entries is not None:
        _remember(key, args)
    return compiled
