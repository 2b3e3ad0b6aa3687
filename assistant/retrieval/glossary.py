"""The field's terms for questions in everyday words: a shipped glossary of machine-learning concepts.

A question in lay words ("a small network learning from a big one") shares few words with the papers on its topic
("knowledge distillation", "teacher", "student"), and MiniLM alone does not bridge the gap. `glossary.jsonl` (shipped
as package data) holds one concept per line: the field's term, the aliases papers use, and 2-8 descriptions in
everyday words (the shipped file gives each concept 5-8, put as different askers would: what it is used for, what
sets it apart from its neighbours). A topic is read as a concept when it is close in meaning (MiniLM cosine, always
the packaged model, whatever embeds the store: this is question understanding, not retrieval) to one of the
concept's descriptions or its term, by at least READ_THRESHOLD, and closer by READ_MARGIN than to any other
concept; a topic that already names the concept (its term or an alias) is left as it is. The descriptions'
vectors ship precomputed (`glossary.npz`, with the sha256 of the glossary file they were made from): a glossary
edited since is re-embedded at load, with a warning (`python -m assistant.retrieval.glossary` writes the file anew).

The reading is applied in one place, the retriever (`Retriever.reading`: searches and set candidates alike are
retrieved for the question with the term); the answer chain screens a set question's candidates against the term
and says in the heading how it read the question, so that the user can correct it.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
import sys
import threading
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from ..embeddings import MINILM_MODEL_ID, Embedder, make_embedder
from ..errors import GlossaryError
from ..sets.evidence import Topic, head_keys, is_jargon, resolve
from ..settings import Settings
from ..types import Hit
from ..words.keys import holds, text_keys
from ..words.terms import CorpusStats, stem, terms

log = logging.getLogger(__name__)

GLOSSARY_FILE = Path(__file__).with_name("glossary.jsonl")
READ_THRESHOLD = 0.5  # cosine of the topic to a concept's closest description (calibrated: see docs/benchmarks.md)
READ_MARGIN = 0.02  # ... and by this much closer than to any other concept's (else the reading is ambiguous)
MIN_TOPIC_WORDS = 2  # a one-word topic is a term already, or too vague to read as one
WEAK_READING = 0.6  # a reading under this cosine must speak of the topic's head terms (`speaks_of`) ...
NARROW_LEAD = 0.05  # ... as must one with a lead under this
SURE_READING = 0.95  # a topic whose cosine to one concept's description plus its lead over any other's is this,
SURE_LEAD = 0.15  # the lead at least this, is read as it, however many papers use its words ("label every single
# pixel of an image": 0.78 + 0.17; "systems that suggest products or movies to people": 0.74 + 0.27)
SURE_ALIASES = 2  # a sure reading is retrieved by its term and this many aliases (`Reading.query`)
MAX_TERM_WORDS = 6  # a topic of more distinct terms describes a concept: the field's names for it are shorter
LAY_RANGE = (2, 8)  # descriptions per concept (the shipped glossary gives 5-8: tests/test_glossary.py)
_WORD = re.compile(r"[a-z0-9]+")


@dataclass(frozen=True)
class Concept:
    """One entry of the glossary: the field's term, the aliases papers use, descriptions in everyday words."""

    term: str
    aliases: tuple[str, ...]
    lay: tuple[str, ...]

    @property
    def names(self) -> tuple[str, ...]:
        return (self.term, *self.aliases)


@dataclass(frozen=True)
class Reading:
    """How a topic was read: as `concept`, at cosine `score` to its closest description, `lead` closer than to
    any other concept's."""

    said: str  # the topic as the user wrote it
    concept: Concept
    score: float
    lead: float = 0.0
    # the topic holds one of the concept's one-word names ("patients"): it may be the field's word for it
    # ("disentanglement or identifiable representations") or an everyday one, which the candidates tell
    by_name: bool = False

    @property
    def sure(self) -> bool:
        """Close to one concept and far from every other, naming it by none of its names: a description, however
        many papers use its words."""
        return self.score + self.lead >= SURE_READING and self.lead >= SURE_LEAD and not self.by_name

    @property
    def term(self) -> str:
        return self.concept.term

    def query(self, text: str) -> str:
        """What is retrieved for `text` (a question or its topic): its own words and the field's term; for a sure
        reading, the term and its first SURE_ALIASES aliases instead, since the everyday words then only add noise
        to the keyword side ("one faking images and one trying to catch the fakes" matched papers on adversarial
        images; held-out lay nDCG@10 0.47 -> 0.66, dev unchanged, docs/benchmarks.md, session 11)."""
        if self.sure:
            return " ".join([self.term, *self.concept.aliases[:SURE_ALIASES]])
        return f"{text} {self.term}"


def load_concepts(path: Path) -> list[Concept]:
    """The glossary's concepts, each line checked: a GlossaryError names the file, the line and the fix."""
    concepts: list[Concept] = []
    seen: dict[str, int] = {}
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise GlossaryError(str(path), f"cannot be read ({exc}). Fix: restore the file from the package.") from None
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        concept = _concept(path, number, line)
        key = concept.term.lower()
        if key in seen:
            raise GlossaryError(str(path), f"the term {concept.term!r} is already on line {seen[key]}. Fix: merge the "
                                "two entries.", number)
        seen[key] = number
        concepts.append(concept)
    if not concepts:
        raise GlossaryError(str(path), "holds no concept. Fix: restore the file from the package.")
    return concepts


def _concept(path: Path, number: int, line: str) -> Concept:
    fix = 'Fix: write one JSON object a line: {"term": "...", "aliases": ["..."], "lay": ["...", "..."]}.'
    try:
        entry = json.loads(line)
    except json.JSONDecodeError as exc:
        raise GlossaryError(str(path), f"not valid JSON ({exc.msg}). {fix}", number) from None
    if not isinstance(entry, dict) or set(entry) != {"term", "aliases", "lay"}:
        raise GlossaryError(str(path), f"needs exactly the keys term, aliases and lay. {fix}", number)
    term, aliases, lay = entry["term"], entry["aliases"], entry["lay"]
    if not isinstance(term, str) or not term.strip():
        raise GlossaryError(str(path), f"the term must be a non-empty string. {fix}", number)
    for name, values in (("aliases", aliases), ("lay", lay)):
        if not isinstance(values, list) or not all(isinstance(v, str) and v.strip() for v in values):
            raise GlossaryError(str(path), f"{name} must be a list of non-empty strings. {fix}", number)
    if not LAY_RANGE[0] <= len(lay) <= LAY_RANGE[1]:
        raise GlossaryError(str(path), f"{term!r} has {len(lay)} lay descriptions; give {LAY_RANGE[0]} to "
                            f"{LAY_RANGE[1]}. {fix}", number)
    return Concept(term.strip(), tuple(a.strip() for a in aliases), tuple(s.strip() for s in lay))


def file_sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def vectors_path(glossary: Path) -> Path:
    return glossary.with_suffix(".npz")


def rows_of(concepts: Sequence[Concept]) -> tuple[list[str], np.ndarray]:
    """The texts a topic is compared with (each concept's term and descriptions) and the concept of each row."""
    texts = [text for c in concepts for text in (c.term, *c.lay)]
    owners = np.array([i for i, c in enumerate(concepts) for _ in (c.term, *c.lay)], dtype=np.int32)
    return texts, owners


class Glossary:
    """The concepts, their rows' unit vectors, and the reading of a topic."""

    def __init__(self, concepts: Sequence[Concept], vectors: np.ndarray, embedder: Embedder) -> None:
        self.concepts = list(concepts)
        self.texts, self.owners = rows_of(self.concepts)
        if vectors.shape != (len(self.texts), embedder.dim):
            raise ValueError(f"{vectors.shape[0]} vectors for {len(self.texts)} glossary rows")
        self.vectors = vectors
        self.embedder = embedder

    @classmethod
    def load(cls, embedder: Embedder, path: Path = GLOSSARY_FILE) -> Glossary:
        """The glossary at `path`, with its shipped vectors when they were made from this file by this model;
        else embedded anew (a warning says so)."""
        concepts = load_concepts(path)
        texts, _ = rows_of(concepts)
        vectors = _shipped_vectors(path, embedder, len(texts))
        if vectors is None:
            log.warning("%s: its vectors (%s) are missing or were made from another version of it or another "
                        "model; embedding its %d rows now. Fix: python -m assistant.retrieval.glossary", path,
                        vectors_path(path).name, len(texts))
            vectors = embedder.embed_documents(texts)
        return cls(concepts, np.asarray(vectors, dtype=np.float32), embedder)

    def save_vectors(self, path: Path = GLOSSARY_FILE) -> Path:
        out = vectors_path(path)
        np.savez_compressed(out, vectors=self.vectors.astype(np.float16), sha256=np.array(file_sha256(path)),
                            model=np.array(self.embedder.model_id))
        return out

    def coined(self, topic: str, stats: CorpusStats) -> Reading | None:
        """A topic that is one of a concept's names and nothing else ("RLHF", "RAG", "TTS"), which no paper of the
        listing uses (a name coined after it, or one its papers never write), read as that concept; else None."""
        said = " ".join(topic.split())
        found = _named_by(self.concepts, said)
        if found is None or any(stats.df.get(term, 0) for term in terms(said)):
            return None
        return Reading(said, found, 1.0)

    def closest(self, topic: str) -> list[tuple[float, Concept]]:
        """Every concept with the cosine of its closest row to `topic`, closest first."""
        vector = np.asarray(self.embedder.embed_query(topic), dtype=np.float32)
        similarity = self.vectors @ vector
        best = np.full(len(self.concepts), -1.0, dtype=np.float32)
        np.maximum.at(best, self.owners, similarity)
        order = np.argsort(-best, kind="stable")
        return [(float(best[i]), self.concepts[i]) for i in order]

    def read_best(self, said: str, texts: Sequence[str]) -> Reading | None:
        """The reading of whichever of `texts` (ways of cutting what the user `said`) reads most clearly (score plus
        lead), with `said` as what it was read from; None when none reads."""
        found = [r for r in map(self.read, dict.fromkeys(texts)) if r is not None]
        best = max(found, key=lambda r: r.score + r.lead, default=None)
        return replace(best, said=said) if best is not None else None

    def read(self, topic: str) -> Reading | None:
        """The concept `topic` describes in everyday words, or None: too short, not close enough to any, as close
        to two concepts, or naming the concept already (a question in the field's words is left as it is)."""
        said = " ".join(topic.split())
        if len(_WORD.findall(said.lower())) < MIN_TOPIC_WORDS:
            return None
        ranked = self.closest(said)
        (score, concept), (runner_up, _) = ranked[0], ranked[1]
        if score < READ_THRESHOLD or score - runner_up < READ_MARGIN:
            return None
        found = Reading(said, concept, score, score - runner_up, by_name=names_concept(said, concept))
        # a description naming the concept by one word of its names ("... diagnose or treat patients") may still be
        # a description when it reads surely (`Reading.by_name`); its term or a longer name is the field's words
        if names_concept(said, concept, one_word=False) or names_field_phrase(said, self.concepts):
            return None
        if found.by_name and found.score + found.lead < SURE_READING:
            return None
        return found


def _named_by(concepts: Sequence[Concept], said: str) -> Concept | None:
    """The one concept the topic names, whole (stemmed): "RLHF", "knowledge distillation"; None for none or two."""
    whole = _stems(said)
    found = [c for c in concepts if any(_stems(name) == whole for name in c.names)]
    return found[0] if len(found) == 1 else None


def screened_topic(reading: Reading, stats: CorpusStats) -> str:
    """What a set question read as a concept is screened against: its term or any of its aliases ("adversarial
    examples or adversarial attack or adversarial perturbation ..."), since its papers may use any of its names;
    an alias whose every word is common in the listing ("dataset", "sampling": CorpusStats.is_common) is left
    out, as it would make most papers match."""
    names = [a for a in reading.concept.aliases if any(not stats.is_common(t) for t in terms(a))]
    return " or ".join(dict.fromkeys([reading.term, *names]))


def in_own_words(topic: str, hits: Sequence[Hit], stats: CorpusStats) -> bool:
    """Whether the listing's best candidates for a topic use its rarest words (evidence.is_jargon): a topic in the
    papers' own jargon ("sharpness-aware minimization") is found by its words, and a reading would only blur it.
    A topic of more than MAX_TERM_WORDS distinct terms is a description, never a term, however many papers use
    one of its rarer words ("random noise", "simulate physics")."""
    if len(set(terms(topic))) > MAX_TERM_WORDS:
        return False
    resolved = resolve(Topic.of(topic), stats)  # "noisy or ambiguous labels": each alternative's head
    # the rarest words as written, a phrase no paper uses included: "smaller student" marks a description
    head = head_keys(resolved, stats, named=False)
    return is_jargon(hits, head, together=len(resolved.alternatives) > 1)


def speaks_of(reading: Reading, stats: CorpusStats) -> bool:
    """Whether a reading is close (WEAK_READING) and clear (NARROW_LEAD), or the concept's names or descriptions hold
    one of the topic's head terms: a topic naming what no description of its closest concept speaks of
    ("multi-objective optimization or learning Pareto fronts", at 0.51 to black-box optimization; "learn reward
    functions", 0.03 closer to bandits than to reward shaping) is about something the glossary lacks or between two
    of its concepts, and its reading would answer another question."""
    if reading.score >= WEAK_READING and reading.lead >= NARROW_LEAD:
        return True
    head = head_keys(resolve(Topic.of(reading.said), stats), stats)
    spoken = frozenset().union(*(text_keys(text) for text in (*reading.concept.names, *reading.concept.lay)))
    return not head or any(holds(spoken, key) for key in head)


def _shipped_vectors(path: Path, embedder: Embedder, rows: int) -> np.ndarray | None:
    try:
        with np.load(vectors_path(path), allow_pickle=False) as saved:
            if str(saved["sha256"]) != file_sha256(path) or str(saved["model"]) != embedder.model_id:
                return None
            vectors = np.asarray(saved["vectors"], dtype=np.float32)
    except (OSError, KeyError, ValueError):
        return None
    return vectors if vectors.shape == (rows, embedder.dim) else None


def _stems(text: str) -> str:
    return f" {' '.join(stem(w) for w in _WORD.findall(text.lower()))} "


def names_concept(topic: str, concept: Concept, one_word: bool = True) -> bool:
    """Whether the topic holds the concept's term or one of its aliases (as whole words, stemmed); with
    `one_word` False, an alias of one word ("patients", "causal") does not count."""
    said = _stems(topic)
    names = [concept.term, *(a for a in concept.aliases if one_word or len(_WORD.findall(a.lower())) > 1)]
    return any(_stems(name) in said for name in names if _stems(name).strip())


def names_field_phrase(topic: str, concepts: Sequence[Concept]) -> bool:
    """Whether the topic holds a term or alias of more than one word of any concept ("adversarial robustness",
    "sharpness-aware minimization"): a phrase of the field, however close its words are to another concept's
    description. (One word, "agents", "robotics", may be an everyday word too.)"""
    said = _stems(topic)
    return any(_stems(name) in said for c in concepts for name in c.names if len(_WORD.findall(name.lower())) > 1)


_loaded: dict[str, Glossary] = {}  # model id -> the shipped glossary read with it
_loading = threading.Lock()


def shipped_glossary(embedder: Embedder) -> Glossary:
    """The shipped glossary, loaded once per embedding model."""
    with _loading:
        if embedder.model_id not in _loaded:
            _loaded[embedder.model_id] = Glossary.load(embedder)
        return _loaded[embedder.model_id]


def glossary_for(embedder: Embedder, settings: Settings) -> Glossary:
    """The shipped glossary, read with `embedder` when it is the packaged MiniLM, else with the packaged MiniLM."""
    if embedder.model_id != MINILM_MODEL_ID:
        embedder = make_embedder(settings.model_copy(update={"embedder": "minilm"}))
    return shipped_glossary(embedder)


def main(argv: Sequence[str] = ()) -> int:
    """Write the glossary's vectors (after an edit of glossary.jsonl)."""
    path = Path(argv[0]) if argv else GLOSSARY_FILE
    glossary = Glossary.load(make_embedder(Settings(embedder="minilm")), path)
    print(f"{glossary.save_vectors(path)}: {len(glossary.texts)} rows of {len(glossary.concepts)} concepts")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
