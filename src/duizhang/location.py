"""Where a library is: a file, or a PostgreSQL server's URL (what ``--db`` names).

Kept apart from the store so that the command line can name its default library
and print a URL without loading a database driver.
"""

from __future__ import annotations

from urllib.parse import urlsplit, urlunsplit

#: The library a command uses when neither ``--db`` nor ``$DUIZHANG_DB`` names one.
DEFAULT_DB = "duizhang.db"


def is_url(db: str) -> bool:
    """Whether ``--db`` names a PostgreSQL server rather than a file.

    >>> is_url("postgresql://me@db.example/duizhang"), is_url("postgres:///x"), is_url("library.db")
    (True, True, False)
    """
    return db.startswith(("postgresql://", "postgres://"))


def shown(url: str) -> str:
    """The URL without its password, for messages.

    >>> shown("postgresql://me:secret@host:5432/lib")
    'postgresql://me@host:5432/lib'
    """
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.rsplit("@", 1)[1]
    user = parts.username or ""
    return urlunsplit(parts._replace(netloc=f"{user}@{netloc}" if user else netloc))
