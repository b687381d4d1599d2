"""Every size and time limit in one place, each with its reason.

Reports are small: the longest in the development corpus (a provincial .docx with
its tables, a national report with three pasted copies) are under 1 MB of bytes
and 150,000 characters of text. The limits sit far above any real report and far
below what would exhaust a laptop, so a wrong file (a database dump, /dev/zero, a
zip bomb) is refused with one line naming it instead of eating memory or time.
The README ("Limits") lists them for users.
"""

from __future__ import annotations

#: Bytes read from one file. A wrong folder (videos, a database dump) is caught
#: before it is loaded; a file that grows while read stops here too.
MAX_FILE_BYTES = 200 * 1024 * 1024

#: Bytes a compressed document may unpack to (a .docx package, a gzip-compressed
#: saved page). A 3.7 MB .docx can hold 1 GB of XML; real reports need < 1 MB.
MAX_UNPACKED_BYTES = 200 * 1024 * 1024

#: Characters of decoded text one document may have: 100x the longest report, and
#: small enough that its figures, index and web page stay in memory comfortably.
MAX_TEXT_CHARS = 20_000_000

#: Bytes of one upload through the web explorer, counted while the body arrives
#: (a report is a few MB at most, even as a scanned PDF).
MAX_UPLOAD_BYTES = 50 * 1024 * 1024

#: Seconds a writer waits for another writer's transaction (another `add` storing a
#: large document) before giving up; every document is one short transaction.
BUSY_TIMEOUT_S = 60.0
