"""Lines of site chrome and report titles: the line rules that decode (putting a
page's title back before its text) and clean (finding the body) both read.

Header, footer and inline chrome lines come from ``data/boilerplate.toml``; title
words from ``data/document.toml``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from . import patterns, startup
from .patterns import PAD, LinePattern, skips_padding
from .vocab import load_toml, read_bytes

#: The word patterns of ``data/document.toml``.
_DOC = load_toml("document.toml")

# One star over padding and bullets: LEAD's own star before another over the same
# characters backtracks quadratically on lines of spaces (a 5× slower parse).
_LEAD_ITEM = rf"(?:{PAD}|[•·])"
LINE_LEAD = rf"(?m)^{_LEAD_ITEM}*"

#: The characters a line's padding and bullets (``_LEAD_ITEM``) can start with.
LEAD_CHARS = " \t\r\u3000\u2002\u2003\u00a0\ufeff<&•·"

#: Lines that name the report but are not its title: the delivery line
#: (2025年1月20日在…会议上…作政府工作报告, ——2025年…) and photo captions
#: (省长×××作政府工作报告).
NOT_TITLE = rf"(?![0-9０-９〇零一二]{{4}}年[0-9０-９〇零一二三四五六七八九十]{{1,2}}月|——|{_DOC['title']['not_title']})"

#: A report title: short line naming the document type, without sentence punctuation.
TITLE_RE = LinePattern(
    LINE_LEAD
    + NOT_TITLE
    + rf"(?P<t>[^\n。；;，,]{{0,40}}?({_DOC['title']['names']})[^\n。，,]{{0,30}})\s*$"
)


@dataclass(frozen=True)
class Rules:
    header: LinePattern
    footer: LinePattern
    inline: LinePattern
    reasons: dict[str, str]  # group name -> reason


@cache
def line_rules() -> Rules:
    # Which patterns need the padding branch is worked out by parsing each (5 ms):
    # kept with the start-up cache, under the rules and the code that decides it.
    key = read_bytes("boilerplate.toml") + Path(__file__).read_bytes() + Path(patterns.__file__).read_bytes()
    built = startup.data("line_rules", key, _rule_sources)
    return Rules(LinePattern(built["header"]), LinePattern(built["footer"]), LinePattern(built["inline"]), built["reasons"])


def _rule_sources(_key: bytes) -> dict[str, Any]:
    """The source of each place's line pattern and the reason of each group."""
    data = load_toml("boilerplate.toml")
    alts: dict[str, list[tuple[str, list[str]]]] = {"header": [], "footer": [], "inline": []}
    reasons: dict[str, str] = {}
    for i, rule in enumerate(data["rule"]):
        group = f"r{i}"
        reasons[group] = reasons[group + _IN_LEAD] = rule["reason"]
        alts[rule["where"]].append((group, rule["patterns"]))
    return {"reasons": reasons, **{where: _line_rule_source(rules) for where, rules in alts.items()}}


#: The group name of a rule's patterns matched from inside a line's padding.
_IN_LEAD = "_in_lead"


def _line_rule_source(rules: list[tuple[str, list[str]]]) -> str:
    r"""One pattern for rules of lines: each rule's patterns, from after the line's padding.

    Tried once after all the padding, where a plain ``LEAD(?:rules)`` gave the padding
    back one character at a time and tried every rule again after each (three times on
    every indented paragraph: a tenth of a parse). Only a pattern that can match
    from inside the padding and not after it (a spacer line of ``&nbsp;``; not
    ``.{0,30}ICP备``, see ``patterns.skips_padding``) is tried there, in its order, in
    a second branch that gives the padding back: what matches, and which rule, is
    what the plain pattern finds.

    >>> p = LinePattern(_line_rule_source([("r0", ["网站地图", r".{0,4}ICP备"]), ("r1", [r"(&nbsp;)+$"])]))
    >>> [(m.group(), m.lastgroup) for m in p.finditer("\u3000网站地图\n  ICP备1号\n&nbsp;&nbsp;\n正文")]
    [('\u3000网站地图', 'r0'), ('  ICP备1号', 'r0'), ('&nbsp;&nbsp;', 'r1_in_lead')]
    """
    after = "|".join(f"(?P<{g}>" + "|".join(f"(?:{p})" for p in ps) + ")" for g, ps in rules)
    inside = []
    for g, ps in rules:
        may = [p for p in ps if not skips_padding(p, LEAD_CHARS, re.M)]
        if may:
            inside.append(f"(?P<{g}{_IN_LEAD}>" + "|".join(f"(?:{p})" for p in may) + ")")
    source = rf"(?m)^(?:{_LEAD_ITEM}*+(?:{after})"
    if inside:
        source += rf"|{_LEAD_ITEM}*(?:{'|'.join(inside)})"
    return source + r")[^\n]*"


def first_content_line(text: str) -> int:
    r"""Offset of the first non-blank line that is not site chrome (0 if none).

    >>> t = "无障碍 | 繁体\n首页 > 政务公开\n——2024年1月15日在某区第五届人民代表大会上"
    >>> t[first_content_line(t):][:6]
    '——2024'
    """
    rules = line_rules()
    pos = 0
    for line in text.splitlines(keepends=True):
        body = line.strip()
        if body and not (rules.header.match(line) or rules.inline.match(line) or rules.footer.match(line)):
            return pos
        pos += len(line)
    return 0


