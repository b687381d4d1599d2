"""Loads the vocabulary data files shipped in ``duizhang/data/`` (cached)."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

from . import startup


@cache
def load_toml(name: str) -> dict[str, Any]:
    """Parse ``data/<name>`` once per process (and once per edit: see ``startup``)."""
    return startup.data(name, read_bytes(name), _parse_toml)


def _parse_toml(source: bytes) -> dict[str, Any]:
    import tomllib  # only when a file changed: it compiles a dozen patterns of its own

    return tomllib.loads(source.decode("utf-8"))


#: The data files beside the modules. The package is installed as files (setuptools,
#: not zip-safe), so a path serves; importlib.resources would add a tenth of a
#: one-file extract's start-up for the same bytes.
DATA = Path(__file__).resolve().parent / "data"


def read_bytes(name: str) -> bytes:
    """The bytes of ``data/<name>``."""
    return (DATA / name).read_bytes()


def read_text(name: str) -> str:
    """The text of ``data/<name>``."""
    return (DATA / name).read_text(encoding="utf-8")
