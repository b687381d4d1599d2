"""The full-text index of report sentences: what is indexed for a sentence, and the
FTS5 query for what a user types.

SQLite's FTS5 tokenizers know no Chinese words. The trigram tokenizer finds
substrings of three characters or more only (二 and 养老 were a scan of every
sentence) and stores the text a second time. Here every character is its own
token (老 旧 小 区; digits and Latin letters one by one, so GDP is G D P and PM2
finds PM2.5) and a punctuation mark is one placeholder token: a phrase query of
single characters finds any substring of any length, and never across a comma.
The index is contentless: the sentence text is read from the stored document,
not kept again.
"""

from __future__ import annotations

import re

#: Stands for a punctuation mark or symbol in the index: a private-use character,
#: which FTS5's unicode61 tokenizer keeps as a token (it drops punctuation).
MARK = "\ue000"

_PUNCT = re.compile(r"[^\w\s]")

#: The index table, its tokenizer, and no stored content.
CREATE_INDEX = (
    "CREATE VIRTUAL TABLE sentence_index USING fts5(body, content='', columnsize=0, "
    "tokenize='unicode61 remove_diacritics 0')"
)


def index_body(text: str) -> str:
    r"""What the index holds for a sentence: its tokens separated by spaces.

    >>> index_body("改造，GDP增长5.2%")
    '改 造 \ue000 G D P 增 长 5 \ue000 2 \ue000'
    """
    # Two C-speed passes (a replacement with a group reference ran in Python, and cost
    # more than the rest of storing a document).
    return " ".join(marked(text))


def marked(text: str) -> str:
    r"""``text`` with each punctuation mark or symbol replaced by :data:`MARK`, one
    character for one: the index body of any stretch of a text is the spaced-out
    slice of the text marked once (a report's sentences, marked one by one, cost
    more than the rest of preparing it for the store).

    >>> t = "改造，GDP增长5.2%。新建"
    >>> " ".join(marked(t)[2:12]) == index_body(t[2:12]), len(marked(t)) == len(t)
    (True, True)
    """
    return _PUNCT.sub(MARK, text)


#: What a search ignores between characters: spacing, and ``_``, which the index's
#: tokenizer treats as a separator like a space.
_SKIP = re.compile(r"[\s_]+")


def search_body(text: str) -> str:
    r"""A sentence as PostgreSQL searches it, the same text the SQLite index sees:
    punctuation one placeholder, spacing dropped, letters folded to lower case. A
    search part is found where its own ``search_body`` is a substring.

    >>> search_body("改造，GDP 增长5.2%") == "改造" + MARK + "gdp增长5" + MARK + "2" + MARK
    True
    """
    return _SKIP.sub("", _PUNCT.sub(MARK, text)).lower()


def search_parts(query: str) -> list[str]:
    """The parts of a search as :func:`search_body` gives them (empty ones dropped).

    >>> search_parts("老旧小区  养老 ，")
    ['老旧小区', '养老', '\ue000']
    """
    return [b for b in (search_body(p) for p in query.split()) if b]


def match_query(query: str) -> str | None:
    r"""The FTS5 MATCH expression for a search: each space-separated part a phrase,
    all parts required (老旧 小区 finds sentences holding both). None if nothing to find.

    >>> match_query("老旧小区"), match_query("养老 5%")
    ('"老 旧 小 区"', '"养 老" AND "5 \ue000"')
    >>> match_query("   ") is None
    True
    """
    phrases = []
    for part in query.split():
        tokens = index_body(part).split()
        if tokens:
            phrases.append('"' + " ".join(tokens) + '"')
    return " AND ".join(phrases) or None
