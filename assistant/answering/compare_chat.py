"""A comparison asked in the chat: a cited table, not a few sentences.

"compare the papers on graph transformers", "contrast the diffusion papers", "make a comparison table of papers
about X", and after an answer "compare those", "compare them in a table", "compare the first three" ask for a table
of papers (`table_request`): one row per paper, cited [n] as the rest of the answer, the columns of compare.py (the
default five, or the aspects the question names: "... by dataset and code availability"). A topic's papers are
those its set answer would state (the relevant ones, else the possibly relevant), best-ranked first; a follow-up's
are the previous answer's (a set answer's relevant ones), or those it points at. At most compare.MAX_PAPERS: the
answer says how many were left out. The cells are compare.py's (quoted from the abstracts offline; the LLM's,
each quote checked, when one is configured; a failing LLM gives the offline cells and a notice).

"compare X with Y", "X vs Y" (two methods or families) stay a cited explanation, retrieved side by side
(`sides`), so that both sides are cited.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Protocol

from ..analysis.compare import KINDS, MAX_COLUMN_CHARS, MAX_PAPERS, Cell, Comparison, compare_papers, parse_columns
from ..citations import defuse_citations, make_citations
from ..errors import AssistantError
from ..events import AnswerEvent, FinalAnswer, TextDelta
from ..llm import ChatLLM
from ..prompts import Prompts
from ..query.author_index import AuthorIndex
from ..query.author_mentions import unknown_author
from ..query.authors import find_author
from ..query.plan import QueryPlan
from ..query.turns import POINTS_BACK
from ..retrieval.glossary import Reading
from ..retrieval.stages import PostRetrieval, Ranker
from ..sets.answer import describe_filters
from ..sets.exclusion import leave_out
from ..types import Answer, Hit, Screened
from ..words.sentences import plural
from .collection import CollectionInfo
from .follow_ups import listed_answer, previous_papers

CELL_CHARS = 240  # a quote in the chat's table is cut here (the whole sentence is in the JSON's `comparison`)
_TABLE = re.compile(  # asks for a table whatever else it says
    r"\b(?:comparison|comparative)\s+table\b|\btables?\s+(?:comparing|that\s+compares)\b|\btabulate\b", re.IGNORECASE)
_AS_TABLE = re.compile(  # "... in a table", "side by side": a table of the papers the question names
    r"\b(?:in|as|into|with)\s+(?:a|one)\s+table\b|\bin\s+table\s+form\b|\bin\s+tabular\s+form\b|\bside[- ]by[- ]side\b",
    re.IGNORECASE,
)
_LIST_START = re.compile(r"^\s*(?:and\s+)?(?:which|what|how\s+many)\b", re.IGNORECASE)
_COMPARE_LEAD = re.compile(r"^\s*(?:(?:and|so|now|ok(?:ay)?|then),?\s+)?(?:please\s+)?(?:can\s+you\s+)?"
                           r"(?:compare|contrast)\b", re.IGNORECASE)
_PAPERS = re.compile(r"\b(?:papers|works|articles|publications|submissions|entries|orals|spotlights|posters)\b",
                     re.IGNORECASE)
_TWO_SIDED = re.compile(r"\s(?:vs\.?|versus)\s|\bdifferences?\s+between\b|\bbetter\s+than\b", re.IGNORECASE)
_MAKE = re.compile(r"^\s*(?:please\s+)?(?:(?:can|could|would)\s+you\s+)?(?:please\s+)?(?:make|create|build|draw|"
                   r"produce|give\s+me|show\s+me|show|give|generate)\s+(?:me\s+)?(?:an?\s+)?", re.IGNORECASE)
# "... by dataset and code availability", "in terms of method and results", "with columns task, data": the aspects
_ASPECT_LEAD = re.compile(
    r"(?:,\s*|\s+)(?P<lead>by|on|for|along|across|regarding|in\s+terms\s+of|with\s+respect\s+to|with\s+(?:the\s+)?"
    r"columns?|columns?\s*:?)\s+(?:(?:their|the|its|each\s+paper's)\s+)?", re.IGNORECASE)
_OPEN_LEADS = ("in terms of", "with respect to", "with column", "with columns", "with the column",
               "with the columns", "column", "columns", "column:", "columns:")
_ITEM_SPLIT = re.compile(r"\s*(?:,|;|&|/|\band\b|\bor\b)\s*", re.IGNORECASE)
_KNOWN = frozenset(a for k in KINDS for a in (*k.aliases, k.title.lower()))
_ASPECT_TEXT = """code availability available github open-source rl theory theoretical compute cost architecture
metric metrics baseline baselines model size setting assumptions novelty contribution venue decision scale efficiency"""
_ASPECT_WORDS = frozenset(_ASPECT_TEXT.split())  # words of a property a "by ..." column may name


@dataclass(frozen=True)
class TableRequest:
    """A question asking for a comparison table: the question the plan reads (the aspects and the table's framing
    cut out) and the columns named (none: the default ones)."""

    asked: str
    columns: tuple[str, ...] = ()


def table_request(question: str, authors: AuthorIndex) -> TableRequest | None:
    """The table a question asks for, if it asks for one (see the module's docstring); None otherwise."""
    framed, as_table = bool(_TABLE.search(question)), bool(_AS_TABLE.search(question))
    if not framed:
        if _LIST_START.match(question) or _TWO_SIDED.search(question):
            return None  # "which papers compare GNNs and transformers?" lists; "X vs Y" is explained
        if not (_COMPARE_LEAD.match(question) or as_table):
            return None
        if not (_PAPERS.search(question) or POINTS_BACK.search(question)):
            return None  # "compare transformers and CNNs": two families, explained
    text = _MAKE.sub("", _AS_TABLE.sub(" ", _TABLE.sub(" ", question)), count=1)
    text, columns = cut_aspects(_COMPARE_LEAD.sub("", text, count=1), authors)
    return TableRequest(" ".join(text.split()), columns)


def read(question: str, authors: AuthorIndex) -> tuple[str, TableRequest | None]:
    """What the plan reads of a question (a table's request with its framing and aspects cut: "the papers on X",
    a list question, so its papers are those a set answer states), and the table asked for, if one is."""
    request = table_request(question, authors)
    return (request.asked if request is not None else question), request


def cut_aspects(text: str, authors: AuthorIndex) -> tuple[str, tuple[str, ...]]:
    """The question without its trailing aspects, and the aspects as column names (the last lead that names
    columns wins: "the papers on X by dataset" reads "dataset", not "X by dataset")."""
    for lead in reversed(list(_ASPECT_LEAD.finditer(text))):
        said = text[lead.end():].strip().rstrip("?.!").strip()
        items = [i.strip() for i in _ITEM_SPLIT.split(said) if i.strip()]
        if not items or not _names_columns(lead.group("lead"), items, text[: lead.start()], text[lead.start():],
                                           authors):
            continue
        columns = tuple(i[0].upper() + i[1:] for i in items)
        try:
            parse_columns(columns)
        except AssistantError:
            continue
        return text[: lead.start()], columns
    return text, ()


def _names_columns(lead: str, items: Sequence[str], before: str, said: str, authors: AuthorIndex) -> bool:
    lead = " ".join(lead.lower().split())
    if any(len(i) > MAX_COLUMN_CHARS or len(i.split()) > 5 for i in items):
        return False
    known = all(i.lower() in _KNOWN for i in items)
    if lead in _OPEN_LEADS:
        return True
    if lead == "by":  # "by dataset and code availability", not "by Sergey Levine"
        if find_author(said, authors) is not None or unknown_author("papers " + said.strip()) is not None:
            return False
        return known or all(i.lower() in _KNOWN or set(i.lower().split()) & _ASPECT_WORDS for i in items)
    # "compare them on method and data"; not "the papers on graph transformers", nor "the papers on evaluation"
    return known and bool(POINTS_BACK.search(before))


# --- the papers compared ---------------------------------------------------------------------------------------------
class ChainView(Protocol):
    """The answer chain's state (answering.ChainState), as far as a table reads it."""

    question: str
    standalone: str
    info: QueryPlan | None
    follow_up_of: Answer | None
    screen_topic: QueryPlan | None
    reading: Reading | None
    hits: list[Hit]
    history: list[Answer]
    table: TableRequest | None


def topic_papers(screened: Sequence[Screened]) -> tuple[list[Hit], int, bool]:
    """The papers a table compares of a screened set: its relevant papers (else the possibly relevant ones) in the
    screening's order (ranked; a follow-up's: the previous answer's), at most MAX_PAPERS; how many there are;
    whether they are the relevant ones."""
    relevant = [s.hit for s in screened if s.verdict == "relevant"]
    chosen = relevant or [s.hit for s in screened if s.verdict == "possible"]
    return chosen[:MAX_PAPERS], len(chosen), bool(relevant)


@dataclass(frozen=True)
class TableAsked:
    """What the table answer says around its rows."""

    question: str
    standalone: str
    listing: str
    topic: str = ""  # what the papers match ("" when the filters or the previous answer are the whole question)
    scope: str = ""  # the filters in words
    matched: int = 0  # papers that matched (or the previous answer's papers) before the cap
    relevant: bool = True  # the relevant papers (False: only possibly relevant ones)
    previous: str | None = None  # a follow-up: the previous question
    pointed: bool = False  # the papers a follow-up points at ("compare the first three", "compare [1] and [4]")


def table_events(
    state: ChainView, info: CollectionInfo, screened: Sequence[Screened], notice: str | None, llm: ChatLLM | None,
    prompts: Prompts, context_tokens: int,
) -> Iterator[AnswerEvent]:
    """The table answer, line by line, then the Answer (its `comparison` the table itself). `screened`: the verdicts
    on the papers a set answer would state ("compare the papers on X", "compare those"), leaving out what the
    question excludes; none for the papers a follow-up points at ("compare the first three": `state.hits`)."""
    assert state.info is not None and state.table is not None
    plan, previous = state.info, state.follow_up_of
    kept, left_out = leave_out(screened, plan.excluded, info.stats, info.keys)  # "... but not molecules"
    hits, matched, relevant = topic_papers(kept) if screened else (state.hits[:MAX_PAPERS], len(state.hits), True)
    hits = hits[: plan.wanted or MAX_PAPERS]  # "compare the top 5 papers on X": the best-matched 5
    narrowed = state.screen_topic.topic if previous is not None and state.screen_topic is not None else ""
    topic = narrowed if previous is not None else state.reading.term if state.reading else plan.topic
    before = len(previous_papers(previous)) if previous is not None else 0
    filters = describe_filters(plan.filters, plan.coauthor) if previous is None or matched < before else ""
    pointed = previous is not None and not screened
    listed = (listed_answer(state.history) or previous) if pointed else previous  # what "the second one" counts in
    asked = TableAsked(state.question, state.standalone, info.listing, topic if plan.terms else narrowed,
                       ", ".join(filter(None, [filters, left_out])), matched, relevant,
                       listed.question if listed is not None else None, pointed)
    if not (asked.topic or asked.scope or previous):  # "compare the papers": which ones?
        hits = []
    columns = state.table.columns
    table = compare_papers([h.paper for h in hits], columns, llm, prompts, context_tokens, info.stats) if hits else None
    text = table_text(asked, table, len(hits))
    for line in text.splitlines(keepends=True):
        yield TextDelta(line)
    numbered = {row.n: row.paper for row in table.rows} if table else {}
    notices = " ".join(n for n in (notice, table.notice if table else None) if n) or None
    yield FinalAnswer(Answer(
        text=text, citations=make_citations(text, numbered), sources=hits if table else [],
        mode="llm" if table is not None and table.mode == "llm" else "offline", notice=notices,
        model=table.model if table is not None else None, question=asked.question, standalone_question=asked.standalone,
        intent="compare", topic=asked.topic, comparison=table,
    ))


def table_text(asked: TableAsked, table: Comparison | None, shown: int) -> str:
    """The heading (what is compared, how many left out), how the cells were made, then the Markdown table."""
    scope = f" ({asked.scope})" if asked.scope else ""
    if not asked.topic and not asked.scope and asked.previous is None:
        return ("Which papers should I compare? Name a topic (“compare the papers on graph transformers”), or "
                "ask for a list first and then “compare those”.")
    if table is None:
        what = f"‘{asked.topic}’" if asked.topic else "the question"
        where = f"the previous answer (“{asked.previous}”)" if asked.previous is not None else asked.listing
        return (f"No paper of {where}{scope} matches {what}: there is nothing to compare. Ask about another "
                "topic, or ask for a list first and then “compare those”.")
    if asked.pointed:
        head = f"The {plural(asked.matched, 'paper')} you picked from the previous answer (“{asked.previous}”)"
    elif asked.previous is not None and asked.topic:  # "compare those about molecules"
        head = (f"{plural(asked.matched, 'paper')} of the previous answer (“{asked.previous}”){scope} "
                f"{'matches' if asked.matched == 1 else 'match'} ‘{asked.topic}’")
    elif asked.previous is not None and asked.scope:  # "compare the orals among them"
        passes = "passes" if asked.matched == 1 else "pass"
        head = (f"Of the previous answer's papers (“{asked.previous}”), {plural(asked.matched, 'paper')} {passes} "
                f"the filters{scope}")
    elif asked.previous is not None:
        head = f"The previous answer (“{asked.previous}”) has {plural(asked.matched, 'paper')}"
    elif not asked.topic:  # "compare the orals", "compare the papers by X": the filters' papers
        head = f"{asked.listing}{scope} has {plural(asked.matched, 'paper')}"
    elif asked.relevant:
        verb = "matches" if asked.matched == 1 else "match"
        head = f"{plural(asked.matched, 'paper')} of {asked.listing}{scope} {verb} ‘{asked.topic}’"
    else:
        head = (f"No paper of {asked.listing}{scope} clearly matches ‘{asked.topic}’; "
                f"{plural(asked.matched, 'paper')} may match")
    left = asked.matched - shown
    first = "best-ranked" if asked.topic else "first"
    head += f"; the table compares the {first} {shown}, {left} left out." if left > 0 else "."
    how = (f"Cells by {table.model}; each cell's quote was checked against the paper's abstract." if table.mode == "llm"
           else "Each cell is the sentence of the paper's abstract that states it (offline, no language model).")
    header = ["Paper", *table.columns]
    lines = [head, "", how, "", "| " + " | ".join(_flat(c) for c in header) + " |", "|" + "---|" * len(header)]
    for row in table.rows:
        title = _flat(defuse_citations(row.paper.title))
        cells = [f"{title} [{row.n}]", *(chat_cell(row.cells[c]) for c in table.columns)]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def chat_cell(cell: Cell) -> str:
    """One cell as the chat's table shows it: a quote in quotation marks (cut at CELL_CHARS), the LLM's text before
    its quote, or why it is empty. Listing text keeps no citation marker of its own, no '|' and no line break."""
    if not cell.filled:
        return _flat(cell.text + (f" ({cell.note})" if cell.note else ""))
    quote = _flat(defuse_citations(cell.quote))
    if len(quote) > CELL_CHARS:
        quote = quote[: CELL_CHARS - 1].rsplit(" ", 1)[0] + " \u2026"
    said = "" if cell.text == cell.quote else _flat(defuse_citations(cell.text)) + ": "
    return f"{said}\u201c{quote}\u201d"


def _flat(text: str) -> str:
    """Text for one cell of a Markdown table: one line, and a '|' of its own shown as '∣' (it would end the cell)."""
    return " ".join(text.split()).replace("|", "\u2223")


# --- "X vs Y": an explanation citing both sides ----------------------------------------------------------------------
_SIDE_SPLIT = re.compile(r"\s*,\s*|\s+(?:vs\.?|versus|with|and|or|better\s+than|compared\s+(?:to|with)|against)\s+",
                         re.IGNORECASE)
_SIDE_LEAD = re.compile(r"^\s*(?:the\s+)?differences?\s+between\s+", re.IGNORECASE)


def sides(topic: str) -> list[str]:
    """The two (or three) things a comparison question weighs, from its topic: "Adam, SGD"; "transformers, CNNs for
    vision" -> "transformers for vision", "CNNs for vision" (a one-word side takes the other's qualifier, as in
    "contrastive and generative self-supervised learning"). [] when the topic names one thing ("pros and cons of
    model-based RL")."""
    if re.match(r"^\s*pros\s+and\s+cons\b", topic, re.IGNORECASE):
        return []
    found = [s.strip() for s in _SIDE_SPLIT.split(_SIDE_LEAD.sub("", topic)) if s.strip()]
    if not 2 <= len(found) <= 3:
        return []
    last = found[-1].split()
    return [f"{s} {' '.join(last[1:])}" if len(s.split()) == 1 and len(last) > 1 else s for s in found]


def explain_hits(stage: PostRetrieval, ranker: Ranker, query: str, plan: QueryPlan) -> list[Hit]:
    """The papers an explanation is given (stages.PostRetrieval.explain_hits); for "X vs Y", each side's best ones
    too, taken in turn with the question's own (before, "compare federated learning with meta-learning" cited no
    meta-learning paper)."""
    hits = stage.explain_hits(ranker, query, plan.filters, bool(plan.terms))
    each = [stage.explain_hits(ranker, side, plan.filters, True) for side in sides(plan.topic)]
    return side_by_side([hits, *each], stage.top_n) if plan.intent == "compare" and each else hits


def side_by_side(rankings: Sequence[Sequence[Hit]], n: int) -> list[Hit]:
    """The papers of several rankings taken in turn (the question's own first, then each side's), each once, at
    most n: every side's best papers are among those an explanation cites."""
    out: dict[str, Hit] = {}
    for depth in range(max((len(r) for r in rankings), default=0)):
        for ranking in rankings:
            if depth < len(ranking) and len(out) < n:
                out.setdefault(ranking[depth].paper.id, ranking[depth])
    return list(out.values())
