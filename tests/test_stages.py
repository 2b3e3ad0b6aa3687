"""The post-retrieval stage (assistant/retrieval/stages.py): the settings `top_n`, `candidates` and `set_floor` decide
how many papers each kind of question gets, through the real retriever over a real store and through the service."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from pathlib import Path

from assistant import service
from assistant.retrieval.stages import FILTER_ONLY_LIMIT, WIDEN_SHARE, PostRetrieval
from assistant.types import Filters, Hit
from tests.conftest import make_settings
from tests.retriever_double import KeywordRetriever, handful_of_iclr_papers
from tests.test_service_state import records, small_store

__all__ = ["small_store"]  # the fixture (a store of the first papers of the shipped listing)
RANKING = [("a", 0.9), ("b", 0.5), ("c", 0.25), ("d", 0.1)]


def test_the_stage_passes_on_the_best_n_above_the_floor() -> None:
    stage = PostRetrieval(make_settings(Path("unused")))
    assert stage.pass_on("q", RANKING, 2) == RANKING[:2]
    assert stage.pass_on("q", RANKING, 10, floor=0.2) == RANKING[:3]
    assert stage.pass_on("q", RANKING, 10, floor=0.95) == []


def test_top_n_sets_how_many_papers_an_explain_answer_gets(small_store: Path) -> None:
    for top_n in (2, 5):
        settings = make_settings(small_store, top_n=top_n, top_k=8)
        answer = service.ask("How do models cope with distribution shift?", [], settings, collection="state")
        assert answer.intent == "explain" and len(answer.sources) == top_n
        assert len(service.search("distribution shift", settings, collection="state")) == 8  # top_k: searches


def test_candidates_and_the_floor_set_how_deep_a_set_question_goes(small_store: Path) -> None:
    deep = make_settings(small_store, candidates=10, set_floor=0.0)
    retriever = service.services(deep).retriever("state")
    assert len(retriever.candidates("robustness of neural networks")) == 10  # 12 papers, cut at 10
    shallow = make_settings(small_store, candidates=10, set_floor=1.0)  # no fused score reaches 1.0 here
    assert service.services(shallow).retriever("state").candidates("robustness of neural networks") == []
    answer = service.ask("Which papers study robustness of neural networks?", [], shallow, collection="state")
    assert answer.is_set and answer.matches == []


def test_a_filter_only_question_lists_up_to_a_multiple_of_top_n(small_store: Path) -> None:
    papers = records()
    settings = make_settings(small_store, top_n=1)
    stage, retriever = PostRetrieval(settings), service.services(settings).retriever("state")
    only = stage.explain_hits(retriever, "", Filters(author=papers[0]["authors"][0]), topical=False)
    assert [h.paper.id for h in only] == [papers[0]["id"]]
    # an author filter matches whole words of a name: the commonest name word of ~40 papers is in many of their lists
    handful = KeywordRetriever(handful_of_iclr_papers())
    counts = Counter(word for p in handful.papers() for word in {w for a in p.authors for w in a.split()})
    common, holding = counts.most_common(1)[0]
    assert holding > FILTER_ONLY_LIMIT
    many = stage.explain_hits(handful, "", Filters(author=common), topical=False)
    assert len(many) == FILTER_ONLY_LIMIT * settings.top_n


def test_a_lay_question_widens_its_candidates_with_the_words_the_screening_learns(small_store: Path) -> None:
    """The second pass runs with the words `widen` gives (the question's first, closest candidates first) and is
    merged with the first; without words (a jargon question) the first pass stands alone."""
    settings = make_settings(small_store, candidates=10, set_floor=0.0)
    stage, retriever = PostRetrieval(settings), service.services(settings).retriever("state")
    question = "robustness of neural networks"
    first = [h.paper.id for h in retriever.candidates(question, None, 10, 0.0)]
    seen: list[list[str]] = []

    def widen(hits: Sequence[Hit]) -> list[str]:
        seen.append([h.paper.id for h in hits])
        return ["federated", "clients"]

    widened = [h.paper.id for h in stage.set_candidates(retriever, question, None, True, widen)]
    again = [h.paper.id for h in retriever.candidates(f"{question} federated clients", None, 10, 0.0)]
    assert seen == [first]
    assert widened[: len(again)] == again and set(first) <= set(widened)
    assert len(widened) <= len(again) + int(WIDEN_SHARE * 10) and len(widened) == len(set(widened))
    plain = [h.paper.id for h in stage.set_candidates(retriever, question, None, True, lambda hits: [])]
    assert plain == first
