"""Papers a question names: by their full title, or by the coined name before a title's colon ("FedChain",
"Analytic-DPM", "GeoDiff", "DR3"). "who wrote FedChain?" and "is 'Progressive Distillation for Fast Sampling of
Diffusion Models' an oral?" are about one paper's record (details.py), not a search for the word.

A coined name is one to three words with a capital inside a word, a digit or a hyphen, naming at most
MAX_PAPERS_A_NAME papers: "Understanding: ..." or "Transformers: ..." are ordinary words, not names.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from ..text import fold
from ..types import Paper

MAX_PAPERS_A_NAME = 2
MIN_TITLE_WORDS = 3  # a full title shorter than this is too likely to be an ordinary phrase
_WORDS = re.compile(r"[^\W_]+", re.UNICODE)
_COINED = re.compile(r"[a-z][A-Z]|\d|-|^[A-Z]{2,}")  # "GeoDiff", "DR3", "Analytic-DPM", "VICReg", "GNN"


def normalised(text: str) -> str:
    """Folded words joined by single spaces, padded, for whole-word containment."""
    return f" {' '.join(_WORDS.findall(fold(text)))} "


def coined_name(title: str) -> str | None:
    """The name before a title's colon when it is coined ("FedChain: Chained Algorithms ..." -> "FedChain")."""
    head, colon, _ = title.partition(":")
    words = head.split()
    if not colon or not 1 <= len(words) <= 3 or len(head.strip()) < 3:
        return None
    return head.strip() if any(_COINED.search(w) for w in words) else None


@dataclass
class TitleIndex:
    """The listing's titles and coined names, normalised, each with the ids of its papers."""

    titles: dict[str, list[str]] = field(default_factory=dict)
    names: dict[str, list[str]] = field(default_factory=dict)

    @classmethod
    def build(cls, papers: Iterable[Paper]) -> TitleIndex:
        index = cls()
        for paper in papers:
            if len(_WORDS.findall(paper.title)) >= MIN_TITLE_WORDS:
                index.titles.setdefault(normalised(paper.title), []).append(paper.id)
            name = coined_name(paper.title)
            if name:
                index.names.setdefault(normalised(name), []).append(paper.id)
        index.names = {k: v for k, v in index.names.items() if len(v) <= MAX_PAPERS_A_NAME}
        return index

    def named(self, question: str) -> tuple[str, ...]:
        """The ids of the papers the question names, in the order it names them; a coined name inside a full
        title the question names is part of that title."""
        said = normalised(question)
        titles = [(at, at + len(key), ids) for key, ids in self.titles.items() if (at := said.find(key)) >= 0]
        names = [(at, at + len(key), ids) for key, ids in self.names.items() if (at := said.find(key)) >= 0
                 and not any(start <= at < end for start, end, _ in titles)]
        found = sorted((at, pid) for at, _, ids in titles + names for pid in ids)
        return tuple(dict.fromkeys(pid for _, pid in found))
