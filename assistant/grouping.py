"""Themes of a set answer: the matching papers clustered by their vectors, each cluster named by its distinctive
terms.

Clusters: k-means (scikit-learn, fixed seed, so the same set always gives the same groups) over the papers'
embedding vectors (the mean of their chunks); idf-weighted term vectors when the store has no vectors for them.
The number of groups grows with the square root of the set's size, bounded by settings.set_max_groups.

Names (c-TF-IDF style): a word or word pair scores by the share of the cluster's papers using it, times its rarity
in the whole listing (idf), times how much more common it is in this cluster than in the other clusters of the
answer. The topic's own words (every cluster shares them), and words that describe results rather than subjects
("significantly outperform", "state of the art", "extensive experiments"), never name a group.
"""

from __future__ import annotations

import math
import re
from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from functools import lru_cache

import numpy as np

from .extractive import CorpusStats, surface_terms
from .screening import text_surfaces
from .types import Paper

SEED = 0
LABELS_PER_NAME = 2
MIN_LABEL_SHARE = 0.15  # a label is used by at least this share of its group's papers (and two of them)
MAX_SINGLE_DF = 0.05  # a single word names a group only if at most this share of the listing uses it
PAIR_BONUS = 2.0  # word pairs ("markov games") say more than single words
# Words of results, evaluation and framing: a group named by them says nothing about its subject.
_GENERIC = """outperform outperforms outperforming outperformed significantly significant state art sota
benchmark benchmarks experiment experiments experimental empirical empirically extensive extensively result results
performance performances perform performs improve improves improved improvement improvements achieve achieves
achieved achieving demonstrate demonstrates demonstrated show shows shown novel new method methods methodology
approach approaches existing previous prior propose proposes proposed framework frameworks problem problems task tasks
paper work works baseline baselines superior effective effectiveness competitive strong stronger better best
wide range variety various several different code available github com https http www publicly release released
comparable compared comparison evaluate evaluated evaluation evaluations leading leads lead current recent recently
well based further first also however thus furthermore moreover specifically particular particularly key main
simple simply able ability often many much large small number numbers set sets use using used study studies
way ways end even still make makes made provide provides provided introduce introduces introduced present presents
called termed named extensive gain gains suggest suggests demonstrating showing propose art-of-the state-of-the-art
sample samples approach high higher low lower solve solves solving effect effects goal goals design designs
predict predicts predicting change changes changing three two four five global local examples example deep
theoretic theoretical queried query bound bounds decoding desiderata able apply applies applied applying
issue issues challenge challenges setting settings case cases general generally way enable enables allow allows"""
GENERIC = frozenset(_GENERIC.split())
_DIGITS = re.compile(r"^[\d.]+$")


def group_count(n: int, max_groups: int) -> int:
    """How many themes a set of n papers gets: about sqrt(n / 2), at least 2, at most max_groups."""
    return max(2, min(max_groups, round(math.sqrt(n / 2)), n // 2))


# scikit-learn's k-means keeps about 1 MiB of native per-thread state in every thread that ever runs it: the app
# answers on a pool of worker threads, so every clustering runs on this one thread (about 30 ms each, in turn).
_KMEANS_THREAD = ThreadPoolExecutor(max_workers=1, thread_name_prefix="kmeans")


def clusters(vectors: np.ndarray, k: int) -> list[int]:
    """The cluster of each row (k-means on unit vectors, fixed seed)."""
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    unit = vectors / np.where(norms > 0, norms, 1.0)
    return _KMEANS_THREAD.submit(_kmeans, unit, k).result()


def _kmeans(unit: np.ndarray, k: int) -> list[int]:
    from sklearn.cluster import KMeans

    model = KMeans(n_clusters=k, n_init=1, random_state=SEED)  # one k-means++ start: 4x faster, same themes
    return [int(label) for label in model.fit_predict(unit)]


def term_vectors(papers: Sequence[Paper], stats: CorpusStats) -> np.ndarray:
    """Idf-weighted bag-of-terms vectors (title and abstract), for papers the store holds no embedding of."""
    rows = [Counter(t for t, _ in surface_terms(f"{p.title}. {p.abstract or ''}")) for p in papers]
    vocabulary = {t: i for i, t in enumerate(sorted({t for row in rows for t in row}))}
    matrix = np.zeros((len(papers), max(1, len(vocabulary))), dtype=np.float32)
    for r, row in enumerate(rows):
        for term, count in row.items():
            matrix[r, vocabulary[term]] = (1 + math.log(count)) * stats.idf(term)
    return matrix


def paper_matrix(papers: Sequence[Paper], vectors: Mapping[str, np.ndarray], stats: CorpusStats) -> np.ndarray:
    """The embedding of every paper when the store has them all, else term vectors for all (never a mix)."""
    if papers and all(p.id in vectors for p in papers):
        return np.stack([np.asarray(vectors[p.id], dtype=np.float32) for p in papers])
    return term_vectors(papers, stats)


def group_papers(
    papers: Sequence[Paper], vectors: Mapping[str, np.ndarray], stats: CorpusStats, topic_keys: set[str],
    max_groups: int,
) -> list[tuple[str, list[int]]]:
    """(name, indices into `papers`) for each theme, the largest first; each paper in exactly one theme."""
    k = group_count(len(papers), max_groups)
    labels = clusters(paper_matrix(papers, vectors, stats), k)
    members: dict[int, list[int]] = defaultdict(list)
    for i, label in enumerate(labels):
        members[label].append(i)
    ordered = sorted(members.values(), key=lambda rows: (-len(rows), rows[0]))
    names = name_groups([[papers[i] for i in rows] for rows in ordered], stats, topic_keys)
    return list(zip(names, ordered, strict=True))


# --- names --------------------------------------------------------------------------------------------------------


@lru_cache(maxsize=65536)
def is_generic(surface: str) -> bool:
    parts = re.split(r"[\s\-]+", surface.lower())
    return any(p in GENERIC or _DIGITS.match(p) or len(p) < 3 for p in parts if p) or not parts


def _keys_of(paper: Paper) -> dict[str, str]:
    """Stem key -> surface of each word and word pair in the title and abstract."""
    return text_surfaces(f"{paper.title}. {paper.abstract or ''}")


def name_groups(groups: Sequence[Sequence[Paper]], stats: CorpusStats, topic_keys: set[str]) -> list[str]:
    """A distinct topical name for each group (its best one or two labels), "Other" when nothing is distinctive."""
    users: list[Counter[str]] = []
    surfaces: dict[str, str] = {}  # key -> the first way a paper wrote it
    for group in groups:
        counts: Counter[str] = Counter()
        for paper in group:
            keys = _keys_of(paper)
            counts.update(keys.keys())
            for key, surface in keys.items():
                surfaces.setdefault(key, surface)
        users.append(counts)
    total_papers = sum(len(g) for g in groups)
    taken: set[str] = set()
    names = []
    for g, group in enumerate(groups):
        ranked = rank_labels(g, group, users, total_papers, stats, topic_keys, surfaces)
        ranked += rank_labels(g, group, users, total_papers, stats, topic_keys, surfaces, strict=False)
        chosen: list[str] = []
        for key in ranked:
            surface = surfaces[key]
            words = set(re.split(r"[\s\-]+", surface))
            if key in taken or any(words & set(re.split(r"[\s\-]+", c)) for c in chosen):
                continue
            chosen.append(surface)
            taken.add(key)
            if len(chosen) == LABELS_PER_NAME:
                break
        names.append(", ".join(chosen).capitalize() if chosen else "Other")
    return unique(names)


def rank_labels(
    g: int, group: Sequence[Paper], users: list[Counter[str]], total_papers: int, stats: CorpusStats,
    topic_keys: set[str], surfaces: Mapping[str, str], strict: bool = True,
) -> list[str]:
    """The group's candidate labels, most distinctive first. Not `strict` (the fallback when no label passes): any
    share of two papers, and single words however common."""
    size = len(group)
    others = total_papers - size
    least = max(2, math.ceil(MIN_LABEL_SHARE * size)) if size >= 3 and strict else min(2, size)
    rare = MAX_SINGLE_DF * max(stats.n_docs, 1) if strict else float("inf")
    scored = []
    for key, count in users[g].items():
        if count < least or key in topic_keys or any(part in topic_keys for part in key.split()):
            continue
        pair = " " in key
        if (not pair and stats.df.get(key, 0) > rare) or is_generic(surfaces[key]):
            continue  # a single word common in the listing ("data", "effect") names nothing
        share = count / size
        elsewhere = sum(u.get(key, 0) for i, u in enumerate(users) if i != g) / others if others else 0.0
        distinct = share - elsewhere
        if distinct <= 0:
            continue
        scored.append((share * distinct * stats.idf(key) ** 2 * (PAIR_BONUS if pair else 1.0), key))
    return [key for _, key in sorted(scored, key=lambda sk: (-sk[0], sk[1]))]


def unique(names: list[str]) -> list[str]:
    seen: Counter[str] = Counter()
    out = []
    for name in names:
        seen[name] += 1
        out.append(name if seen[name] == 1 else f"{name} ({seen[name]})")
    return out
