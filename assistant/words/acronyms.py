"""Acronyms as a listing defines them: "graph neural networks (GNNs)", "reinforcement learning (RL)".

One reader of the definitions (`definitions`), run once per listing (authors.AuthorIndex keeps what it read), for
two uses:
- `long_forms`: a listing's acronyms spelled out, so that a set question whose topic is an acronym alone ("any orals
  on RL?", "papers on GANs") is searched and screened as "RL or reinforcement learning" (the papers that never
  write "RL" are about it too);
- listing_keys.defined_acronyms: the keys an acronym and its long form stand for, over the listing (built once with
  its other derived data: collection.CollectionInfo), so a conjunct side "graph neural networks" is held by a paper
  that says "GNN".
Read from the abstracts themselves, not from a fixed list: any listing's own acronyms count.
"""

from __future__ import annotations

import bisect
import re
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence

from ..types import Paper
from .vocabulary import LIST_SEPARATOR

_DEFINED = re.compile(r"((?:[^\W\d_][\w-]*\s+){1,6})\(\s*([A-Z][A-Za-z]{1,9})\s*\)")
_PAREN = re.compile(r"\(\s*[A-Z][A-Za-z]{1,9}\s*\)")  # where a definition can end: "(GNNs)"
_BREAK = re.compile(r"[^\w\s-]")  # what no definition's words can span
_ACRONYM = re.compile(r"^(?=[A-Za-z]*[A-Z][A-Za-z]*[A-Z])[A-Za-z]{2,10}$")  # two capitals at least: RL, GANs, ViT


def definitions(papers: Sequence[Paper]) -> Iterator[tuple[str, str]]:
    """(acronym, the phrase it stands for, as written) for each definition in the abstracts whose initials spell
    the acronym ("Graph Neural Networks (GNNs)": ("GNNs", "Graph Neural Networks")); hyphenated words count by
    their parts ("Out-of-Distribution (OOD)")."""
    for paper in papers:
        for found in _defined_in(paper.abstract or ""):
            acronym = found.group(2)
            letters = [c.lower() for c in acronym.rstrip("s") if c.isupper()]
            pieces = re.split(r"(\s+|-)", found.group(1).strip())  # words and the separators between them
            if len(letters) < 2 or len(pieces) < 2 * len(letters) - 1:
                continue
            tail = pieces[len(pieces) - (2 * len(letters) - 1):]
            if [w[:1].lower() for w in tail[::2]] == letters:
                yield acronym, "".join(tail)


def _defined_in(text: str) -> Iterator[re.Match[str]]:
    """What `_DEFINED.finditer(text)` finds, fast: the pattern tried only before each "(ACRONYM)", from the last
    character its words cannot span (scanning the whole abstract backtracks at every word: 2 s a listing). The
    same matches: one cannot cross a break character, and each ends at its own parenthesis."""
    breaks = [m.start() for m in _BREAK.finditer(text)]
    for paren in _PAREN.finditer(text):
        before = bisect.bisect_left(breaks, paren.start()) - 1  # the last break before the parenthesis
        found = _DEFINED.search(text, breaks[before] + 1 if before >= 0 else 0, paren.end())
        if found:
            yield found


def base_form(acronym: str) -> str:
    """How acronyms compare: lower case, a plural "s" dropped ("GNNs" -> "gnn")."""
    lower = acronym.lower()
    return lower[:-1] if acronym.endswith("s") and len(acronym) > 2 and acronym[-2].isupper() else lower


def long_forms(found: Iterable[tuple[str, str]]) -> dict[str, str]:
    """Each acronym the listing defines (`definitions`, base form) -> its most frequent long form, in lower case."""
    counts: dict[str, Counter[str]] = {}
    for acronym, said in found:
        counts.setdefault(base_form(acronym), Counter())[said.lower()] += 1
    return {acronym: forms.most_common(1)[0][0] for acronym, forms in counts.items()}


def spelled_out(topic: str, forms: dict[str, str]) -> str | None:
    """A topic that is one acronym of the listing, or lists one among its alternatives ("NTK or infinite-width
    networks"), with the acronym's long form as a further alternative ("RL" -> "RL or reinforcement learning"); None
    for any other topic (a longer phrase keeps its own words: the acronym there is matched through the listing's
    definitions, see listing_keys.defined_acronyms)."""
    parts = LIST_SEPARATOR.split(topic.strip())
    out = [part if n % 2 else _with_long_form(part, forms) for n, part in enumerate(parts)]
    return "".join(out) if out != parts else None


def _with_long_form(word: str, forms: dict[str, str]) -> str:
    long = forms.get(base_form(word)) if _ACRONYM.match(word) else None
    return f"{word} or {long}" if long else word
