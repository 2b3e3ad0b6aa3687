"""What a question leaves out: "graph neural networks but not molecules", "diffusion models excluding audio",
"reinforcement learning except for robotics", "transformers that do not study vision". The excluded phrase is no
part of the topic retrieval and screening see (plan.excluded_phrases cuts it out), and a set answer leaves out
every paper whose title, abstract or keywords use all the phrase's words ("molecul" of "molecules", with the
listing's variants, "molecular"; "adversari" and "attack" of "adversarial attacks"), saying how many it left out.
"""

from __future__ import annotations

from collections.abc import Sequence

from ..types import Screened
from ..words.keys import paper_keys
from ..words.sentences import plural
from ..words.terms import CorpusStats
from .evidence import Topic, resolve
from .listing_keys import ListingKeys, with_acronyms, with_variants

Alternative = tuple[tuple[str, ...], ...]  # the words a paper must all hold (each given with its stem's variants)


def excluded_alternatives(
    phrases: Sequence[str], stats: CorpusStats, keys: ListingKeys | None = None
) -> list[Alternative]:
    """Each alternative of each excluded phrase ("robotics or games": two) as its words ("adversari" and "attack" of
    "adversarial attacks"), each with the listing's variants of its stem ("molecul": "molecular") and what its
    abstracts define as the same ("rl": "reinforc learn")."""
    found = []
    for phrase in phrases:
        for facet in resolve(Topic.of(phrase), stats).alternatives:
            words = [k for k in facet if " " not in k and stats.df.get(k, 0) > 0]
            if words:
                found.append(tuple(_forms(word, stats, keys) for word in words))
    return found


def _forms(word: str, stats: CorpusStats, keys: ListingKeys | None) -> tuple[str, ...]:
    if keys is None:
        return with_variants([word], stats)
    return with_acronyms(with_variants([word], stats, keys.by_prefix), keys.acronyms)


def is_about(present: frozenset[str], alternatives: Sequence[Alternative]) -> bool:
    """Whether a paper's keys hold every word of some alternative."""
    return any(all(any(form in present for form in word) for word in words) for words in alternatives)


def leave_out(
    screened: Sequence[Screened], phrases: Sequence[str], stats: CorpusStats, keys: ListingKeys | None = None
) -> tuple[list[Screened], str]:
    """The screened papers without those using an excluded phrase, and what the heading says about it."""
    if not phrases:
        return list(screened), ""
    wanted = excluded_alternatives(phrases, stats, keys)
    out = [not is_about(paper_keys(s.hit.paper), wanted) for s in screened]
    kept = [s for s, keep in zip(screened, out, strict=True) if keep]
    dropped = sum(1 for s, keep in zip(screened, out, strict=True) if not keep and s.verdict != "not_relevant")
    said = " or ".join(f"\u2018{p}\u2019" for p in phrases)
    return kept, f"not {said}: {plural(dropped, 'paper')} left out"
