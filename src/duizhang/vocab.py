"""Loads the vocabulary data files shipped in ``duizhang/data/`` (cached)."""

from __future__ import annotations

import tomllib
from functools import cache
from importlib import resources
from typing import Any


@cache
def load_toml(name: str) -> dict[str, Any]:
    """Parse ``data/<name>`` once per process."""
    with resources.files("duizhang").joinpath("data").joinpath(name).open("rb") as f:
        return tomllib.load(f)


def read_text(name: str) -> str:
    """The text of ``data/<name>``."""
    return resources.files("duizhang").joinpath("data").joinpath(name).read_text(encoding="utf-8")
