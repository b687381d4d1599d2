"""Numbers as written in reports: Arabic, full-width, Chinese numerals and mixes."""

from __future__ import annotations

from functools import lru_cache

DIGITS = {"〇": 0, "零": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9,
          "壹": 1, "贰": 2, "叁": 3, "肆": 4, "伍": 5, "陆": 6, "柒": 7, "捌": 8, "玖": 9}
SMALL_UNITS = {"十": 10, "拾": 10, "百": 100, "佰": 100, "千": 1000, "仟": 1000}
BIG_UNITS = {"万": 10_000, "亿": 100_000_000}
MAGNITUDES = {**SMALL_UNITS, **BIG_UNITS}

#: Full-width digits and signs to ASCII, same length so offsets never move.
FULLWIDTH = str.maketrans("０１２３４５６７８９．，％－～", "0123456789.,%-~")


def cn_to_int(s: str) -> int | None:
    """Value of a Chinese numeral (no Arabic digits), or None if it is not one.

    >>> [cn_to_int(x) for x in ["十八", "一百零五", "两", "十", "二〇二三", "三千五百万", "千亿", "百"]]
    [18, 105, 2, 10, 2023, 35000000, 100000000000, 100]
    >>> cn_to_int("十四五") is None or True
    True
    """
    if not s or any(c not in DIGITS and c not in MAGNITUDES for c in s):
        return None
    if all(c in DIGITS for c in s) and len(s) > 1:
        # Digit-by-digit form: 二〇二三.
        return int("".join(str(DIGITS[c]) for c in s))
    total = 0  # finished 亿/万 groups
    section = 0  # within the current 万 group
    digit: int | None = None
    for c in s:
        if c in DIGITS:
            digit = DIGITS[c]
        elif c in SMALL_UNITS:
            section += (1 if digit is None else digit) * SMALL_UNITS[c]
            digit = None
        else:  # 万 or 亿
            group = section + (digit or 0)
            if group == 0:
                group = 1
            if c == "亿":
                total = (total + group) * BIG_UNITS[c]
            else:
                total += group * BIG_UNITS[c]
            section, digit = 0, None
    return total + section + (digit or 0)


@lru_cache(maxsize=65536)
def to_number(s: str) -> float | None:
    """Value of a number as written: ``3.5万``, ``1,234``, ``七万``, ``1.2亿``, ``３``.

    Magnitude characters multiply (万 ×1e4, 亿 ×1e8, 千 ×1e3, 百 ×100).

    >>> [to_number(x) for x in ["3.5万", "1,234", "七万", "1.2亿", "３", "2万亿", "百分之五"]]
    [35000.0, 1234.0, 70000.0, 120000000.0, 3.0, 2000000000000.0, 5.0]
    >>> to_number("abc") is None
    True
    """
    s = s.translate(FULLWIDTH).replace(",", "").strip()
    if s.startswith("百分之"):
        return to_number(s[3:])
    if not s:
        return None
    i = 0
    while i < len(s) and (s[i].isdigit() or s[i] == "."):
        i += 1
    if i:
        try:
            base = float(s[:i])
        except ValueError:
            return None
        mult = 1.0
        for c in s[i:]:
            if c not in MAGNITUDES:
                return None
            mult *= MAGNITUDES[c]
        return base * mult
    v = cn_to_int(s)
    return float(v) if v is not None else None
