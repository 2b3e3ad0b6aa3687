"""Decisions, venues and years: 'Accept (Oral)' -> Oral, 'ICLR 2022 Poster' -> (ICLR, 2022, Poster), and the
venue and year a listing's file name implies for records that do not say."""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..types import DECISIONS
from .cleaning import clean_line

_DECISION_PATTERNS = tuple((name, re.compile(rf"\b{name}\b", re.I)) for name in DECISIONS)


def normalize_decision(value: str | None) -> str | None:
    """'Accept (Oral)', 'oral', 'ICLR 2022 Oral' -> 'Oral' (likewise Spotlight, Poster); anything else kept as is."""
    text = clean_line(value or "")
    for name, pattern in _DECISION_PATTERNS:
        if pattern.search(text):
            return name
    return text or None


_VENUE_YEAR = re.compile(r"(?P<name>.*?)[\s._-]*\b(?P<year>(?:19|20)\d\d)\b[\s.:-]*(?P<rest>.*)")


def split_venue(value: str) -> tuple[str | None, int | None, str | None]:
    """'ICLR.2022' / 'ICLR 2022 Poster' -> (venue, year, decision or None); a value without a year is the venue."""
    text = clean_line(value)
    m = _VENUE_YEAR.fullmatch(text)
    if not m:
        return text or None, None, None
    rest = normalize_decision(m.group("rest"))
    decision = rest if rest in DECISIONS else None
    return m.group("name").strip() or None, int(m.group("year")), decision


@dataclass(frozen=True)
class ListingDefaults:
    """Venue and year for papers whose record does not say (e.g. from a venue header or the file's name)."""

    venue: str | None = None
    year: int | None = None


NO_DEFAULTS = ListingDefaults()  # a record's own fields only


def merge_defaults(inner: ListingDefaults, outer: ListingDefaults) -> ListingDefaults:
    """`inner`'s venue and year where it has them, else `outer`'s."""
    return ListingDefaults(inner.venue or outer.venue, inner.year or outer.year)


_VENUE_NAMES = {"iclr": "ICLR", "neurips": "NeurIPS", "nips": "NeurIPS", "icml": "ICML", "cvpr": "CVPR",
                "iccv": "ICCV", "eccv": "ECCV", "acl": "ACL", "emnlp": "EMNLP", "naacl": "NAACL", "aaai": "AAAI",
                "ijcai": "IJCAI", "colm": "COLM", "tmlr": "TMLR", "corl": "CoRL", "aistats": "AISTATS", "uai": "UAI"}
_VENUE_IN_NAME = re.compile(rf"(?<![a-z])({'|'.join(_VENUE_NAMES)})[-_. ]?((?:19|20)\d\d)(?!\d)", re.I)


def defaults_from_name(path: str) -> ListingDefaults:
    """Venue and year named by a listing's file or folder name ('iclr2022/accepted.jsonl' -> ICLR, 2022), for
    records that do not carry them. Only the last two path parts are looked at."""
    tail = "/".join(re.split(r"[\\/]", path)[-2:])
    matches = list(_VENUE_IN_NAME.finditer(tail))
    if not matches:
        return ListingDefaults()
    name, year = matches[-1].groups()
    return ListingDefaults(_VENUE_NAMES[name.lower()], int(year))
