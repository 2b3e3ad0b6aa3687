"""The answering chain (LangChain runnables): condense a follow-up -> retrieve with the filters the question implies
-> number the papers [1..n] within the token budget -> prompt -> LLM (streamed) -> check citations -> Answer.

With no LLM configured, or when the endpoint fails, the same chain answers with the offline (extractive) answerer
and says so; a failure mid-stream resets the streamed text and the offline answer follows with a notice.

Service-facing API: `stream_answer(...)` yields `TextDelta`s, perhaps a `StreamReset`, then one `FinalAnswer`
(assistant/events.py);
`answer(...)` returns the final `Answer`. Both take the chat history as the earlier `Answer`s of the conversation
(or `(question, Answer)` pairs), and optional filters chosen by the user, which the filters the question implies
("orals", "by <author>") refine.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, replace
from typing import Literal

from langchain_core.runnables import Runnable, RunnableGenerator, RunnableLambda

from ..chunking import count_tokens
from ..citations import CitationFilter, check_citations, make_citations, removed_notice, stream_or_fall_back
from ..errors import LLMError
from ..events import AnswerEvent, FinalAnswer, StreamReset, TextDelta, final_answer, prefixed
from ..llm import ChatLLM, complete, make_llm
from ..prompts import NumberedPapers, Prompts, fence, load_prompts, pack_papers
from ..query.plan import (
    QuestionInfo,
    analyse,
    check_question,
    is_small_talk,
    merge_follow_up,
    plan_of_turn,
    swaps_decision,
    switches_subject,
)
from ..query.spelling import retrieval_text
from ..query.turns import is_follow_up, referenced
from ..retrieval.glossary import Reading, screened_topic
from ..retrieval.stages import PostRetrieval
from ..sets.answer import LLM_SET_LABEL, OFFLINE_SET_LABEL, GroupNamer, SetRequest, compose, defang, describe_filters
from ..sets.exclusion import leave_out
from ..sets.screening import Topic, lay_words, screen_offline
from ..sets.screening_llm import llm_group_names, screen_with_llm
from ..settings import Settings
from ..types import Answer, Filters, Hit, Screened
from ..words.terms import terms
from . import compare_chat as tables
from .author_ranking import ranking_events, with_ranked_author
from .collection import CollectionInfo, RetrieverLike, collection_info
from .details import asked_details
from .extractive import OfflineContext, no_papers_text, offline_answer
from .follow_ups import (
    follow_up_hits,
    format_history,
    listed_answer,
    pointed_papers,
    previous_papers,
    record_details,
    rescored,
    rule_standalone,
)
from .overview import MapSource, asks_overview, overview_reply
from .similar_papers import asks_similar, similar_hits, similar_scope

log = logging.getLogger(__name__)

__all__ = ["AnswerEvent", "FinalAnswer", "StreamReset", "TextDelta", "final_answer"]  # events.py, re-exported


# --- the chain's state ---------------------------------------------------------------------------------------------


History = Sequence[Answer] | Sequence[tuple[str, Answer]]


def as_answers(history: History) -> list[Answer]:
    """The earlier answers of a conversation; (question, Answer) pairs are accepted too."""
    return [turn[1] if isinstance(turn, tuple) else turn for turn in history]


@dataclass
class ChainInput:
    question: str
    history: Sequence[Answer] = ()
    filters: Filters | None = None  # chosen by the user (UI controls, CLI flags)


@dataclass
class ChainState:
    question: str
    history: list[Answer]
    filters: Filters | None = None
    standalone: str = ""
    follow_up_of: Answer | None = None
    info: QuestionInfo | None = None
    hits: list[Hit] = field(default_factory=list)
    context: NumberedPapers | None = None
    offline: OfflineContext = field(default_factory=OfflineContext)
    llm_error: LLMError | None = None
    # A set question (list, count): every candidate is screened and the answer is composed from the verdicts.
    set_question: bool = False
    screen_topic: QuestionInfo | None = None  # what a follow-up screens the previous set against (None: keep verdicts)
    summarize: bool = False  # "summarize these papers": a group summary of the previous answer's whole set
    # a set question in everyday words read as the field's term (assistant/retrieval/glossary.py)
    reading: Reading | None = None
    overview: bool = False  # "what are the main topics of the listing?": the themes of its topic map
    scope_note: str = ""  # what else a set answer's heading says its papers are ("closest in content to 'X'")
    table: tables.TableRequest | None = None  # "compare the papers on X", "compare those": a table (compare_chat)


class AnswerChain:
    """Answers questions over one collection. Thread-safe; the services object keeps one per collection and
    prompt files (service.Services.chain)."""

    def __init__(
        self,
        retriever: RetrieverLike,
        settings: Settings,
        llm: ChatLLM | None | Literal["auto"] = "auto",
        prompts: Prompts | None = None,
        topic_map: MapSource | None = None,
    ) -> None:
        self.retriever = retriever
        self.topic_map = topic_map  # the service's cached map of the listing, for overview questions
        self.settings = settings
        self.llm = make_llm(settings) if llm == "auto" else llm
        self.prompts = prompts or load_prompts(settings.prompts_dir)
        self.stage = PostRetrieval(settings)
        self.runnable: Runnable[ChainInput, AnswerEvent] = (
            RunnableLambda(self._condense)
            | RunnableLambda(self._retrieve)
            | RunnableLambda(self._number)
            | RunnableGenerator(self._generate)
        )

    def stream(
        self, question: str, history: History = (), filters: Filters | None = None
    ) -> Iterator[AnswerEvent]:
        return self.runnable.stream(ChainInput(question, as_answers(history), filters))

    def answer(self, question: str, history: History = (), filters: Filters | None = None) -> Answer:
        return final_answer(self.stream(question, history, filters))

    # --- step 1: a standalone question -------------------------------------------------------------------------
    def _condense(self, given: ChainInput) -> ChainState:
        question = " ".join(given.question.split())
        check_question(question, self.settings)
        history = list(given.history)[-self.settings.max_history_turns :] if self.settings.max_history_turns else []
        state = ChainState(question, history, given.filters)
        previous = next((a for a in reversed(history) if not is_small_talk(a.question)), None)  # "thanks!" skipped
        state.follow_up_of = previous if previous is not None and is_follow_up(question) else None
        state.standalone = rule_standalone(question, state.follow_up_of)
        if state.follow_up_of is not None and self.llm is not None:
            # Only a follow-up needs rewriting: a question that stands alone costs no extra model call.
            try:
                state.standalone = self._llm_standalone(question, history) or state.standalone
            except LLMError as exc:
                state.llm_error = exc
        return state

    def _llm_standalone(self, question: str, history: list[Answer]) -> str:
        assert self.llm is not None
        messages = self.prompts.condense.messages(history=format_history(history), question=fence(question))
        reply = complete(self.llm, messages).strip().splitlines()
        line = reply[0].strip().strip('"\u201c\u201d') if reply else ""
        return line[: self.settings.max_question_chars]

    # --- step 2: retrieval with implied filters -------------------------------------------------------------------
    def _retrieve(self, state: ChainState) -> ChainState:
        info = collection_info(self.retriever)
        asked, state.table = tables.read(state.question, info.authors)  # a table's framing and columns cut
        if state.follow_up_of is not None:
            previous = state.follow_up_of.standalone_question or state.follow_up_of.question
            own = with_ranked_author(analyse(asked, info.authors, terms, state.filters), state.follow_up_of)
            before = self._as_answered(plan_of_turn(previous, info.authors, terms), state.follow_up_of)
            state.info = merge_follow_up(own, before)
            # "and the spotlights?" after orals, "what about flows?": the question asked again over the listing
            if swaps_decision(own, before) or switches_subject(own, before):
                state.follow_up_of = None
                return self._retrieve_listing(state, info)
            state.hits = follow_up_hits(state.follow_up_of, state.info, info.stats)
            candidates = len(previous_papers(state.follow_up_of))
            scope = describe_filters(state.info.filters, state.info.coauthor)
            state.offline = OfflineContext(scope, state.follow_up_of.question, candidates)
            state.set_question = state.info.is_set_question()
            state.screen_topic = own if own.terms else None
            state.summarize = state.info.intent == "summarize"
            if state.set_question or state.summarize:  # the whole previous set, in its own order
                state.hits = [h for h in previous_papers(state.follow_up_of) if state.info.filters.matches(h.paper)]
                if state.screen_topic is not None:  # narrowed by a topic of its own: scored for that topic
                    state.hits = rescored(self.retriever, state.screen_topic.topic, state.hits)
            listed = listed_answer(state.history) or state.follow_up_of
            pointed = pointed_papers(listed, referenced(state.question))
            if pointed and asks_similar(state.question):  # "more like [3]": the papers nearest to it
                return self._similar(state, [h.paper.id for h in pointed], own)
            if pointed:  # "tell me more about the second one": that paper only
                state.hits, state.set_question = pointed, False
                state.offline = replace(state.offline, details=record_details(state.question, state.history))
                if state.info.intent in ("list", "count"):
                    state.info = replace(state.info, intent="explain")
        else:
            state.info = analyse(asked, info.authors, terms, base=state.filters)  # (standalone: the question)
            return self._retrieve_listing(state, info)
        return state

    def _similar(self, state: ChainState, named: Sequence[str], plan: QuestionInfo) -> ChainState:
        """The papers nearest to the named ones, filtered as the question says: a set answer of the listing."""
        state.hits = similar_hits(self.retriever, named, plan.filters, plan.wanted)
        state.info, state.scope_note = replace(plan, intent="list", topic="", terms=()), similar_scope(
            self.retriever.get(named))
        state.follow_up_of, state.screen_topic, state.set_question = None, None, True
        state.offline = OfflineContext(describe_filters(plan.filters, plan.coauthor))
        return state

    def _as_answered(self, before: QuestionInfo, answer: Answer) -> QuestionInfo:
        """The previous turn's plan with the term its set answer was read as (the glossary), if it was (no topic
        for the papers like a named one)."""
        if answer.matches and not answer.topic and asks_similar(answer.question):
            return replace(before, topic="", terms=())
        reading = self.retriever.lay_reading(before.text, before.topic)[1] if answer.matches and before.terms else None
        return as_read(before, reading.term) if reading is not None and reading.term == answer.topic else before

    def _retrieve_listing(self, state: ChainState, info: CollectionInfo) -> ChainState:
        """Candidates of the whole listing for the question's plan (`state.info`; its typos read as meant)."""
        assert state.info is not None
        plan = state.info
        if plan.small_talk:  # "thanks!": nothing to retrieve, so no paper is quoted as if it answered
            state.offline = OfflineContext(small_talk=True)
            return state
        if self.topic_map is not None and asks_overview(state.question, plan.terms, not plan.filters.is_empty(),
                                                        plan.intent == "summarize"):
            state.overview = True
            return state
        details = asked_details(state.question)
        named = info.titles.named(state.question) if details else ()
        if named:  # "who wrote FedChain?": the named papers' record, not a search for the word
            state.hits = [Hit(paper, 1.0) for paper in self.retriever.get(named)]  # "is X an oral?" filters nothing
            state.info, state.offline = replace(plan, intent="explain"), OfflineContext(details=details)
            return state
        similar_to = info.titles.named(state.question) if asks_similar(state.question) else ()
        if similar_to:  # "papers like FedChain": the papers nearest to it, not a search for the words of its name
            return self._similar(state, similar_to, plan)
        # "summarize the papers on X": the papers a set answer would state; "summarize the orals": the filter's
        state.summarize = plan.intent == "summarize" and (bool(plan.terms) or not plan.filters.is_empty())
        state.set_question = plan.is_set_question() or (state.summarize and bool(plan.terms))
        if state.summarize and not plan.terms:
            state.hits = [Hit(paper, 0.0) for paper in self.retriever.papers(plan.filters)]
        elif state.set_question:
            searched, state.reading = (self.retriever.lay_reading(plan.text, plan.topic) if plan.terms
                                       else (plan.topic, None))
            # screened against the term or its aliases (titled by the term); retrieved by the retriever's reading
            read = as_read(plan, screened_topic(state.reading, info.stats)) if state.reading else plan
            topic = screened_as(read, state.reading)
            state.hits = self.stage.set_candidates(
                self.retriever, searched, plan.filters, bool(plan.terms),
                widen=lambda first: lay_words(first, topic, info.stats, listing_keys=info.keys))
            state.info = read
            state.set_question = not state.summarize
        else:
            asked = retrieval_text(state.standalone, plan.corrections, info.authors.words)  # typos read as meant
            state.hits = tables.explain_hits(self.stage, self.retriever, asked, plan)  # "X vs Y": both sides
        state.offline = OfflineContext(describe_filters(plan.filters, plan.coauthor))
        return state

    # --- step 3: numbered context ----------------------------------------------------------------------------------
    def _number(self, state: ChainState) -> ChainState:
        if state.set_question or state.summarize or state.overview or state.table is not None:
            return state  # composed from the verdicts (or summarised in batches): no prompt budget limits the set
        context = pack_papers([h.paper for h in state.hits], self.settings.context_tokens, count_tokens)
        state.context = context
        state.hits = state.hits[: len(context.papers)]
        return state

    # --- step 4: the answer, streamed ------------------------------------------------------------------------------
    def _generate(self, states: Iterator[ChainState]) -> Iterator[AnswerEvent]:
        for state in states:
            plan = state.info
            note = plan.note() if plan is not None else ""
            yield from prefixed(self._events(state), note)  # "Reading ‘Sergey Levin’ as Sergey Levine.", typos

    def _events(self, state: ChainState) -> Iterator[AnswerEvent]:
        if state.overview:
            yield from self._overview_events(state)
        elif state.summarize:
            yield from self._summary_events(state)
        elif state.table is not None:
            yield from self._table_events(state)
        elif state.set_question:
            yield from self._set_events(state)
        elif self.llm is None or state.llm_error is not None:
            yield from self._offline_events(state, notice_for(state.llm_error))
        elif not state.hits:
            yield from self._no_papers_events(state)
        else:
            yield from self._llm_events(state, self.llm)

    def _llm_events(self, state: ChainState, llm: ChatLLM) -> Iterator[AnswerEvent]:
        assert state.context is not None
        messages = self.prompts.answer.messages(papers=state.context.text, question=fence(state.standalone))
        checker = CitationFilter(frozenset(state.context.numbers))

        def offline_instead(error: LLMError) -> tuple[str, Iterator[AnswerEvent]]:
            notice = notice_for(error)
            return notice or "", self._offline_events(state, notice)

        empty = f"The language model {llm.model_name!r} returned an empty answer."
        if not (yield from stream_or_fall_back(lambda: llm.stream(messages), checker, offline_instead, empty)):
            return
        answer = self._answer(state, checker.text, "llm", removed_notice(checker.removed))
        answer.model = llm.model_name
        yield FinalAnswer(answer)

    def _offline_events(self, state: ChainState, notice: str | None) -> Iterator[AnswerEvent]:
        assert state.info is not None
        text = offline_answer(state.info, state.hits, collection_info(self.retriever).stats, state.offline)
        checked = check_citations(text, state.context.by_number if state.context else {})
        for line in checked.text.splitlines(keepends=True):
            yield TextDelta(line)
        yield FinalAnswer(self._answer(state, checked.text, "offline", notice))

    def _overview_events(self, state: ChainState) -> Iterator[AnswerEvent]:
        assert state.info is not None and self.topic_map is not None
        papers = self.retriever.derived("overview.papers", lambda listed: {p.id: p for p in listed})
        scope = describe_filters(state.info.filters, state.info.coauthor)
        answer = overview_reply(self.topic_map(), papers, state.info.filters, collection_info(self.retriever).listing,
                                scope)
        answer.question, answer.standalone_question = state.question, state.standalone
        for line in answer.text.splitlines(keepends=True):
            yield TextDelta(line)
        yield FinalAnswer(answer)

    def _summary_events(self, state: ChainState) -> Iterator[AnswerEvent]:
        """A summary of every paper of the previous answer that passes the follow-up's filters (not only those
        shown)."""
        from .summarize import Group, Summarizer  # summarize builds on this module

        assert state.info is not None
        ids, described = tuple(h.paper.id for h in state.hits), ""
        if state.follow_up_of is None and state.info.terms:  # "summarize the papers on X": the relevant ones
            info = collection_info(self.retriever)
            screened = self._screen(state, info)[0]
            relevant = [s.hit.paper.id for s in screened if s.verdict == "relevant"]
            ids = tuple(relevant or [s.hit.paper.id for s in screened if s.verdict == "possible"])
            topic = state.reading.term if state.reading else state.info.topic
            described = f"papers of {info.listing} that {'match' if relevant else 'may match'} \u2018{topic}\u2019"
        llm = None if state.llm_error is not None else self.llm
        if state.follow_up_of is None and not state.info.terms:  # "summarize the orals"
            described = f"papers of {collection_info(self.retriever).listing} ({describe_filters(state.info.filters)})"
        group = Group(ids=ids, described=described)
        for event in Summarizer(self.retriever, self.settings, llm, self.prompts).stream(group):
            if isinstance(event, FinalAnswer):
                event.answer.question, event.answer.standalone_question = state.question, state.standalone
                event.answer.intent = "summarize"
                event.answer.notice = event.answer.notice or notice_for(state.llm_error)
            yield event

    def _table_events(self, state: ChainState) -> Iterator[AnswerEvent]:
        """A cited table of the papers a set answer would state, or of those a follow-up points at (compare_chat)."""
        info, llm = collection_info(self.retriever), None if state.llm_error is not None else self.llm
        found = self._screen(state, info) if state.set_question else ([], notice_for(state.llm_error), None)
        yield from tables.table_events(state, info, found[0], found[1], llm, self.prompts, self.settings.context_tokens)

    def _set_events(self, state: ChainState) -> Iterator[AnswerEvent]:
        """Screen every candidate (the LLM's verdicts where it gives valid ones), then compose the set answer."""
        assert state.info is not None
        info = collection_info(self.retriever)
        ranks_authors = state.info.intent == "authors"  # the same table with or without an LLM: screened offline
        screened, notice, model = self._screen(state, info, offline_only=ranks_authors)
        screened, left_out = leave_out(screened, state.info.excluded, info.stats, info.keys)  # "but not X"
        previous = state.follow_up_of
        request = SetRequest(
            intent=state.info.intent, listing=info.listing,
            topic=set_topic(state),
            scope=", ".join(filter(None, [describe_filters(state.info.filters, state.info.coauthor), left_out,
                                          defang(state.scope_note)])),
            previous=previous.question if previous else None,
            previous_count=len(previous_papers(previous)) if previous else 0,
            read_from=state.reading.said if state.reading else "", wanted=state.info.wanted,
        )
        if ranks_authors:  # "who published the most papers (on X)?": the set's authors ranked (author_ranking.py)
            yield from ranking_events(request, screened, state.question, state.standalone, state.info.filters.author)
            return
        label = LLM_SET_LABEL.format(model=repr(model)) if model else OFFLINE_SET_LABEL
        relevant_ids = [s.hit.paper.id for s in screened if s.verdict == "relevant"]
        vectors = self.retriever.paper_vectors(relevant_ids) if len(relevant_ids) >= self.settings.set_group_min else {}
        topic_keys = set(Topic.of(state.info.topic, state.info.terms).keys)
        namer = self._namer(request.topic or request.scope) if model and self.llm is not None else None
        composed = compose(
            request, screened, info.stats, vectors, topic_keys, self.settings.set_group_min,
            self.settings.set_max_groups, label, namer,
        )
        sources = [m.hit for m in composed.matches] or composed.closest
        numbered = {n: h.paper for n, h in enumerate(sources, start=1)}
        for line in composed.text.splitlines(keepends=True):
            yield TextDelta(line)
        yield FinalAnswer(Answer(
            text=composed.text, citations=make_citations(composed.text, numbered),
            sources=sources, mode="llm" if model else "offline", notice=notice,
            model=model, question=state.question, standalone_question=state.standalone, intent=state.info.intent,
            matches=composed.matches, groups=composed.groups, topic=request.topic,
        ))

    def _namer(self, topic: str) -> GroupNamer:
        llm = self.llm
        assert llm is not None
        return lambda groups: llm_group_names(llm, self.prompts.name_groups, groups, topic)

    def _screen(
        self, state: ChainState, info: CollectionInfo, offline_only: bool = False
    ) -> tuple[list[Screened], str | None, str | None]:
        """(verdicts of the candidates, notice, model name when the LLM gave verdicts; never with `offline_only`).
        A follow-up that only filters keeps the previous answer's verdicts."""
        assert state.info is not None
        notice = notice_for(state.llm_error)
        if state.follow_up_of is not None and state.screen_topic is None:
            kept = {m.hit.paper.id: m for m in state.follow_up_of.matches}
            fresh = screen_offline(state.hits, Topic.of(""), info.stats)  # relevant, quoted by the key sentence
            return [kept.get(s.hit.paper.id) or s for s in fresh], notice, None
        plan = state.screen_topic or state.info
        topic = screened_as(plan, state.reading if state.screen_topic is None else None)
        offline = screen_offline(state.hits, topic, info.stats, listing_keys=info.keys)
        if offline_only or self.llm is None or state.llm_error is not None or not topic.keys or not state.hits:
            return offline, notice, None
        screened = screen_with_llm(
            self.llm, self.prompts.screen, state.hits, topic, offline, self.settings.screen_batch,
            self.settings.screen_concurrency, self.settings.context_tokens,
        )
        model = self.llm.model_name if any(s.judge == "llm" for s in screened.screened) else None
        return screened.screened, screened.notice, model

    def _no_papers_events(self, state: ChainState) -> Iterator[AnswerEvent]:
        """Nothing retrieved: say so without asking the model (it would have nothing to cite)."""
        text = no_papers_text(state.offline)
        yield TextDelta(text)
        answer = self._answer(state, text, "llm", None)
        answer.model = self.llm.model_name if self.llm else None
        yield FinalAnswer(answer)

    def _answer(self, state: ChainState, text: str, mode: Literal["llm", "offline"], notice: str | None) -> Answer:
        numbered = state.context.by_number if state.context else {}
        return Answer(text=text, citations=make_citations(text, numbered), sources=list(state.hits), mode=mode,
                      notice=notice, question=state.question, standalone_question=state.standalone)


# --- helpers ----------------------------------------------------------------------------------------------------


def screened_as(info: QuestionInfo, reading: Reading | None) -> Topic:
    """The topic a set question's candidates are screened against; a glossary reading's names (screened_topic:
    "algorithmic fairness or demographic parity ...") are synonyms, not kinds of it."""
    return replace(Topic.of(info.topic if info.terms else "", info.terms), synonyms=reading is not None)


def as_read(plan: QuestionInfo, topic: str) -> QuestionInfo:
    """The plan with the topic the glossary read it as (the user's words are kept in `Reading.said`)."""
    return replace(plan, topic=topic, terms=tuple(dict.fromkeys(terms(topic))))


def set_topic(state: ChainState) -> str:
    """What a set answer's heading says its papers match: the term a lay question was read as, a narrowing
    follow-up's own topic ("molecules", among the previous answer's papers), else the question's topic."""
    assert state.info is not None
    if state.reading:
        return state.reading.term
    if state.follow_up_of is not None and state.screen_topic is not None:
        return state.screen_topic.topic
    return state.info.topic if state.info.terms else ""


def notice_for(error: LLMError | None) -> str | None:
    return None if error is None else f"{error} Showing the offline answer instead."


# --- service-facing functions -------------------------------------------------------------------------------------

def stream_answer(
    question: str, history: History, retriever: RetrieverLike, settings: Settings,
    filters: Filters | None = None, llm: ChatLLM | None | Literal["auto"] = "auto",
) -> Iterator[AnswerEvent]:
    """Events for one question: TextDelta..., maybe StreamReset, then FinalAnswer (a chain built for this call:
    the service keeps its chains in the services object)."""
    return AnswerChain(retriever, settings, llm).stream(question, history, filters)


def answer(
    question: str, history: History, retriever: RetrieverLike, settings: Settings,
    filters: Filters | None = None, llm: ChatLLM | None | Literal["auto"] = "auto",
) -> Answer:
    return final_answer(stream_answer(question, history, retriever, settings, filters, llm))
