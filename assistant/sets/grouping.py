"""Themes of a set answer: the matching papers clustered by their vectors, each cluster named by its distinctive
terms.

Clusters: k-means (scikit-learn, fixed seed, so the same set always gives the same groups) over the papers'
embedding vectors (the mean of their chunks); idf-weighted term vectors when the store has no vectors for them.
The number of groups grows with the square root of the set's size, bounded by settings.set_max_groups.

Names: the c-TF-IDF weight of topicmap.py (`ctfidf`), the whole listing as the background: a word or word pair
scores by how often the group's papers use it, against how many papers of the listing use it, so a name is both
common in the group and distinctive of it (a rare word two papers happen to share, "aforementioned", does not
outrank the group's subject). A label must be more common in its group than in the answer's other groups, and
it must be one of the words a paper of the group puts in its title or keywords: those say what a paper is about,
while an abstract's rarer words are often the story around it ("place", "consequence", "hope"). The title and
keyword share also weighs the label (SALIENT_BONUS). The topic's own words (every group shares them), and filler
(evidence.FILLER: words of results and framing, "significantly outperform", "extensive experiments"), never name a
group.
"""

from __future__ import annotations

import math
import re
from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np

from ..analysis.topicmap import MAX_LISTING_SHARE, ctfidf
from ..types import Paper
from ..words.keys import text_surfaces
from ..words.terms import CorpusStats, stem, surface_terms
from .evidence import FILLER, is_filler

SEED = 0
LABELS_PER_NAME = 2
MIN_LABEL_SHARE = 0.15  # a label is used by at least this share of its group's papers (and two of them)
PAIR_BONUS = 2.0  # word pairs ("markov games") say more than single words
MAX_SINGLE_DF = 0.05  # a single word names a group only if at most this share of the listing uses it
# pairs that name the whole field, not a theme of it (their listing share is under MAX_LISTING_SHARE)
FIELD_PAIRS = frozenset({"machin learn", "deep learn", "deep neural", "neural network", "artifici intellig",
                         "learn model"})
SALIENT_BONUS = 2.0  # a label's weight x (1 + this x the share of the group's papers with it in title or keywords)


@dataclass(frozen=True)
class Tier:
    """Which labels may name a group: `shared` by MIN_LABEL_SHARE of its papers and rare in the listing (else used
    by `least` papers, however common); `salient`: in a title or keywords of the group."""

    shared: bool
    salient: bool
    least: int = 2


# tried in turn, a tier's labels ranked after the previous tier's: the subject the group shares, a subject one of
# its papers names, then any word the group uses (an abstract's word beats "Other")
TIERS = (Tier(shared=True, salient=True), Tier(shared=False, salient=True, least=1), Tier(shared=False, salient=False))


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


def _salient_keys(paper: Paper) -> dict[str, str]:
    """Stem key -> surface of each word and word pair of the title and the keywords: what the paper says it is about."""
    return text_surfaces(". ".join((paper.title, *paper.keywords)))


def _stems(label: str) -> set[str]:
    """The label's word stems, a plural "s" the stemmer keeps ("GNNs") taken off."""
    stems = (stem(word) for word in re.split(r"[\s\-]+", label) if word)
    return {s[:-1] if len(s) > 3 and s.endswith("s") else s for s in stems}


def name_groups(groups: Sequence[Sequence[Paper]], stats: CorpusStats, topic_keys: set[str]) -> list[str]:
    """A distinct topical name for each group (its best one or two labels), "Other" when nothing is distinctive."""
    users: list[Counter[str]] = []
    salient: list[Counter[str]] = []  # per group: how many of its papers have the key in title or keywords
    surfaces: dict[str, str] = {}  # key -> the first way a title or keyword wrote it, else an abstract
    for group in groups:
        counts: Counter[str] = Counter()
        titled: Counter[str] = Counter()
        for paper in group:
            keys = _keys_of(paper)
            named = _salient_keys(paper)
            counts.update(keys.keys() | named.keys())
            titled.update(named.keys())
            for key, surface in (*named.items(), *keys.items()):
                surfaces.setdefault(key, surface)
        users.append(counts)
        salient.append(titled)
    total_papers = sum(len(g) for g in groups)
    taken: set[str] = set()
    names = []
    for g, group in enumerate(groups):
        ranked = [key for tier in TIERS
                  for key in rank_labels(g, group, users, total_papers, stats, topic_keys, surfaces, salient, tier)]
        chosen: list[str] = []
        for key in ranked:
            surface = surfaces[key]
            if key in taken or any(_stems(surface) & _stems(c) for c in chosen):
                continue  # "GNNs, GNN", "graph neural, graph" say one thing twice
            chosen.append(surface)
            taken.add(key)
            if len(chosen) == LABELS_PER_NAME:
                break
        names.append(", ".join(chosen).capitalize() if chosen else "Other")
    return unique(names)


def rank_labels(
    g: int, group: Sequence[Paper], users: list[Counter[str]], total_papers: int, stats: CorpusStats,
    topic_keys: set[str], surfaces: Mapping[str, str], salient: Sequence[Counter[str]], tier: Tier = TIERS[0],
) -> list[str]:
    """The group's candidate labels of one tier (see TIERS), most distinctive first."""
    size = len(group)
    others = total_papers - size
    least = max(2, math.ceil(MIN_LABEL_SHARE * size)) if size >= 3 and tier.shared else min(tier.least, size)
    rare = MAX_SINGLE_DF * max(stats.n_docs, 1) if tier.shared else float("inf")
    length = sum(users[g].values())
    mean_length = sum(sum(u.values()) for u in users) / max(len(users), 1)
    scored = []
    for key, count in users[g].items():
        if count < least or key in topic_keys or any(part in topic_keys for part in key.split()):
            continue
        named = salient[g].get(key, 0)
        if tier.salient and not named:
            continue  # only an abstract's word: the story around the subject, not the subject
        pair = " " in key
        common = rare if not pair else MAX_LISTING_SHARE * stats.n_docs
        if stats.df.get(key, 0) > common or is_filler(surfaces[key]) or key in FIELD_PAIRS:
            continue  # a word ("data") or pair ("neural networks") common in the listing names nothing
        elsewhere = sum(u.get(key, 0) for i, u in enumerate(users) if i != g) / others if others else 0.0
        if count / size - elsewhere <= 0:
            continue  # not more common here than in the answer's other groups
        # c-TF-IDF against the whole listing (topicmap's rule): frequent in the group, rare in the listing
        weight = ctfidf(count, length, max(stats.df.get(key, 0), count), mean_length)
        scored.append((weight * (PAIR_BONUS if pair else 1.0) * (1 + SALIENT_BONUS * named / size), key))
    return [key for _, key in sorted(scored, key=lambda sk: (-sk[0], sk[1]))]


def unique(names: list[str]) -> list[str]:
    seen: Counter[str] = Counter()
    out = []
    for name in names:
        seen[name] += 1
        out.append(name if seen[name] == 1 else f"{name} ({seen[name]})")
    return out
