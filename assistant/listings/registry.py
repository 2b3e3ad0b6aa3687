"""The registry of listing formats: detection asks it, parsing looks formats up in it, error messages list it.

Adding a format = one module defining a `ListingFormat` (name, sniff, parse, record adapter; see base.py), and one
line below (or `register(...)` from outside). Order here is the order formats are listed in messages; the order
sniffs are asked in is each format's `rank`, highest first."""

from __future__ import annotations

from typing import Any

from ..errors import ListingError
from .base import ListingFormat
from .beir import BEIR
from .csv_table import CSV
from .json_document import JSON
from .jsonl import JSONL
from .openreview import OPENREVIEW
from .papers_cool import PAPERS_COOL

_REGISTRY: dict[str, ListingFormat[Any]] = {}


def register(fmt: ListingFormat[Any]) -> ListingFormat[Any]:
    """Add a format (a new name goes last in the messages; a known name is replaced in place)."""
    _REGISTRY[fmt.name] = fmt
    return fmt


for _builtin in (PAPERS_COOL, JSON, JSONL, CSV, BEIR, OPENREVIEW):
    register(_builtin)


def registered() -> tuple[ListingFormat[Any], ...]:
    return tuple(_REGISTRY.values())


def format_names() -> tuple[str, ...]:
    return tuple(_REGISTRY)


def by_rank() -> list[ListingFormat[Any]]:
    """The formats in the order their sniffs are asked (highest rank first; equal ranks in registration order)."""
    return sorted(_REGISTRY.values(), key=lambda f: -f.rank)


def get_format(name: str, path: str) -> ListingFormat[Any]:
    """The format called `name`; ListingError (naming `path`) for an unknown name."""
    fmt = _REGISTRY.get(name)
    if fmt is None:
        raise ListingError(path, f"unknown listing format {name!r}. Fix: use one of {', '.join(_REGISTRY)}")
    return fmt


def accepted_formats() -> str:
    """The formats as a sentence, for error messages: 'A, B, ... or Z'."""
    descriptions = [f.description for f in _REGISTRY.values()]
    return ", ".join(descriptions[:-1]) + ", or " + descriptions[-1] if len(descriptions) > 1 else descriptions[0]
