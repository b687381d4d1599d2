"""What a user's region words mean in a library: a name, part of a name or a code
(南开区, 南开, 天津, 120104) → the units held, and which unit's 对账单 is asked for.
"""

from __future__ import annotations

from . import regions
from .model import DuizhangError
from .reconcile import paired_years
from .store import Store


class LibraryError(DuizhangError):
    """A request the library cannot answer (unknown region, missing document)."""


def province_named(query: str) -> str | None:
    """The code of the province-level unit this name is exactly (天津, 天津市, 北京, 广西), else None.

    >>> province_named("天津"), province_named("天津市"), province_named("南开区"), province_named("120000")
    ('120000', '120000', None, '120000')
    """
    if query.isdigit():
        return query if len(query) == 6 and query.endswith("0000") and regions.get(query) else None
    for r in regions.search(query, limit=3):
        if r.code.endswith("0000") and query in (r.name, regions.short_name(r.name)):
            return r.code
    return None



def resolve_region(store: Store, query: str) -> list[tuple[str, str]]:
    """Regions in the library matching a name, part of a name or code: [(code, name)].

    Raises :class:`LibraryError` naming the closest regions when nothing matches.
    """
    q = query.strip()
    rows = store.regions()
    held = {code: name for code, name, _, _ in rows}
    # A renamed unit is found by its name of today too (襄阳 finds the reports of 襄樊).
    now = {code: (now_code or "", now_name or "") for code, _, now_code, now_name in rows}

    def names_of(c: str) -> list[str]:
        return [held[c], now[c][1]] if now[c][1] else [held[c]]

    province = province_named(q)
    if province is not None:
        # 天津, 天津市, 北京: the province-level unit and every unit under it (a search
        # or a list in 天津 is all of Tianjin; its own 对账单 is the unit's: see unit_of).
        hits = [(c, n) for c, n in held.items() if c[:2] == province[:2] or now[c][0][:2] == province[:2]]
    elif q.isdigit():
        hits = [(c, n) for c, n in held.items()
                if q in (c, now[c][0]) or (len(q) < 6 and (c.startswith(q) or now[c][0].startswith(q)))]
    else:
        exact = [(c, held[c]) for c in held if any(n == q or len(q) >= 2 and n.endswith(q) for n in names_of(c))]
        hits = exact or [(c, held[c]) for c in held if any(q in n for n in names_of(c))]
    if hits:
        return sorted(hits)
    import difflib

    names = list(held.values())
    close = difflib.get_close_matches(q, names, n=5, cutoff=0.3)
    # Only a real place "exists": regions.search falls back on fuzzy matches.
    known = [r for r in regions.search(q, limit=3) if q in r.full_name or q == r.code]
    msg = f"no region {query!r} in the library {store.path}"
    if known:
        msg += "; it exists (" + ", ".join(f"{r.full_name} {r.code}" for r in known) + ") but no report of it is stored"
    elif close:
        msg += "; closest: " + ", ".join(close)
    elif names:
        msg += "; regions held: " + ", ".join(sorted(set(names))[:8])
    raise LibraryError(msg)


def statement_units(store: Store, region: str, year: int | None) -> list[tuple[str, str]]:
    """The units whose 对账单 ``region`` asks for (of ``year``): [(code, name)].

    A retired code whose unit is held under its code of today too goes with the new
    code; 天津 means the municipality's own reports, not its districts'; a name that
    fits several units is an error naming them, unless only one has a pair that year.
    """
    codes = resolve_region(store, region)
    # A retired code whose unit is also held under its code of today is
    # reconciled under the new code (its reports pair there).
    held = {c for c, _ in codes}
    retired = {c for c, _, now, _ in store.regions() if now in held and now != c}
    codes = [(c, n) for c, n in codes if c not in retired] or codes
    province = province_named(region.strip())
    if province is not None:
        # The 对账单 of 天津 is the municipality's own (120000), not its districts'.
        own = [(c, n) for c, n in codes if c == province]
        if not own:
            raise LibraryError(
                f"no report of {regions.full_name(province)} itself is in the library; its units held: "
                + ", ".join(f"{n} {c}" for c, n in codes[:8]) + (" …" if len(codes) > 8 else ""))
        codes = own
    elif year and len(codes) > 1:
        # 和平 fits 天津市和平区 and 沈阳市和平区: the ones that have a pair this year, if one
        paired = [(c, n) for c, n in codes if year in paired_years(store.unit_documents(c))]
        if len(paired) > 1 and not region.strip().isdigit():
            raise LibraryError(f"{region!r} fits several regions with reports of {year}: "
                               + ", ".join(f"{n} {c}" for c, n in paired) + "; give one of them")
        codes = paired or codes[:1]
    return codes
