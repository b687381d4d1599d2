"""Region names to GB/T 2260 codes, from the offline table ``data/regions.csv``.

A name such as 河北区 or 和平区 exists in several places; it is resolved from the
names written before it (天津市河北区) and, failing that, from which provinces
and cities the document mentions most.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache

from .vocab import read_text

NATIONAL = "000000"

#: Province-level municipalities: their prefecture code (xx0100) repeats the name.
MUNICIPALITIES = {"11", "12", "31", "50"}

_SUFFIXES = ("特别行政区", "维吾尔自治区", "壮族自治区", "回族自治区", "自治区", "自治州", "自治县", "地区", "新区", "省", "市", "区", "县", "旗", "盟")


@dataclass(frozen=True, slots=True)
class Region:
    code: str
    name: str  # official short form as in the table, e.g. 南开区
    full_name: str  # with its parents, e.g. 天津市南开区
    level: str  # national | province | city | district | county


@dataclass(frozen=True)
class _Table:
    names: dict[str, str]  # code -> name
    by_name: dict[str, list[str]]  # name or short alias -> codes
    pattern: re.Pattern[str]  # every name and alias, longest first
    upper: re.Pattern[str]  # province and prefecture names and aliases only


def trie_regex(words: list[str]) -> str:
    """A regex matching any of ``words`` (longest first), as a prefix trie.

    Python's ``re`` tries alternatives one by one; sharing prefixes makes a
    4,000-name alternation run about as fast as a single word.

    >>> re.findall(trie_regex(["天津市", "天津", "河北区", "河北省"]), "天津市河北区")
    ['天津市', '河北区']
    """
    trie: dict[str, dict] = {}
    for w in words:
        node = trie
        for ch in w:
            node = node.setdefault(ch, {})
        node[""] = {}

    def build(node: dict[str, dict]) -> str:
        end = "" in node
        branches = [re.escape(ch) + build(child) for ch, child in sorted(node.items()) if ch]
        if not branches:
            return ""
        body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
        return f"(?:{body})?" if end else body

    return build(trie)


def _short(name: str) -> str | None:
    for suf in _SUFFIXES:
        if name.endswith(suf) and len(name) - len(suf) >= 2:
            return name[: -len(suf)]
    return None


@cache
def _table() -> _Table:
    text = "\n".join(line for line in read_text("regions.csv").splitlines() if not line.startswith("#"))
    names: dict[str, str] = {}
    for row in csv.DictReader(io.StringIO(text)):
        names[row["code"]] = row["name"]
    by_name: dict[str, list[str]] = {}
    for code, name in names.items():
        by_name.setdefault(name, []).append(code)
    # Short aliases (天津, 南开) only for provinces and prefecture cities: county
    # short forms are too often ordinary words.
    for code, name in names.items():
        if code.endswith("00"):
            short = _short(name)
            if short and short not in by_name:
                by_name.setdefault(short, []).append(code)
    by_name.setdefault("全国", [NATIONAL])
    pattern = re.compile(trie_regex(list(by_name)))
    upper = re.compile(trie_regex([n for n, codes in by_name.items() if any(c.endswith("00") for c in codes)]))
    return _Table(names, by_name, pattern, upper)


def level_of(code: str, name: str) -> str:
    """Administrative level from the code and name.

    >>> level_of("120104", "南开区"), level_of("120000", "天津市"), level_of("320583", "昆山市")
    ('district', 'province', 'county')
    """
    if code == NATIONAL:
        return "national"
    if code.endswith("0000"):
        return "province"
    if code.endswith("00"):
        return "city"
    return "district" if name.endswith("区") else "county"


def get(code: str) -> Region | None:
    """The region of a 6-digit code, or None."""
    t = _table()
    name = t.names.get(code)
    if name is None:
        return None
    return Region(code, name, full_name(code), level_of(code, name))


def full_name(code: str) -> str:
    """Name with its parents: 120104 → 天津市南开区, 130100 → 河北省石家庄市."""
    t = _table()
    if code == NATIONAL:
        return "全国"
    parts = []
    prov, city = code[:2] + "0000", code[:4] + "00"
    if prov in t.names and prov != code:
        parts.append(t.names[prov])
    if code[:2] in MUNICIPALITIES and code == city:
        return t.names[prov]
    if city in t.names and city not in (code, prov) and code[:2] not in MUNICIPALITIES:
        parts.append(t.names[city])
    parts.append(t.names.get(code, ""))
    return "".join(parts)


def find_names(text: str) -> list[tuple[int, int, str]]:
    """Every region name or alias in ``text`` as ``(start, end, name)``."""
    return [(m.start(), m.end(), m.group()) for m in _table().pattern.finditer(text)]


def context_weights(text: str) -> dict[str, int]:
    """How often each province (2-digit) and city (4-digit) prefix is named."""
    t = _table()
    weights: dict[str, int] = {}
    for m in t.upper.finditer(text):
        for code in t.by_name[m.group()]:
            if code.endswith("0000"):
                weights[code[:2]] = weights.get(code[:2], 0) + 1
            elif code.endswith("00"):
                weights[code[:4]] = weights.get(code[:4], 0) + 1
    return weights


def resolve(names: Iterable[str], context: dict[str, int] | None = None) -> Region | None:
    """Resolve a chain of names (天津市, 河北区) to the most specific region.

    >>> resolve(["天津市", "河北区"]).code
    '120105'
    >>> resolve(["和平区"], {"12": 3}).code
    '120101'
    """
    t = _table()
    chain = [n for n in names if n in t.by_name]
    if not chain:
        return None
    prefix = ""
    best: str | None = None
    for name in chain:
        codes = [c for c in t.by_name[name] if c.startswith(prefix) or c == NATIONAL]
        # 天津市 or 重庆市 names the municipality (500000) and also its prefecture-level
        # groupings (500100 市辖区, 500200 县) in the code tables: the municipality.
        codes = [c for c in codes if not (c[:2] in MUNICIPALITIES and c[4:] == "00" and c[2:] != "0000"
                                          and c[:2] + "0000" in codes)]
        if not codes:
            continue
        if len(codes) > 1 and context:
            codes.sort(key=lambda c: -(context.get(c[:2], 0) + 2 * context.get(c[:4], 0)))
        elif len(codes) > 1:
            codes.sort()
        best = codes[0]
        prefix = best.rstrip("0") if best != NATIONAL else ""
        if len(prefix) % 2:
            prefix += "0"
    return get(best) if best else None


def search(query: str, limit: int = 5) -> list[Region]:
    """Regions whose name or code contains ``query``, closest first (for CLI errors)."""
    t = _table()
    if query.isdigit():
        return [r for c in sorted(t.names) if c.startswith(query) and (r := get(c))][:limit]
    hits = [c for c, n in t.names.items() if query in n or query in full_name(c)]
    if not hits:
        import difflib

        close = difflib.get_close_matches(query, list(t.by_name), n=limit, cutoff=0.4)
        hits = [c for n in close for c in t.by_name[n]]
    return [r for c in hits[:limit] if (r := get(c))]
