"""duizhang (对账): Chinese government work reports and plan reports as data.

>>> import duizhang
>>> callable(duizhang.parse) and callable(duizhang.extract) and callable(duizhang.Library)
True
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from .model import DuizhangError, Mention, NotAReportError, ReadError, Report

if TYPE_CHECKING:
    import pandas as pd

    from .library import Library
    from .pipeline import iter_reports, parse

__version__ = "0.1.0"


def extract(source: str | Path | bytes, name: str | None = None) -> pd.DataFrame:
    """Every quantity mention of one report (path or bytes) as a DataFrame.

    Columns are the gold schema: doc, start, end, text, value, value_max, unit,
    kind, direction, qualifier, stance, metric, metric_id, year.
    """
    import pandas as pd

    from .output import MENTION_FIELDS, mention_record
    from .pipeline import parse

    report = parse(source, name=name)
    return pd.DataFrame([mention_record(m) for m in report.mentions], columns=MENTION_FIELDS)


def __getattr__(name: str) -> object:
    # The parse stages compile their vocabulary and the library pulls in SQLite:
    # loaded when first asked for, so that `import duizhang.cli` for --help is quick.
    if name == "Library":
        from .library import Library

        return Library
    if name in ("parse", "iter_reports"):
        from . import pipeline

        return getattr(pipeline, name)
    raise AttributeError(name)


__all__ = [
    "Library",
    "DuizhangError", "Mention", "NotAReportError", "ReadError", "Report",
    "extract", "iter_reports", "parse", "__version__",
]
