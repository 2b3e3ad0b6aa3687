"""BM25 over whole papers (bm25s): title, abstract and keywords stemmed; author names in a second, unstemmed
index, since stemming mangles names ("Levine" -> "levin")."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from types import ModuleType
from typing import cast

import numpy as np

from .types import Paper

_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9\\$(])")
_WORD = re.compile(r"(?u)\b\w\w+\b")
AUTHOR_WEIGHT = 0.5  # an author-name match adds this share of the best text score: enough to lift, not to swamp


def split_sentences(text: str) -> list[str]:
    """Sentences of an abstract; also splits "objects.Since" (a lost space at a former line break)."""
    text = re.sub(r"(?<=[a-z])\.(?=[A-Z][a-z])", ". ", text)
    return [s.strip() for s in _SENTENCE_END.split(text) if s.strip()]


def _bm25s() -> ModuleType:
    import bm25s

    # bm25s sets its own logger to DEBUG on import and reports every index build: keep it to warnings.
    logging.getLogger("bm25s").setLevel(logging.WARNING)
    return cast(ModuleType, bm25s)


def _make_stemmer(stem: bool) -> Callable[[list[str]], list[str]] | None:
    if not stem:
        return None
    import Stemmer

    return Stemmer.Stemmer("english").stemWords  # type: ignore[no-any-return]


@dataclass
class _Field:
    """One bm25s index over one text per paper."""

    model: object
    vocab: dict[str, int]
    stemmer: Callable[[list[str]], list[str]] | None
    stopwords: str | None
    idf: np.ndarray  # per vocabulary id, bm25s's (Lucene) formula: what a term's score tends to as it repeats

    @classmethod
    def build(
        cls, texts: list[str], stemmer: Callable[[list[str]], list[str]] | None, stopwords: str | None,
        k1: float, b: float,
    ) -> _Field | None:
        """None when the texts hold no indexable word at all (every word a single character, or a stopword):
        bm25s cannot index an empty vocabulary (`max() arg is an empty sequence`), and there is nothing to find."""
        bm25s = _bm25s()
        tokens = bm25s.tokenize(texts, stopwords=stopwords, stemmer=stemmer, show_progress=False)
        if not any(tokens.ids):
            return None
        model = bm25s.BM25(k1=k1, b=b)
        model.index(tokens, show_progress=False)
        return cls(model, dict(tokens.vocab), stemmer, stopwords, lucene_idf(tokens.ids, len(tokens.vocab)))

    def known_tokens(self, query: str) -> list[str]:
        tokens = _bm25s().tokenize(
            [query], stopwords=self.stopwords, stemmer=self.stemmer, return_ids=False, show_progress=False
        )[0]
        return [t for t in tokens if t in self.vocab]

    def scores(self, query: str) -> np.ndarray | None:
        known = self.known_tokens(query)
        if not known:
            return None
        return np.asarray(self.model.get_scores(known), dtype=np.float32)  # type: ignore[attr-defined]

    def idf_sum(self, query: str) -> float:
        """The sum of the query terms' idf (repeats counted, as in the score): the score a paper tends to as it
        repeats every query term (one occurrence of each scores about idf / (1 + k1)), the yardstick of a strong
        lexical match."""
        return float(sum(self.idf[self.vocab[t]] for t in self.known_tokens(query)))


def lucene_idf(docs: Sequence[Sequence[int]], n_vocab: int) -> np.ndarray:
    """idf of each token id over tokenised documents: ln(1 + (N - df + 0.5) / (df + 0.5)), as bm25s scores."""
    df = np.zeros(n_vocab, dtype=np.float64)
    for doc in docs:
        df[np.unique(np.asarray(doc, dtype=np.int64))] += 1
    return np.log1p((len(docs) - df + 0.5) / (df + 0.5))


class KeywordIndex:
    """Keyword search over the papers of one listing."""

    def __init__(self, ids: list[str], papers: dict[str, Paper], text: _Field | None, authors: _Field | None,
                 stemmer: Callable[[list[str]], list[str]] | None) -> None:
        self._ids = ids
        self._row = {pid: i for i, pid in enumerate(ids)}
        self._papers = papers
        self._text = text
        self._authors = authors
        self._stemmer = stemmer

    @classmethod
    def build(
        cls, papers: Sequence[Paper], stem: bool = True, k1: float = 1.2, b: float = 0.75, title_weight: int = 1
    ) -> KeywordIndex:
        ids = [p.id for p in papers]
        stemmer = _make_stemmer(stem)
        text = author = None
        if papers:
            text = _Field.build([paper_text(p, title_weight) for p in papers], stemmer, "en", k1, b)
            names = [" ".join(p.authors) for p in papers]
            if any(names):
                author = _Field.build(names, None, None, k1, b)
        return cls(ids, {p.id: p for p in papers}, text, author, stemmer)

    def search(
        self, query: str, n: int, allowed: Sequence[str] | None = None, include: Sequence[str] = ()
    ) -> dict[str, float]:
        """Up to n paper ids with a positive score, restricted to `allowed` when given; plus the papers of `include`
        that score above 0 outside the top n (score fusion wants both sides' scores for every candidate)."""
        if self._text is None:
            return {}
        scores = self._text.scores(query)
        if scores is None:
            scores = np.zeros(len(self._ids), dtype=np.float32)
        if self._authors is not None:
            author_scores = self._authors.scores(query)
            if author_scores is not None:
                scale = float(scores.max()) if scores.max() > 0 else 1.0
                scores = scores + AUTHOR_WEIGHT * scale * author_scores / max(float(author_scores.max()), 1e-9)
        if allowed is not None:
            mask = np.zeros(len(self._ids), dtype=bool)
            mask[[self._row[p] for p in allowed if p in self._row]] = True
            scores = np.where(mask, scores, 0.0)
        top = np.argsort(-scores, kind="stable")[:n]
        found = {self._ids[i]: float(scores[i]) for i in top if scores[i] > 0}
        for pid in include:
            row = self._row.get(pid)
            if row is not None and pid not in found and scores[row] > 0:
                found[pid] = float(scores[row])
        return found

    def query_weight(self, query: str) -> float:
        """The sum of the query terms' idf in the text index (0 when no term is known): see `fuse_scaled`."""
        return self._text.idf_sum(query) if self._text is not None else 0.0

    def best_passage(self, paper_id: str, query: str) -> str:
        """The abstract sentence sharing most (stemmed) words with the query; the title when there is none."""
        paper = self._papers.get(paper_id)
        if paper is None:
            return ""
        sentences = split_sentences(paper.abstract or "")
        if not sentences:
            return paper.title
        wanted = set(self._terms(query))
        return max(sentences, key=lambda s: len(wanted & set(self._terms(s))))

    def _terms(self, text: str) -> list[str]:
        words = [w.lower() for w in _WORD.findall(text)]
        return self._stemmer(words) if self._stemmer else words


def has_indexable_words(text: str) -> bool:
    """Whether the text holds a word BM25 can index (two or more letters or digits; bm25s's own rule)."""
    return _WORD.search(text) is not None


def paper_text(paper: Paper, title_weight: int = 1) -> str:
    """The text BM25 indexes; the title repeated `title_weight` times (on SciFact train, twice measured best)."""
    return "\n".join([*[paper.title] * title_weight, paper.abstract or "", " ".join(paper.keywords)])
