"""Themes of a set answer: the matching papers clustered by their vectors, each cluster named by its distinctive
terms.

Clusters: k-means (scikit-learn, fixed seed, so the same set always gives the same groups) over the papers'
embedding vectors (the mean of their chunks); idf-weighted term vectors when the store has no vectors for them.
The number of groups grows with the square root of the set's size, bounded by settings.set_max_groups.

Names: the c-TF-IDF weight of topicmap.py (`ctfidf`), the whole listing as the background: a word or word pair
scores by how often the group's papers use it, against how many papers of the listing use it, so a name is both
common in the group and distinctive of it (a rare word two papers happen to share, "aforementioned", does not
outrank the group's subject). A label must be more common in its group than in the answer's other groups. The
topic's own words (every group shares them), and filler (evidence.FILLER: words of results and framing,
"significantly outperform", "extensive experiments"), never name a group.
"""

from __future__ import annotations

import math
import re
from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor

import numpy as np

from .evidence import FILLER, is_filler, text_surfaces
from .extractive import CorpusStats, surface_terms
from .topicmap import MAX_LISTING_SHARE, ctfidf
from .types import Paper

SEED = 0
LABELS_PER_NAME = 2
MIN_LABEL_SHARE = 0.15  # a label is used by at least this share of its group's papers (and two of them)
PAIR_BONUS = 2.0  # word pairs ("markov games") say more than single words
MAX_SINGLE_DF = 0.05  # a single word names a group only if at most this share of the listing uses it


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


GENERIC = FILLER  # the older names, kept for callers
is_generic = is_filler


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
    length = sum(users[g].values())
    mean_length = sum(sum(u.values()) for u in users) / max(len(users), 1)
    scored = []
    for key, count in users[g].items():
        if count < least or key in topic_keys or any(part in topic_keys for part in key.split()):
            continue
        pair = " " in key
        common = rare if not pair else MAX_LISTING_SHARE * stats.n_docs
        if stats.df.get(key, 0) > common or is_filler(surfaces[key]):
            continue  # a word ("data") or pair ("neural networks") common in the listing names nothing
        elsewhere = sum(u.get(key, 0) for i, u in enumerate(users) if i != g) / others if others else 0.0
        if count / size - elsewhere <= 0:
            continue  # not more common here than in the answer's other groups
        # c-TF-IDF against the whole listing (topicmap's rule): frequent in the group, rare in the listing
        weight = ctfidf(count, length, max(stats.df.get(key, 0), count), mean_length)
        scored.append((weight * (PAIR_BONUS if pair else 1.0), key))
    return [key for _, key in sorted(scored, key=lambda sk: (-sk[0], sk[1]))]


def unique(names: list[str]) -> list[str]:
    seen: Counter[str] = Counter()
    out = []
    for name in names:
        seen[name] += 1
        out.append(name if seen[name] == 1 else f"{name} ({seen[name]})")
    return out
