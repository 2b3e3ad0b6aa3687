"""Comparison tables: one row per paper, one column per aspect (task, method, data, result, limitation, or any
column the user names), every filled cell citing its paper and quoting the abstract sentence it comes from.

- Offline: each cell is an abstract sentence, picked by the column's cue patterns ("we propose", "outperforms",
  "on ImageNet") and its words' overlap with the sentence; below a threshold the cell says "not stated in the
  abstract". The cell's text is the sentence itself, so an offline cell can only ever quote.
- With an LLM: the model fills the cells of a few papers per request as JSON, each cell with a quote. Every quote
  is checked against the paper's abstract (and title); a cell whose quote is not there is emptied and marked. A
  reply that is not the JSON asked for makes its papers' rows offline; an endpoint failure makes the whole table
  offline. Either way a notice says so.
"""

from __future__ import annotations

import json
import logging
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from ..chunking import count_tokens
from ..errors import AssistantError, InputTooLarge, LLMError
from ..keyword_index import split_sentences
from ..links import paper_url
from ..llm import ChatLLM, complete
from ..prompts import NumberedPapers, Prompts, batch_papers, fence, fence_listing
from ..types import Paper
from ..words.terms import CorpusStats, terms

log = logging.getLogger(__name__)

NOT_STATED = "not stated in the abstract"
NO_ABSTRACT = "no abstract in the listing"
UNVERIFIED = "the model's quote is not in the abstract: cell emptied"
MAX_PAPERS = 30
MAX_COLUMNS = 8
MAX_COLUMN_CHARS = 60
LLM_BATCH = 3  # papers per request: a row of five cells with quotes is ~250 tokens, within llm_max_tokens
MIN_QUOTE_CHARS = 12
CUE_WEIGHT = 2.0
THRESHOLD = 2.0  # an offline cell needs at least a cue match (or strong word overlap) to be filled
REUSE_PENALTY = 1.0  # a sentence already used in the row counts less for the next columns

_PRIOR_WORK = re.compile(
    r"\b(?:existing|previous|prior|current|conventional|traditional|standard|most|many|these)\s+"
    r"(?:\w+\s+)?(?:methods?|approaches|works?|models?|techniques|algorithms?|systems?|attacks|defenses|"
    r"baselines)\b",
    re.IGNORECASE,
)
_STRONG_RESULT = re.compile(
    r"\b(?:outperform\w*|state[- ]of[- ]the[- ]art|surpass\w*|(?:results|experiments) (?:show|demonstrate)|"
    r"improves?|improvements?|speed-?ups?)\b|\d+(?:\.\d+)?\s?(?:%|x\b|\u00d7)",
    re.IGNORECASE,
)
_OWN = re.compile(r"\b(?:we|our|this (?:paper|work)|the proposed)\b", re.IGNORECASE)


@dataclass(frozen=True)
class ColumnKind:
    """How the offline table fills one kind of column."""

    key: str
    title: str
    aliases: frozenset[str]
    cue: re.Pattern[str]
    words: str  # words describing the column, stemmed into terms for overlap
    position: Literal["early", "late", ""] = ""


def _cue(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern, re.IGNORECASE)


KINDS: tuple[ColumnKind, ...] = (
    ColumnKind(
        "task", "Task / problem",
        frozenset({"task", "problem", "task / problem", "task/problem", "goal", "research question", "question"}),
        _cue(r"\b(?:problem|task|challenge|we (?:study|consider|address|tackle|investigate|focus on|examine)|"
             r"aims? to|goal|question of|is (?:a|an) (?:fundamental|important|key|central|open|critical)|"
             r"remains? (?:a|an )?(?:open|challenging|difficult|unclear))\b"),
        "problem task challenge goal", "early",
    ),
    ColumnKind(
        "method", "Method",
        frozenset({"method", "methods", "approach", "technique", "model", "proposed method", "contribution"}),
        _cue(r"\b(?:we (?:propose|introduce|present|develop|design|formulate|devise|derive|describe|leverage)|"
             r"our (?:method|approach|framework|model|algorithm|technique|architecture)|this (?:paper|work) "
             r"(?:proposes|introduces|presents|develops)|(?:called|dubbed|named|termed)\b)"),
        "method approach framework algorithm architecture",
    ),
    ColumnKind(
        "data", "Data / benchmark",
        frozenset({"data", "dataset", "datasets", "benchmark", "benchmarks", "data / benchmark", "data/benchmark",
                   "data or benchmark", "evaluation", "experiments"}),
        _cue(r"\b(?:datasets|data sets|benchmark (?:datasets?|tasks|suites?)|(?:on|across|over) (?:\w+[ -]){0,3}"
             r"(?:datasets?|benchmarks?)|benchmarks|corpus|corpora|experiments? (?:on|with)|evaluat\w* (?:on|over)|"
             r"tested on|ImageNet|CIFAR|MNIST|COCO|GLUE|SuperGLUE|SQuAD|Atari|MuJoCo|D4RL|WMT|OGB|Cityscapes|"
             r"KITTI|ShapeNet|LibriSpeech|WikiText|Procgen|DMControl|DeepMind Control|Open Graph Benchmark|"
             r"real-world (?:data|graphs|tasks)|synthetic (?:data|tasks|experiments)|simulated|"
             r"(?:image|text|graph|molecular|language|video) (?:classification|generation) tasks)\b"),
        "dataset benchmark experiment evaluation",
    ),
    ColumnKind(
        "result", "Main result",
        frozenset({"result", "results", "main result", "main results", "finding", "findings", "main finding",
                   "performance", "outcome"}),
        _cue(r"(?:\b(?:outperform\w*|state[- ]of[- ]the[- ]art|SOTA|surpass\w*|improv(?:es|ed|ements?)|"
             r"achiev\w*|competitive|better than|gains?|speed-?ups?|faster|reduc(?:es|ed|ing|tion)|"
             r"(?:results|experiments) (?:show|demonstrate|indicate|suggest)|we (?:show|demonstrate|find|prove) "
             r"that|significantly|empirically|theoretically)\b|\d+(?:\.\d+)?\s?(?:%|x\b|\u00d7))"),
        "result outperform improve achieve", "late",
    ),
    ColumnKind(
        "limitation", "Limitation",
        frozenset({"limitation", "limitations", "weakness", "weaknesses", "drawback", "drawbacks", "caveat"}),
        # Own limitations only: abstracts name the limits of earlier work far more often than their own, and
        # "our method does not require ..." states an advantage.
        _cue(r"\b(?:(?:a|one|the|main|key) (?:main |key )?limitations? of (?:our|this|the proposed)|"
             r"(?:our|the proposed|this) (?:method|approach|model|framework|analysis|work|algorithm|bound)s? "
             r"(?:(?:is|are) (?:limited|restricted)|(?:cannot|can not|fails? to|does not|do not) (?:yet )?"
             r"(?:scale|generali[sz]e|handle|apply|capture|guarantee|outperform|result in|achieve|converge|recover)|"
             r"(?:requires?|relies on|depends on) (?:a |an |the )?(?:large|strong|restrictive|costly|expensive|"
             r"additional|careful|access|knowledge|prior knowledge)|only (?:applies|works|holds))|"
             r"we (?:leave|defer)\b[^.;]{0,60}\b(?:to|for) future work|at the (?:cost|expense) of)"),
        "limitation drawback cost",
    ),
)
DEFAULT_COLUMNS = tuple(k.title for k in KINDS)
KIND = {k.key: k for k in KINDS}
# Short words whose meaning abstracts usually spell out: a custom column naming one also accepts a sentence with
# any of these phrases.
EXPANSIONS: dict[str, tuple[str, ...]] = {
    "rl": ("reinforcement learning", "policy gradient", "reward", "agent"),
    "code": ("github", "open-source", "source code", "publicly available", "implementation is available",
             "code is available", "released"),
    "gnn": ("graph neural network", "message passing"),
    "gnns": ("graph neural network", "message passing"),
    "llm": ("large language model", "language model"),
    "llms": ("large language model", "language model"),
    "nlp": ("natural language",),
    "theory": ("theorem", "we prove", "bound", "guarantee", "theoretical"),
    "theoretical": ("theorem", "we prove", "bound", "guarantee"),
}
FILLER = frozenset(terms("use uses used using does do is are has have paper method approach work available "
                         "propose proposed study main any"))


@dataclass(frozen=True)
class Column:
    """A column as asked for: its shown name, and the kind of column it is (None for a custom column)."""

    name: str
    kind: ColumnKind | None
    words: tuple[str, ...]  # stemmed terms a supporting sentence may share
    alternatives: tuple[frozenset[str], ...] = ()  # custom columns: phrases that also answer it (all stems present)

    @classmethod
    def parse(cls, name: str) -> Column:
        shown = " ".join(name.split())
        wanted = shown.lower().rstrip("?").strip()
        kind = next((k for k in KINDS if wanted in k.aliases or wanted == k.title.lower()), None)
        if kind is not None:
            return cls(kind.title if shown.lower() == kind.key else shown, kind, tuple(terms(kind.words)))
        phrases = [p for w in re.findall(r"\w+", shown) for p in EXPANSIONS.get(w.lower(), ())]
        alternatives = tuple(frozenset(terms(p)) for p in phrases if terms(p))
        own = tuple(dict.fromkeys(t for t in terms(shown) if t not in FILLER))
        return cls(shown, None, own, alternatives)


def parse_columns(columns: Sequence[str] | None) -> list[Column]:
    """The columns asked for (the default five when none), checked: at most MAX_COLUMNS, each a short name."""
    names = [" ".join(str(c).split()) for c in (columns or ()) if str(c).strip()] or list(DEFAULT_COLUMNS)
    names = list(dict.fromkeys(names))
    if len(names) > MAX_COLUMNS:
        raise InputTooLarge(f"at most {MAX_COLUMNS} columns can be compared at once; got {len(names)}.")
    long = [n for n in names if len(n) > MAX_COLUMN_CHARS]
    if long:
        raise InputTooLarge(f"column names are limited to {MAX_COLUMN_CHARS} characters: shorten {long[0][:80]!r}.")
    parsed = [Column.parse(n) for n in names]
    empty = [c.name for c in parsed if c.kind is None and not (c.words or c.alternatives)]
    if empty:
        raise AssistantError(f"column {empty[0]!r} names nothing to look for in an abstract: name a property, "
                             "e.g. 'uses RL?' or 'code available?'.")
    return parsed


@dataclass(frozen=True)
class Cell:
    text: str
    quote: str = ""
    note: str = ""  # why an LLM cell was emptied

    @property
    def filled(self) -> bool:
        return bool(self.quote)

    def to_dict(self) -> dict[str, str]:
        out = {"text": self.text, "quote": self.quote}
        if self.note:
            out["note"] = self.note
        return out


@dataclass
class Row:
    n: int
    paper: Paper
    cells: dict[str, Cell]

    def to_dict(self) -> dict[str, Any]:
        return {"n": self.n, "id": self.paper.id, "title": self.paper.title, "url": paper_url(self.paper),
                "cells": {name: cell.to_dict() for name, cell in self.cells.items()}}


@dataclass
class Comparison:
    columns: list[str]
    rows: list[Row]
    mode: Literal["offline", "llm"] = "offline"
    model: str | None = None
    notice: str | None = None
    missing: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {"columns": list(self.columns), "rows": [r.to_dict() for r in self.rows], "mode": self.mode,
                "model": self.model, "notice": self.notice, "missing": list(self.missing)}


# --- offline -----------------------------------------------------------------------------------------------------


def sentence_score(
    column: Column, sentence: str, position: int, count: int, stats: CorpusStats | None, title: str = ""
) -> float:
    """How well one abstract sentence answers a column (cue, word overlap, where it sits in the abstract; for the
    task, the title's words: an opening sentence about what the title names states the problem)."""
    found = set(terms(sentence))
    overlap = [t for t in column.words if t in found]
    kind = column.kind
    if kind is None:
        return custom_score(column, found, overlap, stats)
    cues = {m.group(0).lower() for m in kind.cue.finditer(sentence)}
    score = CUE_WEIGHT * math.sqrt(min(len(cues), 3))
    score += 0.5 * min(len(overlap), 2)
    if kind.position == "early":
        score += 1.0 if position == 0 else 0.5 if position == 1 else 0.0
        if position < 2:
            score += 0.5 * min(len(found & set(terms(title))), 2)
    elif kind.position == "late" and count > 1:
        score += 0.75 * position / (count - 1)
    if kind.key in ("method", "limitation") and _PRIOR_WORK.search(sentence) and not _OWN.search(sentence):
        score -= CUE_WEIGHT  # describes earlier work, not this paper
    if kind.key == "limitation" and (_PRIOR_WORK.search(sentence) or not _OWN.search(sentence)):
        score -= CUE_WEIGHT
    if kind.key == "task" and (KIND["method"].cue.search(sentence) or KIND["result"].cue.search(sentence)):
        score -= 1.5  # a sentence stating what the paper does or found is not its problem statement
    if kind.key == "result" and KIND["method"].cue.search(sentence) and not _STRONG_RESULT.search(sentence):
        score -= 1.0  # "we propose X that achieves ..." states the method; the result is elsewhere
    return score


def custom_score(column: Column, found: set[str], overlap: list[str], stats: CorpusStats | None) -> float:
    """A custom column is answered by a sentence holding half the (idf) weight of the column's own words, or one
    of its alternative phrases; more of both ranks higher."""
    def weight(term: str) -> float:
        return stats.idf(term) if stats is not None else 1.0

    total = sum(weight(t) for t in column.words)
    share = sum(weight(t) for t in overlap) / total if total > 0 else 0.0
    matched = sum(1 for alternative in column.alternatives if alternative <= found)
    if share < 0.5 and not matched:
        return 0.0
    return THRESHOLD * (1.0 + share + 0.5 * matched)


def offline_cells(paper: Paper, columns: Sequence[Column], stats: CorpusStats | None = None) -> dict[str, Cell]:
    """The best sentence for each column, or "not stated in the abstract"."""
    sentences = split_sentences(paper.abstract or "")
    if not sentences:
        return {c.name: Cell(NO_ABSTRACT) for c in columns}
    used: set[int] = set()
    cells: dict[str, Cell] = {}
    for column in columns:
        scored = [(sentence_score(column, s, i, len(sentences), stats, paper.title), i, s)
                  for i, s in enumerate(sentences)]
        passing = [(score - (REUSE_PENALTY if i in used else 0.0), -i, s) for score, i, s in scored
                   if score >= THRESHOLD]
        if not passing:
            cells[column.name] = Cell(NOT_STATED)
            continue
        _, neg_i, sentence = max(passing)
        used.add(-neg_i)
        text = " ".join(sentence.split())
        cells[column.name] = Cell(text, text)
    return cells


def offline_table(papers: Sequence[Paper], columns: Sequence[Column], stats: CorpusStats | None = None) -> Comparison:
    rows = [Row(n, p, offline_cells(p, columns, stats)) for n, p in enumerate(papers, start=1)]
    return Comparison([c.name for c in columns], rows)


# --- with an LLM -----------------------------------------------------------------------------------------------------


def normalise(text: str) -> str:
    """For quote checks: quotes, ellipses, case and spacing do not count."""
    text = re.sub(r"[\u201c\u201d\"\u2018\u2019'`]", "", text)
    text = re.sub(r"(?:\u2026|\.\.\.)", " ", text)
    return " ".join(text.lower().split()).strip(" .;,")


def quote_in(quote: str, paper: Paper) -> bool:
    """Whether the quote is in the paper's title or abstract, as stored or as the model saw it (fenced: folded
    compatibility forms, reference markers made inert)."""
    wanted = normalise(quote)
    if len(wanted) < MIN_QUOTE_CHARS:
        return False
    source = f"{paper.title} {paper.abstract or ''}"
    return wanted in normalise(source) or wanted in normalise(fence_listing(source))


def parse_reply(reply: str) -> dict[int, dict[str, Any]]:
    """The rows of the model's JSON reply by paper number. Raises ValueError when the reply is not that JSON."""
    text = reply.strip()
    fenced = re.search(r"```(?:json)?\s*(.*?)```", text, re.DOTALL)
    if fenced:
        text = fenced.group(1)
    start, end = text.find("{"), text.rfind("}")
    if start < 0 or end <= start:
        raise ValueError("no JSON object in the reply")
    data = json.loads(text[start : end + 1])
    rows = data.get("rows") if isinstance(data, dict) else None
    if not isinstance(rows, list):
        raise ValueError("the JSON has no `rows` list")
    found: dict[int, dict[str, Any]] = {}
    for row in rows:
        if isinstance(row, dict) and isinstance(row.get("cells"), dict) and str(row.get("n", "")).isdigit():
            found.setdefault(int(row["n"]), row["cells"])
    return found


def checked_cell(raw: Any, paper: Paper) -> Cell:
    """One cell of the model's reply, kept only if its quote is in the paper's abstract."""
    if not isinstance(raw, dict):
        return Cell(NOT_STATED)
    text = " ".join(str(raw.get("text") or "").split())
    quote = " ".join(str(raw.get("quote") or "").split())
    if not quote or not text or NOT_STATED in text.lower():
        return Cell(NOT_STATED)
    if not quote_in(quote, paper):
        return Cell(NOT_STATED, "", UNVERIFIED)
    return Cell(text, quote.strip("\u201c\u201d\""))


def columns_block(columns: Sequence[Column]) -> str:
    return "\n".join(f"c{i}: {fence(c.name)}" for i, c in enumerate(columns, start=1))


class Comparer:
    """Fills a comparison table with an LLM, batch by batch, each quote checked."""

    def __init__(self, llm: ChatLLM, prompts: Prompts, context_tokens: int) -> None:
        self.llm = llm
        self.prompts = prompts
        self.context_tokens = context_tokens

    def table(self, papers: Sequence[Paper], columns: Sequence[Column], stats: CorpusStats | None) -> Comparison:
        rows: list[Row] = []
        bad_json: list[int] = []
        try:
            for start in range(0, len(papers), LLM_BATCH):
                group = papers[start : start + LLM_BATCH]
                for batch in batch_papers(group, self.context_tokens, count_tokens):
                    batch_rows, ok = self._batch(batch, columns, stats, start)
                    rows += batch_rows
                    if not ok:
                        bad_json += [r.n for r in batch_rows]
        except LLMError as exc:
            table = offline_table(papers, columns, stats)
            table.notice = f"{exc} Showing the offline table instead (cells quoted from the abstracts)."
            return table
        emptied = sum(1 for r in rows for c in r.cells.values() if c.note)
        return Comparison([c.name for c in columns], rows, "llm", self.llm.model_name,
                          llm_notice(bad_json, emptied))

    def _batch(
        self, batch: NumberedPapers, columns: Sequence[Column], stats: CorpusStats | None, offset: int
    ) -> tuple[list[Row], bool]:
        """One request: the rows of these papers (numbered 1.. in the prompt, offset + n in the table), and
        whether the reply was the JSON asked for."""
        numbered = batch.by_number
        messages = self.prompts.compare.messages(papers=batch.text, columns=columns_block(columns))
        reply = complete(self.llm, messages)
        try:
            found = parse_reply(reply)
        except ValueError as exc:
            log.warning("comparison reply was not the JSON asked for (%s): offline rows instead", exc)
            return [Row(offset + n, p, offline_cells(p, columns, stats)) for n, p in numbered.items()], False
        rows = []
        for n, paper in numbered.items():
            raw = found.get(n)
            if raw is None:  # the model skipped this paper: its row is offline
                rows.append(Row(offset + n, paper, offline_cells(paper, columns, stats)))
                continue
            cells = {c.name: checked_cell(raw.get(f"c{i}"), paper) for i, c in enumerate(columns, start=1)}
            rows.append(Row(offset + n, paper, cells))
        return rows, True


def llm_notice(bad_json: Sequence[int], emptied: int) -> str | None:
    parts = []
    if bad_json:
        shown = ", ".join(str(n) for n in bad_json)
        parts.append(f"The model's reply for rows {shown} was not the JSON asked for: those rows are offline "
                     "(sentences quoted from the abstracts).")
    if emptied:
        parts.append(f"{emptied} cell{'s' if emptied != 1 else ''} emptied: the model's quote was not in the "
                     "abstract.")
    return " ".join(parts) or None


def compare_papers(
    papers: Sequence[Paper], columns: Sequence[str] | None, llm: ChatLLM | None, prompts: Prompts | None,
    context_tokens: int, stats: CorpusStats | None = None,
) -> Comparison:
    """The table for these papers (in the order given): with the LLM when there is one, else offline."""
    parsed = parse_columns(columns)
    if not papers:
        raise AssistantError("no papers to compare: give paper ids (e.g. from a search or an answer's sources).")
    if len(papers) > MAX_PAPERS:
        raise InputTooLarge(f"at most {MAX_PAPERS} papers can be compared at once; got {len(papers)}.")
    if llm is None or prompts is None:
        return offline_table(papers, parsed, stats)
    return Comparer(llm, prompts, context_tokens).table(papers, parsed, stats)
