"""Lines of site chrome and report titles: the line rules that decode (putting a
page's title back before its text) and clean (finding the body) both read.

Header, footer and inline chrome lines come from ``data/boilerplate.toml``; title
words from ``data/document.toml``.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from .patterns import PAD, LinePattern
from .vocab import load_toml

#: The word patterns of ``data/document.toml``.
_DOC = load_toml("document.toml")

# One star over padding and bullets: LEAD's own star before another over the same
# characters backtracks quadratically on lines of spaces (a 5× slower parse).
LINE_LEAD = rf"(?m)^(?:{PAD}|[•·])*"

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
    data = load_toml("boilerplate.toml")
    alts: dict[str, list[str]] = {"header": [], "footer": [], "inline": []}
    reasons: dict[str, str] = {}
    for i, rule in enumerate(data["rule"]):
        group = f"r{i}"
        reasons[group] = rule["reason"]
        body = "|".join(f"(?:{p})" for p in rule["patterns"])
        alts[rule["where"]].append(f"(?P<{group}>{body})")

    def comp(parts: list[str]) -> LinePattern:
        return LinePattern(LINE_LEAD + "(?:" + "|".join(parts) + r")[^\n]*")

    return Rules(comp(alts["header"]), comp(alts["footer"]), comp(alts["inline"]), reasons)


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


