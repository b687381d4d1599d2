"""Regex pieces that the decode, clean, meta and structure stages share.

Scraped report texts indent and pad lines with more than ASCII spaces: ideographic
spaces (U+3000), en/em spaces, no-break spaces, a byte-order mark, and in pages
saved by some scrapers the literal string ``<U+00A0>`` or ``&nbsp;`` where a
no-break space stood. Old Windows exports end lines with ``\\r\\r\\n``. A
heading or title is recognised the same way whatever of these surrounds it.
"""

from __future__ import annotations

#: One character (or escaped entity) of padding around a line's text.
PAD = r"(?:[ \t\r\u3000\u2002\u2003\u00a0\ufeff]|<U\+00A0>|&nbsp;)"

#: From a line's start over its padding (use with ``re.M``; the pattern sets it).
LEAD = rf"(?m)^{PAD}*"

#: Padding to the end of a line.
TRAIL = rf"{PAD}*$"

#: Padding inside a phrase (letter-spaced titles, 省长 王清宪), line breaks included.
WS = r"(?:[\s\u3000\u2002\u2003\u00a0]|<U\+00A0>)*"
