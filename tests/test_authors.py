"""Author names in questions (assistant/query/authors.py): a near miss of a listing author's name ("Sergey Levin",
"Chelsea Fin", "Bengo's papers") is read as the one closest name, and the answer says so; names about as close are
named and none is guessed; a real name, an ordinary word or a name the listing lacks is never respelt. Table-driven
over the shipped ICLR 2022 listing's real author names."""

from __future__ import annotations

from typing import Any

import pytest

from assistant.answering.chain import answer
from assistant.query.author_index import AuthorIndex
from assistant.query.authors import find_author
from assistant.query.plan import plan_question
from assistant.types import Filters
from assistant.words.sentences import plural
from assistant.words.terms import terms
from tests.conftest import make_settings
from tests.helpers import shipped_index, shipped_papers
from tests.retriever_double import KeywordRetriever, all_iclr_papers


@pytest.fixture(scope="module")
def index() -> AuthorIndex:
    return shipped_index()


# question, the words that named the author, the author filter it is read as (kinds of near miss)
READ_AS: list[tuple[str, str, str]] = [
    ("what did Sergey Levin publish?", "Sergey Levin", "Sergey Levine"),  # surname: a letter dropped
    ("papers by Chelsea Fin", "Chelsea Fin", "Chelsea Finn"),
    ("Yoshua Bengo's papers", "Yoshua Bengo", "Yoshua Bengio"),
    ("Pieter Abeel papers", "Pieter Abeel", "Pieter Abbeel"),
    ("papers by Pieter Abbbeel", "Pieter Abbbeel", "Pieter Abbeel"),  # a letter added
    ("papers by Geoffrey Hitnon", "Geoffrey Hitnon", "Geoffrey Hinton"),  # two letters swapped
    ("what did Chelsea Fimn write?", "Chelsea Fimn", "Chelsea Finn"),  # a letter changed
    ("Sergei Levine's papers", "Sergei Levine", "Sergey Levine"),  # the given name misspelt
    ("papers by Chelsae Finn", "Chelsae Finn", "Chelsea Finn"),
    ("Sergei Levin papers", "Sergei Levin", "Sergey Levine"),  # both, in long names
    ("papers by S. Levin", "S. Levin", "Sergey Levine"),  # an initial and a misspelt surname
    ("papers by sergey levin", "sergey levin", "Sergey Levine"),  # lower case, after a cue
    ("Jurgen Schmidhubr papers", "Jurgen Schmidhubr", "Jürgen Schmidhuber"),  # accents folded, typo
    ("papers by Stephan Gunneman", "Stephan Gunneman", "Stephan Günnemann"),
    ("Bernhard Schölkopff papers", "Bernhard Schölkopff", "Bernhard Schölkopf"),
    ("what did Zico Koltr publish?", "Zico Koltr", "J Zico Kolter"),  # the name it is called by
    ("Levin Sergey papers", "Levin Sergey", "Sergey Levine"),  # surname first
    ("What did Percy Lang's group publish?", "Percy Lang", "Percy Liang"),  # a short name word as the surname,
    # after a long given name written right (not "Lang"'s papers)
    ("Bengo's papers", "Bengo", "Yoshua Bengio"),  # a surname alone, beside a cue
    ("papers by Abeel", "Abeel", "Pieter Abbeel"),
    ("papers by Levin", "Levin", "Levine"),  # a surname several authors share: all of them, as "by Levine"
]

# question, author filter: read as written (exact spellings, folded) and never respelt
AS_WRITTEN: list[tuple[str, str | None]] = [
    ("S. Levine papers", "Sergey Levine"),
    ("Levine S. papers", "Sergey Levine"),  # surname, then the initial
    ("papers by Levine Sergey", "Sergey Levine"),
    ("Bernhard Scholkopf papers", "Bernhard Schölkopf"),  # a missing accent is the name, not a typo
    ("papers by Bo Han", "Bo Han"),  # a real author: not "Shaobo Han"
    ("papers by Adam", "Hartwig Adam"),  # as today: a cue makes the word a name
    ("Adam optimizer papers", None),  # the word
    ("papers by Adams", "Adams"),  # another name than Adam (no paper), not a typo of it
    ("poster papers about vision transformers", None),  # an ordinary word is no "Koster"
    ("papers by Jane Doe", "Jane Doe"),  # a name the listing lacks matches no paper, is no one else
    ("papers by Jian Zhang", "Jian Zhang"),  # "Jian" and "Zhang" are names: no "Jiang Zhang"
    ("papers by Yi Wang", "Yi Wang"),  # short names are too close to each other to read
    ("Graph Neural Networks", None),  # capitalised words are no name one typo off
    ("Federated Learning Non-I.I.D. Data", None),  # an initial and an ordinary word: no "D. Datta"
]


@pytest.mark.parametrize(("question", "said", "author"), READ_AS, ids=[q for q, _, _ in READ_AS])
def test_a_near_miss_is_read_as_the_closest_author(index: AuthorIndex, question: str, said: str, author: str) -> None:
    plan = plan_question(question, index, terms)
    assert plan.filters.author == author
    assert plan.names_read == ((said, (author,)),)
    assert plan.note().startswith(f"Reading \u2018{said}\u2019 as {author}.")


@pytest.mark.parametrize(("question", "author"), AS_WRITTEN, ids=[q for q, _ in AS_WRITTEN])
def test_a_real_name_or_word_is_never_respelt(index: AuthorIndex, question: str, author: str | None) -> None:
    plan = plan_question(question, index, terms)
    assert plan.filters.author == author
    assert plan.names_read == ()
    assert "Reading" not in plan.note()


def test_the_table_covers_the_kinds_of_near_miss() -> None:
    assert len(READ_AS) + len(AS_WRITTEN) >= 30
    assert len({author for _, _, author in READ_AS}) >= 8


@pytest.mark.parametrize(("question", "close"), [
    ("papers by Han Zhng", ("Han Zhang", "Han Zhong")),  # one letter dropped of either
    ("what did Li Dng publish?", ("Li Ding", "Li Dong")),
])
def test_names_about_as_close_are_named_and_none_is_guessed(
    index: AuthorIndex, question: str, close: tuple[str, ...]
) -> None:
    plan = plan_question(question, index, terms)
    said = plan.names_read[0][0]
    assert plan.names_read == ((said, close),)
    assert not [p for p in shipped_papers() if plan.filters.matches(p)]  # nothing listed for a guess
    note = plan.note()
    assert f"No author of the listing is named \u2018{said}\u2019" in note
    assert all(name in note for name in close) and "ask again" in note


def test_a_near_miss_matches_exactly_the_authors_papers(index: AuthorIndex) -> None:
    for question, _, author in READ_AS:
        plan = plan_question(question, index, terms)
        wanted = {i for name, ids in index.papers.items() if author in (name, *name.split()) for i in ids}
        assert {p.id for p in shipped_papers() if plan.filters.matches(p)} == wanted, question


def test_a_near_miss_is_found_in_a_fraction_of_a_millisecond(index: AuthorIndex) -> None:
    import time

    find_author("papers by Chelsea Fin", index)  # the near-name tables are built on first use
    start = time.perf_counter()
    for _ in range(50):
        find_author("which papers on offline reinforcement learning did Sergey Levin co-author?", index)
    assert (time.perf_counter() - start) / 50 < 0.005


def test_the_answer_says_the_reading_and_lists_every_paper_of_the_author(tmp_path: Any) -> None:
    retriever = KeywordRetriever(all_iclr_papers())
    settings = make_settings(tmp_path / "store", llm="offline")
    result = answer("what did Sergey Levin publish?", [], retriever, settings)
    expected = {p.id for p in retriever.papers(Filters(author="Sergey Levine"))}
    assert result.text.startswith("Reading \u2018Sergey Levin\u2019 as Sergey Levine.\n\n"
                                  f"{plural(len(expected), 'paper')} of ICLR 2022 (by Sergey Levine)")
    assert {h.paper.id for h in result.sources} == expected and len(expected) >= 10


@pytest.mark.parametrize(("question", "author"), [
    ("papers by Russ Salakhutdinov", "Ruslan Salakhutdinov"),  # the listing writes the given name in full
    ("what did Bill Freeman publish?", "William T. Freeman"),  # a usual short form (authors.NICKNAMES)
])
def test_a_short_given_name_is_read_as_the_listings_full_one(question: str, author: str) -> None:
    """Before: "papers by Russ Salakhutdinov" listed 0 papers (an unknown author), while "Salakhutdinov's papers"
    listed his 5."""
    plan = plan_question(question, shipped_index(), terms)
    assert plan.filters.author == author
    assert f"as {author}" in plan.note()


@pytest.mark.parametrize("question", ["papers by Kaiming He", "did Kaiming He publish anything?",
                                      "papers by Tengyu Mo"])
def test_a_name_the_listing_does_not_hold_is_an_author_never_a_typo(question: str) -> None:
    """Before: "papers by Kaiming He" read "Kaiming" as the typo "aiming" and listed 82 papers that say "aiming"."""
    plan = plan_question(question, shipped_index(), terms)
    assert plan.filters.author is not None and plan.topic == "" and not plan.corrections, plan


def test_a_surname_several_authors_share_says_whose_papers_are_listed() -> None:
    """Before: "papers by levine" listed the papers of three Levines as if they were one author's."""
    levines = sorted({a for p in shipped_papers() for a in p.authors if a.split()[-1] == "Levine"})
    assert len(levines) >= 2
    for question in ("papers by levine", "Levine's papers"):
        plan = plan_question(question, shipped_index(), terms)
        note = plan.note()
        assert f"names {len(levines)} authors of the listing" in note, note
        assert all(name in note for name in levines) and "name one to see only theirs" in note
    assert "authors of the listing" not in plan_question("papers by Sergey Levine", shipped_index(), terms).note()



def test_a_full_name_is_that_author_and_initials_list_only_the_authors_they_read(index: AuthorIndex) -> None:
    """"Jun Zhu" is Jun Zhu, not also Jun-Yan Zhu (before: both were named, and the filter, "Zhu", listed the
    papers of all 25 Zhus of the listing); "J. Zhu" reads several authors, and only their papers are listed."""
    exact = plan_question("Which ICLR 2022 papers did Jun Zhu co-author?", index, terms)
    assert exact.filters.author == "Jun Zhu" and "authors of the listing" not in exact.note()
    initials = plan_question("papers by J. Zhu", index, terms)
    read = [a for a in index.papers if a.endswith(" Zhu") and a.startswith("J")]
    wanted = {i for a in read for i in index.papers[a]}
    assert len(read) >= 3 and set(initials.filters.ids) == wanted
    every_zhu = {p.id for p in shipped_papers() if any(a.split()[-1] == "Zhu" for a in p.authors)}
    assert len(every_zhu) > 2 * len(wanted)


def test_a_given_name_alone_after_by_is_read_as_its_author_or_names_them() -> None:
    """Before: "papers by Chelsea" searched 'Chelsea' as a topic (16 papers, none by Chelsea Finn)."""
    chelsea = plan_question("papers by Chelsea", shipped_index(), terms)
    assert chelsea.filters.author == "Chelsea Finn" and "as Chelsea Finn" in chelsea.note()
    sergeys = sorted({a for p in shipped_papers() for a in p.authors if a.split()[0] == "Sergey"})
    several = plan_question("papers by Sergey", shipped_index(), terms)
    assert len(sergeys) > 1 and several.topic == "" and f"names {len(sergeys)} authors" in several.note()
    chuang = plan_question("papers by Chuang", shipped_index(), terms)  # a given name, no misspelt "Chang"
    assert chuang.filters.author and chuang.filters.author.startswith("Chuang")
