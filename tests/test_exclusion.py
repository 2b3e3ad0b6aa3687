"""Questions that leave something out ("GNNs but not molecules"): the plan's reading and the set answer's cut."""

from __future__ import annotations

from typing import Any

import pytest

from assistant.answering.chain import answer
from assistant.query.plan import excluded_phrases
from assistant.text import fold


@pytest.mark.parametrize(("question", "kept", "excluded"), [
    ("papers about graph neural networks but not molecules", "papers about graph neural networks", ("molecules",)),
    ("which papers study diffusion models, excluding audio?", "which papers study diffusion models", ("audio",)),
    ("reinforcement learning except for robotics", "reinforcement learning", ("robotics",)),
    ("papers on RL, but not on robotics or games", "papers on RL", ("robotics or games",)),
    ("transformers that do not study vision", "transformers", ("vision",)),
    ("reinforcement learning papers not about robotics", "reinforcement learning papers", ("robotics",)),
    ("GNN papers other than those on molecules", "GNN papers", ("molecules",)),
    # in a parenthesis: an exclusion, never an alternative ("proteins (not drug design)" had listed nothing)
    ("GNN papers (not molecules)", "GNN papers", ("molecules",)),
    ("diffusion models (excluding audio)", "diffusion models", ("audio",)),
    ("RL papers (except robotics) please", "RL papers", ("robotics",)),
    ("which papers on generative models do not study GANs?", "which papers on generative models", ("GANs",)),
    # after a comma, "not" excludes (before, the phrase became an alternative and its papers were listed)
    ("approximation power of networks (universal approximation, rates), not GNN expressivity",
     "approximation power of networks (universal approximation, rates)", ("GNN expressivity",)),
    # no exclusion: these words describe rather than exclude
    ("research on telling cause and effect apart from mere correlation", "research on telling cause and effect apart "
     "from mere correlation", ()),
    ("methods that do not need labels", "methods that do not need labels", ()),
    ("models that are not robust", "models that are not robust", ()),
    ("finding causes in data, not just correlations", "finding causes in data, not just correlations", ()),
    ("continual learning without forgetting", "continual learning without forgetting", ()),
    ("which orals are not posters?", "which orals are not posters", ()),  # the decision rule's
    ("papers on non-convex optimization", "papers on non-convex optimization", ()),
    ("papers that are not posters about transformers", "papers that are not posters about transformers", ()),
])
def test_excluded_phrases(question: str, kept: str, excluded: tuple[str, ...]) -> None:
    rest, found = excluded_phrases(question)
    assert " ".join(rest.replace("?", " ").split()) == kept and found == excluded


@pytest.mark.parametrize(("question", "topic", "left_out"), [
    ("papers about graph neural networks but not molecules", "graph neural networks", ("molecul",)),
    ("which papers study diffusion models, excluding audio or speech?", "diffusion models", ("audio", "speech")),
])
def test_a_set_answer_leaves_out_the_excluded_papers_and_says_how_many(
    iclr_retriever: Any, iclr_settings: Any, question: str, topic: str, left_out: tuple[str, ...]
) -> None:
    result = answer(question, [], iclr_retriever, iclr_settings)
    full = answer(f"which papers are about {topic}?", [], iclr_retriever, iclr_settings)
    assert result.topic == topic and result.relevant
    for match in result.matches:
        paper = match.hit.paper
        text = fold(" ".join([paper.title, paper.abstract or "", *paper.keywords]))
        assert not any(word in text for word in left_out), paper.title
    dropped = len(full.matches) - len(result.matches)  # the same candidates and verdicts, less the excluded
    assert dropped > 0 and f": {dropped} paper" in result.text.splitlines()[0]
    assert {m.hit.paper.id for m in result.relevant} <= {m.hit.paper.id for m in full.matches}


def test_an_excluded_phrase_of_several_words_needs_them_all_and_reads_the_listings_acronyms(
    iclr_retriever: Any, iclr_settings: Any
) -> None:
    """"not about offline RL": a paper writing "offline reinforcement learning" is left out too, and one that writes
    "offline" alone (an offline dataset of images) is not."""
    mine = answer("what did Sergey Levine publish?", [], iclr_retriever, iclr_settings)
    kept = answer("which of Sergey Levine's papers are not about offline RL?", [], iclr_retriever, iclr_settings)
    def about(paper: Any) -> bool:
        text = fold(f"{paper.title} {paper.abstract}")
        return "offline" in text and ("rl" in text.split() or "reinforcement learning" in text or "rl " in text)
    offline = [m for m in mine.matches if about(m.hit.paper)]
    assert offline and all(not about(m.hit.paper) for m in kept.matches)
    assert len(kept.matches) + len(offline) == len(mine.matches)
