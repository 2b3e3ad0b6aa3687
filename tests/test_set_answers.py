"""Set answers ("which papers...?", "how many...?") on the shipped ICLR 2022 listing, judged against the dev set's
lists (data/devset/iclr2022, read here from the files, never copied into the test), plus unit tests of screening
and grouping. The thresholds are the issue's targets: list questions recall and precision >= 0.80, author questions
recall >= 0.95, a count question states the number it lists, within 15% of the truth."""

from __future__ import annotations

import json
import re
from collections import defaultdict
from pathlib import Path
from typing import Any

import pytest

from assistant.answering.chain import answer
from assistant.sets.answer import defang
from assistant.sets.grouping import group_count, group_papers, is_generic
from assistant.sets.screening import Rule, Topic, find_verbatim, screen_offline
from assistant.types import Answer, Filters, Hit, Paper
from assistant.words.terms import CorpusStats
from tests.retriever_double import handful_of_iclr_papers

DEVSET = Path(__file__).resolve().parent.parent / "data" / "devset" / "iclr2022"
COUNT_TOLERANCE = 0.15


def dev_questions() -> dict[str, dict[str, Any]]:
    rows = [json.loads(line) for line in (DEVSET / "queries.jsonl").read_text(encoding="utf-8").splitlines() if line]
    return {row["_id"]: row for row in rows}


def dev_judgments() -> dict[str, set[str]]:
    judged: dict[str, set[str]] = defaultdict(set)
    for line in (DEVSET / "qrels" / "dev.tsv").read_text(encoding="utf-8").splitlines()[1:]:
        query, paper, grade = line.split("\t")
        if int(grade) > 0:
            judged[query].add(paper)
    return judged


def precision_recall(result: Answer, truth: set[str]) -> tuple[float, float]:
    found = {m.hit.paper.id for m in result.relevant}
    hit = len(found & truth)
    return (hit / len(found) if found else 0.0), hit / len(truth)


def assert_well_formed(result: Answer) -> None:
    """Numbering [1..N] over the whole set, sources in citation order, every quote verbatim from its paper."""
    assert [m.n for m in result.matches] == list(range(1, len(result.matches) + 1))
    assert [h.paper.id for h in result.sources] == [m.hit.paper.id for m in result.matches]
    numbers = [int(n) for body in re.findall(r"\[([\d,\s]+)\]", result.text) for n in re.findall(r"\d+", body)]
    assert numbers and all(1 <= n <= len(result.sources) for n in numbers)
    assert sorted({c.n for c in result.citations}) == list(range(1, len(result.matches) + 1))  # every paper cited
    for match in result.matches:
        if match.quote:
            paper = match.hit.paper
            assert find_verbatim(f"{paper.abstract or ''} {paper.title}", match.quote), match.quote


@pytest.fixture(scope="module")
def judged() -> tuple[dict[str, dict[str, Any]], dict[str, set[str]]]:
    return dev_questions(), dev_judgments()


@pytest.mark.parametrize("question", ["GNN papers on over-squashing", "how do I make my GNN deal with over-squashing?",
                                      "GNNs which tackle over-squashing"])
def test_a_gnn_question_in_any_phrasing_finds_the_over_squashing_paper(
    question: str, iclr_retriever: Any, iclr_settings: Any
) -> None:
    """A singular acronym meets the abstracts' plural ("GNN" / "GNNs"), a goal is a set question, and a relative
    clause narrows its topic; before, the three listed 0, 0 (an explanation) and 1 of 41 papers."""
    result = answer(question, [], iclr_retriever, iclr_settings)
    assert result.is_set and "7UmjRGzp-A" in {m.hit.paper.id for m in result.relevant}
    assert len(result.relevant) <= 10


def test_a_parenthesis_names_alternatives_of_the_topic(judged: Any, iclr_retriever: Any, iclr_settings: Any) -> None:
    """"learning to learn (meta-learning)": the jargon in the parenthesis is asked for beside the lay words (before,
    the words ran on into one phrase and 13 of the 36 meta-learning papers were listed)."""
    _, truth = judged
    result = answer("learning to learn (meta-learning)", [], iclr_retriever, iclr_settings)
    precision, recall = precision_recall(result, truth["meta-count"])
    assert recall >= 0.75 and precision >= 0.75, (precision, recall)


@pytest.mark.parametrize("query_id", ["diffusion", "forgetting"])
def test_topic_list_questions_are_answered_completely(
    query_id: str, judged: Any, iclr_retriever: Any, iclr_settings: Any
) -> None:
    questions, truth = judged
    result = answer(questions[query_id]["text"], [], iclr_retriever, iclr_settings)
    precision, recall = precision_recall(result, truth[query_id])
    assert result.intent == "list"
    assert recall >= 0.80 and precision >= 0.80, (precision, recall)
    assert result.text.startswith(f"{len(result.relevant)} papers of ICLR 2022 match")
    assert len(result.groups) >= 2  # a set this size is grouped into themes
    assert_well_formed(result)


@pytest.mark.parametrize("query_id", ["finn", "gunnemann"])
def test_author_questions_list_every_paper_of_the_author(
    query_id: str, judged: Any, iclr_retriever: Any, iclr_settings: Any
) -> None:
    questions, truth = judged
    result = answer(questions[query_id]["text"], [], iclr_retriever, iclr_settings)
    precision, recall = precision_recall(result, truth[query_id])
    assert recall >= 0.95 and precision >= 0.80, (precision, recall)
    assert_well_formed(result)


@pytest.mark.parametrize("query_id", ["federated-count", "meta-count"])
def test_count_questions_state_the_number_they_list(
    query_id: str, judged: Any, iclr_retriever: Any, iclr_settings: Any
) -> None:
    questions, truth = judged
    result = answer(questions[query_id]["text"], [], iclr_retriever, iclr_settings)
    stated = int(result.text.split()[0])  # the number comes first
    assert result.intent == "count"
    assert stated == len(result.relevant)
    assert abs(stated - len(truth[query_id])) <= COUNT_TOLERANCE * len(truth[query_id]), (stated, truth[query_id])
    assert_well_formed(result)


def test_follow_up_filters_the_whole_previous_set(judged: Any, iclr_retriever: Any, iclr_settings: Any) -> None:
    questions, _ = judged
    first = answer(questions["diffusion"]["text"], [], iclr_retriever, iclr_settings)
    orals = [m for m in first.matches if m.hit.paper.decision == "Oral"]
    second = answer("which of those are orals?", [first], iclr_retriever, iclr_settings)
    assert [m.hit.paper.id for m in second.matches] == [m.hit.paper.id for m in orals]  # all of them, not 8
    assert [m.verdict for m in second.matches] == [m.verdict for m in orals]  # verdicts and quotes carried over
    assert second.text.startswith(f"{len([m for m in orals if m.verdict == 'relevant'])} paper")
    assert_well_formed(second) if second.matches else None


def test_a_follow_up_of_a_follow_up_keeps_the_first_topic(iclr_retriever: Any, iclr_settings: Any) -> None:
    first = answer("which papers are about graph neural networks?", [], iclr_retriever, iclr_settings)
    second = answer("which of those are orals?", [first], iclr_retriever, iclr_settings)
    third = answer("how many of them are about expressivity?", [first, second], iclr_retriever, iclr_settings)
    assert third.topic == "expressivity"  # what the previous set is narrowed by; no "follow-up to" words
    assert "of the previous answer" in third.text.splitlines()[0]
    assert {m.hit.paper.id for m in third.matches} <= {m.hit.paper.id for m in second.matches}


MOLECULAR = ("molecul", "chemi", "drug", "protein", "atom", "crystal", "material", "ligand")


def test_a_follow_up_narrowing_by_a_topic_screens_the_set_for_that_topic(
    iclr_retriever: Any, iclr_settings: Any
) -> None:
    """"which of these are about molecules?" after the GNN papers: the set's papers are scored for "molecules"
    (before, they kept the scores of "graph neural networks", and 28 GNN papers matched, graph condensation and
    GNN explanations among them)."""
    first = answer("papers on graph neural networks", [], iclr_retriever, iclr_settings)
    second = answer("which of these are about molecules?", [first], iclr_retriever, iclr_settings)
    assert second.text.startswith(f"{len(second.relevant)} papers of the {len(first.matches)} papers of the previous")
    assert "match \u2018molecules\u2019" in second.text.splitlines()[0]
    assert len(second.relevant) >= 6
    for match in second.relevant:
        paper = match.hit.paper
        text = " ".join([paper.title, paper.abstract or "", *paper.keywords]).lower()
        assert any(w in text for w in MOLECULAR), paper.title
    assert {m.hit.paper.id for m in second.matches} <= {m.hit.paper.id for m in first.matches}


@pytest.mark.parametrize(("question", "first", "second"), [
    ("which papers apply transformers to time series?", ("transformer", "attention"), ("time series", "time-series")),
    ("diffusion models for audio", ("diffusion",), ("audio", "speech", "voice", "sound")),
])
def test_two_phrases_joined_by_a_preposition_need_both(
    iclr_retriever: Any, iclr_settings: Any, question: str, first: tuple[str, ...], second: tuple[str, ...]
) -> None:
    """On the real listing, a topic of two phrases ("transformers for time series") lists papers about both, not
    every paper on either (before: 23 papers for transformers on time series, most with no transformer)."""
    result = answer(question, [], iclr_retriever, iclr_settings.with_overrides(llm="offline"))
    assert result.relevant, result.text
    for match in result.relevant:
        paper = match.hit.paper
        text = " ".join([paper.title, paper.abstract or "", *paper.keywords]).lower()
        assert any(w in text for w in first) and any(w in text for w in second), match.hit.paper.title


def test_a_follow_up_swapping_the_decision_asks_the_listing_again(iclr_retriever: Any, iclr_settings: Any) -> None:
    orals = answer("which orals are about graph neural networks?", [], iclr_retriever, iclr_settings)
    spotlights = answer("and the spotlights?", [orals], iclr_retriever, iclr_settings)
    assert spotlights.relevant and {m.hit.paper.decision for m in spotlights.matches} == {"Spotlight"}
    assert spotlights.text.startswith(f"{len(spotlights.relevant)} paper")
    assert_well_formed(spotlights)


def test_a_follow_up_about_another_topic_asks_the_listing_again(iclr_retriever: Any, iclr_settings: Any) -> None:
    """"what about normalizing flows?" after diffusion orals: the orals on flows, not flows among diffusion papers."""
    orals = answer("which orals are about diffusion models?", [], iclr_retriever, iclr_settings)
    flows = answer("what about normalizing flows?", [orals], iclr_retriever, iclr_settings)
    alone = answer("which orals are about normalizing flows?", [], iclr_retriever, iclr_settings)
    assert flows.topic == "normalizing flows" and "diffusion" not in flows.text.split("\n")[0]
    assert [m.hit.paper.id for m in flows.relevant] == [m.hit.paper.id for m in alone.relevant]
    papers = answer("which papers study diffusion models?", [], iclr_retriever, iclr_settings)
    gans = answer("and GANs?", [papers], iclr_retriever, iclr_settings)
    assert gans.relevant and not {m.hit.paper.id for m in gans.relevant} <= {m.hit.paper.id for m in papers.matches}
    titles = [m.hit.paper.title for m in gans.relevant]
    assert all("Diffusion" not in title for title in titles[:3]), titles
    assert_well_formed(gans)


def test_small_talk_claims_no_paper_and_a_follow_up_skips_it(iclr_retriever: Any, iclr_settings: Any) -> None:
    first = answer("which papers are about GANs?", [], iclr_retriever, iclr_settings)
    thanks = answer("thanks!", [first], iclr_retriever, iclr_settings)
    assert not thanks.sources and not thanks.citations and "[1]" not in thanks.text
    assert "Ask me about the papers" in thanks.text  # a hint of what to ask, not "no papers match"
    thumbs = answer("\U0001f44d", [first], iclr_retriever, iclr_settings)
    assert not thumbs.sources and "Ask me about the papers" in thumbs.text
    spotlights = answer("and the spotlights?", [first, thanks], iclr_retriever, iclr_settings)
    assert spotlights.matches
    assert {m.hit.paper.id for m in spotlights.matches} <= {m.hit.paper.id for m in first.matches}


def test_a_follow_up_pointing_at_one_paper_answers_about_it(iclr_retriever: Any, iclr_settings: Any) -> None:
    first = answer("which papers are about diffusion models?", [], iclr_retriever, iclr_settings)
    second = answer("tell me more about the second one", [first], iclr_retriever, iclr_settings)
    assert [h.paper.id for h in second.sources] == [first.matches[1].hit.paper.id]
    assert {c.n for c in second.citations} == {1}
    last = answer("summarize the last one", [first], iclr_retriever, iclr_settings)
    assert [h.paper.id for h in last.sources] == [first.matches[-1].hit.paper.id]


def test_a_follow_up_about_the_record_of_papers_answers_from_the_listing(
    iclr_retriever: Any, iclr_settings: Any
) -> None:
    """"who wrote the third one?", "is the second one an oral?": the listing's fields, cited, not abstract quotes."""
    first = answer("which papers are about federated learning?", [], iclr_retriever, iclr_settings)
    third = first.matches[2].hit.paper
    authors = answer("who wrote the third one?", [first], iclr_retriever, iclr_settings)
    assert [h.paper.id for h in authors.sources] == [third.id]
    assert authors.text.splitlines()[-1].startswith(f"- {third.title} [1]: by {third.authors[0]}")
    assert all(name in authors.text for name in third.authors) and {c.n for c in authors.citations} == {1}
    two = answer("is either of the first two an oral? who are their authors?", [first], iclr_retriever,
                 iclr_settings)
    assert [h.paper.id for h in two.sources] == [m.hit.paper.id for m in first.matches[:2]]
    for n, match in enumerate(first.matches[:2], start=1):
        assert f"[{n}]: by " in two.text and f"accepted as {match.hit.paper.decision}" in two.text
    compared = answer("compare the first two", [first], iclr_retriever, iclr_settings)
    assert [h.paper.id for h in compared.sources] == [m.hit.paper.id for m in first.matches[:2]]
    # a chain: "and the second?" asks what the last question that asked anything asked, of the list's second paper
    second = answer("and the second?", [first, authors], iclr_retriever, iclr_settings)
    assert [h.paper.id for h in second.sources] == [first.matches[1].hit.paper.id]
    assert f"[1]: by {first.matches[1].hit.paper.authors[0]}" in second.text
    last = answer("and the last?", [first, authors, second], iclr_retriever, iclr_settings)
    assert [h.paper.id for h in last.sources] == [first.matches[-1].hit.paper.id] and "[1]: by " in last.text
    more = answer("tell me more about the third one", [first, authors, second, last], iclr_retriever, iclr_settings)
    assert [h.paper.id for h in more.sources] == [third.id] and "[1]: by " not in more.text  # about its content


@pytest.mark.parametrize(("question", "title", "said"), [
    ("who wrote FedChain?", "FedChain: Chained Algorithms", "by Charlie Hou"),
    ("is the paper 'Progressive Distillation for Fast Sampling of Diffusion Models' an oral?",
     "Progressive Distillation for Fast Sampling", "accepted as Spotlight"),
    ("who are the authors of Analytic-DPM, and was it an oral?", "Analytic-DPM:", "by Fan Bao"),
])
def test_a_question_about_a_named_papers_record(
    iclr_retriever: Any, iclr_settings: Any, question: str, title: str, said: str
) -> None:
    """Named by title or coined name, the paper's record answers: not a search for "FedChain", nor an orals filter."""
    result = answer(question, [], iclr_retriever, iclr_settings)
    assert [h.paper.title[: len(title)] for h in result.sources] == [title]
    assert result.text.splitlines()[-1].startswith(f"- {result.sources[0].paper.title} [1]: ")
    assert said in result.text and {c.n for c in result.citations} == {1}


def test_summarize_these_papers_covers_the_whole_set(iclr_retriever: Any, iclr_settings: Any) -> None:
    first = answer("how many papers are about federated learning?", [], iclr_retriever, iclr_settings)
    assert len(first.matches) > 8
    summary = answer("Summarize these papers", [first], iclr_retriever, iclr_settings)
    assert {h.paper.id for h in summary.sources} == {m.hit.paper.id for m in first.matches}
    assert {c.n for c in summary.citations} == set(range(1, len(first.matches) + 1))


def test_a_big_set_keeps_numbering_and_citations_valid(iclr_retriever: Any, iclr_settings: Any) -> None:
    result = answer("which papers are about reinforcement learning?", [], iclr_retriever, iclr_settings)
    assert len(result.matches) >= 100
    assert_well_formed(result)


# --- screening -------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def handful() -> list[Paper]:
    return handful_of_iclr_papers()


@pytest.fixture(scope="module")
def stats(handful: list[Paper]) -> CorpusStats:
    return CorpusStats.build(handful)


def test_quotes_match_verbatim_after_normalisation() -> None:
    source = "We study   \u201cover-squashing\u201d in GNNs. It is caused by bottlenecks."
    expected = "We study   \u201cover-squashing\u201d in GNNs."
    assert find_verbatim(source, '  we study "over-squashing" in gnns.') == expected
    assert find_verbatim(source, "It is caused by a lack of data.") is None
    assert find_verbatim(source, "GNNs") is None  # too short to prove anything


def test_the_rule_is_monotone_and_leaves_a_possible_band() -> None:
    rule = Rule()
    assert rule.verdict(1.0, 1.0) == "relevant"
    assert rule.verdict(0.0, 0.0) == "not_relevant"
    band = [rule.verdict(x / 20, x / 20) for x in range(21)]
    assert "possible" in band
    order = {"not_relevant": 0, "possible": 1, "relevant": 2}
    assert [order[v] for v in band] == sorted(order[v] for v in band)


def test_offline_screening_quotes_the_deciding_sentence(handful: list[Paper], stats: CorpusStats) -> None:
    hits = [Hit(p, 1.0) for p in handful]
    screened = screen_offline(hits, Topic.of("over-squashing"), stats)
    relevant = [s for s in screened if s.verdict == "relevant"]
    assert relevant and all("squash" in s.quote.lower() or "squash" in s.hit.paper.title.lower() for s in relevant)
    assert all(s.quote in (s.hit.paper.abstract or "") or s.quote == s.hit.paper.title for s in screened)
    every = screen_offline(hits, Topic.of(""), stats)  # a filter-only question: every candidate is in the set
    assert {s.verdict for s in every} == {"relevant"}


# --- grouping ------------------------------------------------------------------------------------------------------


def test_group_names_are_topical_never_result_phrases() -> None:
    for phrase in ("significantly outperform", "state-of-the-art", "extensive experiments", "achieves"):
        assert is_generic(phrase)
    assert not is_generic("graph neural")


def test_grouping_is_deterministic_and_covers_every_paper(handful: list[Paper], stats: CorpusStats) -> None:
    assert group_count(5, 6) == 2 and group_count(200, 6) == 6
    first = group_papers(handful, {}, stats, set(), 4)
    again = group_papers(handful, {}, stats, set(), 4)
    assert first == again
    members = sorted(i for _, rows in first for i in rows)
    assert members == list(range(len(handful)))
    names = [name for name, _ in first]
    assert len(set(names)) == len(names)
    for name in names:
        assert not any(is_generic(label) for label in name.lower().split(", ")), name


def test_offline_summary_themes_are_never_result_phrases(handful: list[Paper], stats: CorpusStats) -> None:
    from assistant.answering.summarize import term_themes

    for label, _ in term_themes(handful, stats):
        assert not is_generic(label.strip("\u2018\u2019")), label


def test_titles_and_quotes_cannot_forge_citations() -> None:
    assert defang("as shown in [12] and [3, 4]") == "as shown in (12) and (3, 4)"


def test_candidates_go_far_past_top_n_within_floor_and_limit(iclr_retriever: Any, iclr_settings: Any) -> None:
    deep = iclr_retriever.candidates("federated learning")
    assert iclr_settings.top_n < len(deep) <= iclr_settings.candidates
    assert all(h.score >= iclr_settings.set_floor for h in deep)
    assert [h.score for h in deep] == sorted((h.score for h in deep), reverse=True)
    assert len(iclr_retriever.candidates("federated learning", limit=30, floor=0.0)) == 30
    author = Filters(author="Chelsea Finn")
    every = iclr_retriever.candidates("", author)  # filter-only: every paper that passes, however many
    assert {h.paper.id for h in every} == {p.id for p in iclr_retriever.papers(author)}


def test_two_subjects_asked_together_list_papers_on_both(iclr_retriever: Any, iclr_settings: Any) -> None:
    """Before: "papers that combine GNNs and transformers" listed 50 papers, vision transformers and plain GNNs."""
    result = answer("papers that combine GNNs and transformers", [], iclr_retriever, iclr_settings)
    assert result.relevant, result.text
    for match in result.relevant:
        paper = match.hit.paper
        text = " ".join([paper.title, paper.abstract or "", *paper.keywords]).lower()
        assert "graph" in text and ("transformer" in text or "attention" in text), paper.title


def test_a_dataset_question_lists_the_papers_naming_the_dataset(iclr_retriever: Any, iclr_settings: Any) -> None:
    """"which papers evaluate on ImageNet?" is answered as "papers that use ImageNet" is (before: 16 against 78)."""
    framed = answer("which papers evaluate on ImageNet?", [], iclr_retriever, iclr_settings)
    plain = answer("papers that use ImageNet", [], iclr_retriever, iclr_settings)
    assert len(framed.relevant) >= 50
    assert {m.hit.paper.id for m in framed.relevant} == {m.hit.paper.id for m in plain.relevant}


def test_follow_ups_that_leave_out_and_count_keep_the_previous_set(iclr_retriever: Any, iclr_settings: Any) -> None:
    first = answer("papers on adversarial robustness", [], iclr_retriever, iclr_settings)
    fewer = answer("not the certified ones", [first], iclr_retriever, iclr_settings)
    kept = {m.hit.paper.id for m in fewer.matches}
    assert kept < {m.hit.paper.id for m in first.matches} and "(not \u2018certified\u2019" in fewer.text.splitlines()[0]
    assert not any("certif" in m.hit.paper.title.lower() for m in fewer.matches)  # papers about it are left out
    assert len(first.matches) - len(fewer.matches) >= 10
    counted = answer("how many?", [first, fewer], iclr_retriever, iclr_settings)
    assert counted.text.startswith(f"{len(fewer.relevant)} papers of the {len(fewer.matches)} papers of the previous")
    no_posters = answer("without the posters", [first], iclr_retriever, iclr_settings)
    assert no_posters.matches and all(m.hit.paper.decision != "Poster" for m in no_posters.matches)
    assert {m.hit.paper.id for m in no_posters.matches} <= {m.hit.paper.id for m in first.matches}
