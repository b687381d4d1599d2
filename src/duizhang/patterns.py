"""Regex pieces that the decode, clean, meta and structure stages share.

Scraped report texts indent and pad lines with more than ASCII spaces: ideographic
spaces (U+3000), en/em spaces, no-break spaces, a byte-order mark, and in pages
saved by some scrapers the literal string ``<U+00A0>`` or ``&nbsp;`` where a
no-break space stood. Old Windows exports end lines with ``\\r\\r\\n``. A
heading or title is recognised the same way whatever of these surrounds it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from . import startup

#: One character (or escaped entity) of padding around a line's text.
PAD = r"(?:[ \t\r\u3000\u2002\u2003\u00a0\ufeff]|<U\+00A0>|&nbsp;)"

#: From a line's start over its padding (use with ``re.M``; the pattern sets it).
LEAD = rf"(?m)^{PAD}*"

#: Padding to the end of a line.
TRAIL = rf"{PAD}*$"

#: Padding inside a phrase (letter-spaced titles, 省长 王清宪), line breaks included.
WS = r"(?:[\s\u3000\u2002\u2003\u00a0]|<U\+00A0>)*"


# --- Fast scanning -------------------------------------------------------------------
# Python's regex engine skips ahead quickly only when a pattern starts with a literal
# or a character class. Ours start with an optional qualifier word, an alternation of a
# hundred words or a repeated group, so the engine tries the whole pattern at every
# character of a report: over a whole text that was most of the figure stage. The
# characters a match can start with are computed from the parsed pattern and put in a
# lookahead, which the engine tests in one step.

_Ranges = list[tuple[int, int]]

#: A class with more code points than this is no filter worth having.
_GUARD_MAX = 5000


#: What an ASCII letter also matches under IGNORECASE in a str pattern (re docs).
_ICASE_EXTRA = [(0x130, 0x131), (0x17F, 0x17F), (0x212A, 0x212A)]


def _cased(cp: int, icase: bool) -> _Ranges | None:
    ch = chr(cp)
    if not icase or ch.lower() == ch.upper():
        return [(cp, cp)]
    if ch.isascii():
        return [(ord(ch.lower()), ord(ch.lower())), (ord(ch.upper()), ord(ch.upper())), *_ICASE_EXTRA]
    return None  # other cased letters fold in ways not worth following


def _first(seq: Any, icase: bool) -> tuple[_Ranges | None, bool]:
    """Code-point ranges a match of the parsed sequence can start with (None: any),
    and whether the sequence can match the empty string."""
    out: _Ranges = []
    for op, av in seq:
        name = str(op)
        chars: _Ranges | None
        nullable = False
        if name == "LITERAL":
            chars = _cased(av, icase)
        elif name == "IN":
            chars = []
            for iop, iav in av:
                iname = str(iop)
                if iname == "LITERAL":
                    cased = _cased(iav, icase)
                    if cased is None:
                        return None, False
                    chars += cased
                elif iname == "RANGE" and not icase:
                    chars.append(iav)
                else:
                    return None, False  # negated classes, categories (\d, \s), case folding
        elif name == "SUBPATTERN":
            chars, nullable = _first(av[3], icase or bool(av[1] & re.IGNORECASE))
        elif name == "BRANCH":
            chars = []
            for alt in av[1]:
                c, n = _first(alt, icase)
                if c is None:
                    return None, False
                chars += c
                nullable = nullable or n
        elif name in ("MAX_REPEAT", "MIN_REPEAT", "POSSESSIVE_REPEAT"):
            chars, nullable = _first(av[2], icase)
            nullable = nullable or av[0] == 0
        elif name in ("AT", "ASSERT", "ASSERT_NOT"):
            chars, nullable = [], True  # zero-width: the next item decides
        else:
            return None, False  # ANY, back-references, conditionals
        if chars is None:
            return None, False
        out += chars
        if not nullable:
            return out, False
    return out, True


_GLOBAL_FLAGS = re.compile(r"^\(\?[aiLmsux]+\)")


def skips_padding(pattern: str, chars: str, flags: int = 0) -> bool:
    r"""Whether a match that starts inside a run of ``chars`` (a line's padding) means
    one that starts after the run (so trying the pattern inside it finds nothing new).

    So it is when no match can start with those characters, or when the pattern opens
    with optional items that match none of them, then ``.{0,n}`` or ``\s*`` (which
    would only eat the padding), then what cannot start with them either.

    >>> [skips_padding(p, " \u3000&") for p in ("网站地图", r".{0,30}ICP备", r"[（(]?\s*编辑", r"(&nbsp;)+$", r".{2,9}x", r".*&")]
    [True, True, True, False, False, False]
    """
    from re import _parser  # type: ignore[attr-defined]

    parsed = _parser.parse(pattern, flags)
    icase = bool(parsed.state.flags & re.IGNORECASE)
    items = list(parsed)

    def outside(seq: Any) -> bool:
        """No match of ``seq`` starts with one of ``chars`` (False when unsure)."""
        ranges, _ = _first(seq, icase)
        return ranges is not None and not any(a <= ord(c) <= b for c in chars for a, b in ranges)

    if outside(items) and not _first(items, icase)[1]:
        return True  # no match can start with a padding character

    i = 0
    while i < len(items) and str(items[i][0]) == "MAX_REPEAT" and items[i][1][0] == 0 and outside(items[i][1][2]):
        i += 1  # 可选的 [（(]? that cannot take a padding character
    if i == len(items) or str(items[i][0]) != "MAX_REPEAT" or items[i][1][0] != 0:
        return False
    body = [(str(op), av) for op, av in items[i][1][2]]
    eats = body == [("ANY", None)] and "\n" not in chars or body == [("IN", [(_parser.CATEGORY, _parser.CATEGORY_SPACE)])]
    rest = items[i + 1 :]
    ranges, nullable = _first(rest, icase) if rest else (None, True)
    return eats and ranges is not None and not nullable and outside(rest)


def compile_guarded(pattern: str, flags: int = 0) -> re.Pattern[str]:
    r"""``re.compile`` with a lookahead on the characters a match can start with.

    The guard never changes what matches, only how fast positions that cannot
    start a match are skipped.

    >>> compile_guarded(r"(?:超过|近)?[0-9]+(?:万|亿)?").pattern
    '(?=[0-9超近])(?:(?:超过|近)?[0-9]+(?:万|亿)?)'
    >>> compile_guarded(r"(?m)^(?:增速|增幅)+$").pattern
    '(?m)(?=[增])(?:^(?:增速|增幅)+$)'
    >>> compile_guarded(r"(?:a|.)b").pattern, compile_guarded(r"x?").pattern, compile_guarded("增长").pattern
    ('(?:a|.)b', 'x?', '增长')
    """
    return startup.compile(pattern, flags, rewrite=guarded, tag="guarded", skip_by_class=True)


def guarded(pattern: str, flags: int = 0) -> str:
    """The pattern with the guard :func:`compile_guarded` compiles (unchanged if none pays)."""
    from re import _parser  # type: ignore[attr-defined]

    parsed = _parser.parse(pattern, flags)
    items = list(parsed)
    if not items or str(items[0][0]) in ("LITERAL", "IN"):
        return pattern  # the engine already skips by these
    chars, nullable = _first(items, bool(parsed.state.flags & re.IGNORECASE))
    if chars is None or nullable or sum(b - a + 1 for a, b in chars) > _GUARD_MAX:
        return pattern
    merged: _Ranges = []
    for a, b in sorted(chars):
        if merged and a <= merged[-1][1] + 1:
            merged[-1] = (merged[-1][0], max(merged[-1][1], b))
        else:
            merged.append((a, b))
    cls = "".join(re.escape(chr(a)) if a == b else f"{re.escape(chr(a))}-{re.escape(chr(b))}" for a, b in merged)
    head = _GLOBAL_FLAGS.match(pattern)
    lead, body = (head.group(), pattern[head.end():]) if head else ("", pattern)
    return f"{lead}(?=[{cls}])(?:{body})"


class LinePattern:
    r"""A pattern of whole lines (``(?m)^…``) that finds its matches by their line breaks.

    The engine skips fast only to a pattern's first literal or character class. A
    pattern that starts with ``^`` has neither, so a search tried the whole pattern's
    opening at every character of a report (the three chrome scans were a tenth of a
    parse). This one looks for ``\n`` followed by the pattern (a lookahead), then
    matches the pattern itself on the line after it: the same matches, as real
    match objects, at the speed of a search for one character.

    >>> p = LinePattern(r"(?m)^ *(?P<h>首页|网站地图)[^\n]*")
    >>> [(m.start(), m.group(), m.lastgroup) for m in p.finditer("首页 > 新闻\n正文\n  网站地图 | 联系")]
    [(0, '首页 > 新闻', 'h'), (11, '  网站地图 | 联系', 'h')]
    >>> p.search("正文\n网站地图", 1) is not None, p.search("正文\n网站地图", 4) is None
    (True, True)
    """

    def __init__(self, source: str) -> None:
        if not source.startswith("(?m)^"):
            raise ValueError(f"not a line pattern: {source[:40]!r}")
        self.regex = startup.compile(source)
        self._next = startup.compile("(?m)\n(?=" + source[len("(?m)^"):] + ")")

    def match(self, text: str, pos: int = 0, endpos: int | None = None) -> re.Match[str] | None:
        return self.regex.match(text, pos, len(text) if endpos is None else endpos)

    def fullmatch(self, text: str, pos: int = 0, endpos: int | None = None) -> re.Match[str] | None:
        return self.regex.fullmatch(text, pos, len(text) if endpos is None else endpos)

    def finditer(self, text: str, pos: int = 0, endpos: int | None = None) -> Iterator[re.Match[str]]:
        """As ``re.Pattern.finditer``: ``^`` holds at ``pos`` only at the start or after a line break."""
        end = len(text) if endpos is None else endpos
        search, match = self._next.search, self.regex.match
        while pos <= end:
            m = match(text, pos, end) if pos == 0 or text[pos - 1] == "\n" else None
            if m is None:
                hit = search(text, pos, end)
                if hit is None:
                    return
                m = match(text, hit.start() + 1, end)
                if m is None:  # the lookahead matched this very pattern there
                    return
            yield m
            # Our line patterns never match empty; if one did, go on past it.
            pos = m.end() if m.end() > m.start() else m.start() + 1

    def search(self, text: str, pos: int = 0, endpos: int | None = None) -> re.Match[str] | None:
        return next(self.finditer(text, pos, endpos), None)
