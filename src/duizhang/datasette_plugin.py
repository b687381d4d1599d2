"""A Datasette plugin, loaded by Datasette wherever duizhang is installed beside it
(the ``datasette`` entry point in pyproject.toml): it gives Datasette's connections
``sqlar_uncompress``, the sqlite3 shell's function that reads a report's compressed
text, so that the ``sentence_texts`` view shows each sentence's text there too.
"""

from __future__ import annotations

import sqlite3

from datasette import hookimpl  # type: ignore[import-untyped,unused-ignore]

from .store.packing import sqlar_uncompress


@hookimpl  # type: ignore[misc,unused-ignore]
def prepare_connection(conn: sqlite3.Connection) -> None:
    conn.create_function("sqlar_uncompress", 2, sqlar_uncompress, deterministic=True)
