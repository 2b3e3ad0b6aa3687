"""What a question leaves out: "graph neural networks but not molecules", "diffusion models excluding audio",
"reinforcement learning except for robotics", "transformers that do not study vision". The excluded phrase is no
part of the topic retrieval and screening see (plan.excluded_phrases cuts it out), and a set answer leaves out
every paper whose title, abstract or keywords use the phrase's head words (the rarest: "molecul" of "molecules",
with the listing's variants, "molecular"), saying how many it left out.
"""

from __future__ import annotations

from collections.abc import Sequence

from .evidence import Topic, head_keys, paper_keys, resolve
from .extractive import CorpusStats, plural
from .listing_keys import ListingKeys, with_variants
from .types import Screened


def excluded_keys(phrases: Sequence[str], stats: CorpusStats, keys: ListingKeys | None = None) -> tuple[str, ...]:
    """The head keys of the excluded phrases, with the listing's variants of their stems."""
    heads = [k for phrase in phrases for k in head_keys(resolve(Topic.of(phrase), stats), stats)]
    return with_variants(heads, stats, keys.by_prefix if keys is not None else None)


def leave_out(
    screened: Sequence[Screened], phrases: Sequence[str], stats: CorpusStats, keys: ListingKeys | None = None
) -> tuple[list[Screened], str]:
    """The screened papers without those using an excluded phrase, and what the heading says about it."""
    if not phrases:
        return list(screened), ""
    wanted = excluded_keys(phrases, stats, keys)
    out = [not any(k in paper_keys(s.hit.paper) for k in wanted) for s in screened]
    kept = [s for s, keep in zip(screened, out, strict=True) if keep]
    dropped = sum(1 for s, keep in zip(screened, out, strict=True) if not keep and s.verdict != "not_relevant")
    said = " or ".join(f"\u2018{p}\u2019" for p in phrases)
    return kept, f"not {said}: {plural(dropped, 'paper')} left out"
