"""The names of a set answer's groups (assistant/sets/grouping.py), on real papers of the shipped ICLR 2022 listing: by
topicmap's c-TF-IDF against the whole listing, never filler, never the question's own words, and not a rare word a
few papers of the group happen to share."""

from __future__ import annotations

import re
from dataclasses import replace

import pytest

from assistant.sets.evidence import is_filler
from assistant.sets.grouping import name_groups
from assistant.types import Paper
from assistant.words.terms import CorpusStats, stem, terms
from tests.helpers import shipped_papers, shipped_stats


@pytest.fixture(scope="module")
def listing() -> tuple[list[Paper], CorpusStats]:
    return shipped_papers(), shipped_stats()


def titled(papers: list[Paper], *words: str) -> list[Paper]:
    return [p for p in papers if any(w in p.title.lower() for w in words)][:10]


def groups_of(papers: list[Paper]) -> list[list[Paper]]:
    return [titled(papers, "federated"), titled(papers, "diffusion", "score-based"), titled(papers, "graph neural")]


# the words one of which each group's name must hold (the subject of the group)
SUBJECTS = [("federated", "client"), ("diffusion", "score", "denois", "sampling"), ("graph", "gnn")]


def test_each_group_is_named_by_its_subject_never_by_filler(listing: tuple[list[Paper], CorpusStats]) -> None:
    papers, stats = listing
    names = name_groups(groups_of(papers), stats, set())
    assert len(set(names)) == 3
    for name, subject in zip(names, SUBJECTS, strict=True):
        assert any(word in name.lower() for word in subject), names
        assert not any(is_filler(label) for label in name.lower().split(", ")), names


@pytest.mark.parametrize("sharing", [2, 3, 5])
def test_a_rare_word_some_papers_share_does_not_outrank_the_subject(
    listing: tuple[list[Paper], CorpusStats], sharing: int
) -> None:
    """A word no other paper of the listing uses, in `sharing` of the 10 federated papers (idf squared, the old rule,
    named the group by it at 5): the group's own subject words, used by most of its papers, name it."""
    papers, stats = listing
    groups = groups_of(papers)
    groups[0] = [replace(p, abstract=f"{p.abstract} (quokkaform).") if i < sharing else p
                 for i, p in enumerate(groups[0])]
    names = name_groups(groups, stats, set())
    assert "quokkaform" not in names[0].lower()
    assert "federated" in names[0].lower() or "client" in names[0].lower()


def test_the_questions_own_words_never_name_a_group(listing: tuple[list[Paper], CorpusStats]) -> None:
    papers, stats = listing
    names = name_groups(groups_of(papers), stats, set(terms("federated learning diffusion graph neural")))
    assert not any(word in name.lower() for name in names for word in ("federated", "diffusion", "graph neural"))


JOINING = {"according", "centric", "aware", "via", "towards", "across", "agnostic", "driven", "wise", "specific"}


@pytest.mark.parametrize("title_words", [("contrastive",), ("object-centric", "slot"), ("uncertainty",),
                                         ("model-agnostic", "meta-learning")])
def test_no_group_is_named_by_a_word_that_only_joins_or_qualifies(
    listing: tuple[list[Paper], CorpusStats], title_words: tuple[str, ...]
) -> None:
    """Before: "Data according, hard negatives" (of "data according to"), "Centric, cameras" (of "object-centric")."""
    papers, stats = listing
    chosen = [p for p in papers if any(w in p.title.lower() for w in title_words)]
    groups = [chosen[i::3] for i in range(3)]
    for name in name_groups(groups, stats, set()):
        assert not set(re.split(r"[\s,\-]+", name.lower())) & JOINING, name


def salient_stems(papers: list[Paper]) -> set[str]:
    """The stems of the words the papers put in their titles and keywords."""
    return {stem(w) for p in papers for w in re.split(r"[^\w]+", " ".join((p.title, *p.keywords)).lower()) if w}


def label_words(name: str) -> set[str]:
    return {stem(w) for w in re.split(r"[\s,\-]+", name.lower()) if w}


@pytest.mark.parametrize("author", ["Yoshua Bengio", "Sergey Levine", "Chelsea Finn"])
def test_group_names_come_from_the_groups_titles_and_keywords(
    listing: tuple[list[Paper], CorpusStats], author: str
) -> None:
    """An abstract's rarer words are the story around a paper: Bengio's papers were named "Place, consequence" and
    "Transformer-like, easy", Finn's "Containing, invariant". A label is one a paper of its group gives in its
    title or keywords, and no label says another's word again ("Gnns, gnn")."""
    papers, stats = listing
    own = [p for p in papers if author in p.authors]
    groups = [own[i::2] for i in range(2)]
    for name, group in zip(name_groups(groups, stats, set()), groups, strict=True):
        assert label_words(name) <= salient_stems(group) | {"other"}, (name, [p.title for p in group])
        labels = name.lower().split(", ")
        assert len(labels) < 2 or not label_words(labels[0]) & label_words(labels[1]), name


def test_the_field_itself_never_names_a_group(listing: tuple[list[Paper], CorpusStats]) -> None:
    """Before: the molecule and crystal diffusion papers were named "Atom, machine learning"."""
    papers, stats = listing
    groups = [titled(papers, "molecul", "crystal", "protein"), titled(papers, "federated")]
    for name in name_groups(groups, stats, set(terms("diffusion models"))):
        assert not re.search(r"machine learning|deep learning|neural networks?\b|learning models?", name.lower()), name
