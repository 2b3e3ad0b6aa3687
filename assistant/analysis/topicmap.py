"""The topic map of a listing: every paper as a point in 2D, coloured by topic cluster, each cluster labelled by
its distinctive terms.

- Projection: the papers' vectors (the store's mean chunk embedding per paper) reduced by PCA, then laid out by
  scikit-learn's t-SNE (fixed seed, PCA initialisation); above `TSNE_MAX_POINTS` papers t-SNE would take minutes on
  2 cores, so the first two principal components are the layout.
- Clusters: KMeans (fixed seed) on the PCA-reduced vectors, renumbered largest first.
- Labels: c-TF-IDF (a cluster's abstracts seen as one document; a term's weight is its frequency there times
  log(1 + mean cluster length / its frequency over all clusters)) over the same stemmed terms and word pairs the
  offline answerer uses, shown in their most common surface form.

A map is computed once per listing generation (a generation is never rewritten once live) and kept in memory and,
for an embedded store, in a JSON file in the store folder beside the generation (`.topicmaps/`), so a restarted
app serves it at once. Computation is deterministic: the same generation gives the same map.
"""

from __future__ import annotations

import json
import logging
import math
import re
import threading
import time
from collections import Counter, defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import StoreError
from ..files import write_atomically
from ..store import PaperStore
from ..types import Paper
from ..words.terms import phrases, word_terms
from ..words.vocabulary import words

log = logging.getLogger(__name__)

ALGORITHM = 4  # bump when the computation changes: cached maps of older versions are recomputed
SEED = 0
PCA_DIMS = 50
TSNE_MAX_POINTS = 5000
TSNE_ITERATIONS = 350  # 250 of them are t-SNE's early-exaggeration phase; measured: the layout is settled by 350
TSNE_PERPLEXITY = 20.0  # fewer neighbours than the default 30: ~2x faster at 1k papers, clusters as clear
MAX_CLUSTERS = 16
LABEL_TERMS = 3
CLUSTER_TERMS = 8
MIN_TERM_SHARE = 0.1  # a label term must be used by this share of the cluster's papers (and by two of them)
MAX_LISTING_SHARE = 0.2  # ... and by at most this share of the whole listing ("learning", "model" label nothing)
LABEL_SAMPLE = 400  # papers per cluster read for its label terms (all of them below this)
VECTOR_PAGE = 2000  # paper vectors read per store call
CACHE_DIR = ".topicmaps"
_URL = re.compile(r"(?:https?://|www\.)\S+|\S+\.(?:com|org|io)\S*")


@dataclass(frozen=True)
class MapPoint:
    id: str
    x: float
    y: float
    cluster: int


@dataclass(frozen=True)
class MapCluster:
    id: int
    label: str
    size: int
    terms: tuple[str, ...]


@dataclass(frozen=True)
class TopicMap:
    """A listing's map at one generation. Coordinates are scaled to [0, 1]."""

    collection: str
    generation: str
    points: tuple[MapPoint, ...]
    clusters: tuple[MapCluster, ...]
    method: str  # "pca+tsne" or "pca"
    seconds: float = 0.0  # how long the computation took (0 when read from the cache file)

    def members(self, cluster: int) -> list[str]:
        return [p.id for p in self.points if p.cluster == cluster]

    def to_dict(self) -> dict[str, Any]:
        return {
            "collection": self.collection,
            "method": self.method,
            "points": [{"id": p.id, "x": p.x, "y": p.y, "cluster": p.cluster} for p in self.points],
            "clusters": [{"id": c.id, "label": c.label, "size": c.size, "terms": list(c.terms)}
                         for c in self.clusters],
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any], generation: str) -> TopicMap:
        points = tuple(MapPoint(str(p["id"]), float(p["x"]), float(p["y"]), int(p["cluster"]))
                       for p in data["points"])
        clusters = tuple(MapCluster(int(c["id"]), str(c["label"]), int(c["size"]), tuple(map(str, c["terms"])))
                         for c in data["clusters"])
        return cls(str(data["collection"]), generation, points, clusters, str(data["method"]))


# --- computation ----------------------------------------------------------------------------------------------------


def compute_map(collection: str, generation: str, papers: Sequence[Paper], vectors: np.ndarray) -> TopicMap:
    """The map of these papers (row i of `vectors` is papers[i])."""
    started = time.perf_counter()
    reduced = reduce_dims(vectors)
    coords, method = layout(reduced)
    labels = cluster_labels(reduced)
    points = tuple(
        MapPoint(p.id, round(float(x), 5), round(float(y), 5), int(c))
        for p, (x, y), c in zip(papers, scale_unit(coords), labels, strict=True)
    )
    members: dict[int, list[Paper]] = defaultdict(list)
    for paper, c in zip(papers, labels, strict=True):
        members[int(c)].append(paper)
    groups = [members[c] for c in range(len(members))]
    # Labels from an even sample of each cluster: the same terms, and bounded time on a 50k listing.
    samples = [group[:: max(1, math.ceil(len(group) / LABEL_SAMPLE))] for group in groups]
    clusters = tuple(
        MapCluster(c, label_of(picked, len(group)), len(group), tuple(picked))
        for c, (group, picked) in enumerate(zip(groups, distinctive_terms(samples), strict=True))
    )
    return TopicMap(collection, generation, points, clusters, method, time.perf_counter() - started)


def reduce_dims(vectors: np.ndarray) -> np.ndarray:
    """PCA to at most PCA_DIMS dimensions (t-SNE and KMeans are faster on 50 dimensions than on 384, and the
    leading components carry the topical structure)."""
    from sklearn.decomposition import PCA

    n, dims = vectors.shape
    keep = min(PCA_DIMS, n - 1, dims)
    if keep < 2:
        return np.zeros((n, 2), dtype=np.float64)
    pca = PCA(n_components=keep, random_state=SEED, svd_solver="randomized")  # measured 12x faster than "full"
    return np.asarray(pca.fit_transform(vectors), dtype=np.float64)


def layout(reduced: np.ndarray) -> tuple[np.ndarray, str]:
    """2-D coordinates: t-SNE up to TSNE_MAX_POINTS papers, else the first two principal components."""
    n = len(reduced)
    if n < 5 or n > TSNE_MAX_POINTS:
        return reduced[:, :2], "pca"
    from sklearn.manifold import TSNE

    tsne = TSNE(n_components=2, perplexity=min(TSNE_PERPLEXITY, (n - 1) / 3), init="pca", random_state=SEED,
                max_iter=TSNE_ITERATIONS, learning_rate="auto")
    return np.asarray(tsne.fit_transform(reduced), dtype=np.float64), "pca+tsne"


def n_clusters(n: int) -> int:
    """About sqrt(n)/2 clusters (16 for 1k papers), at least 1, at most MAX_CLUSTERS."""
    if n < 4:
        return 1
    return max(2, min(MAX_CLUSTERS, round(math.sqrt(n) / 2)))


def cluster_labels(reduced: np.ndarray) -> np.ndarray:
    """A cluster number per paper, 0 for the largest cluster (ties: the one whose first paper comes first)."""
    n = len(reduced)
    k = n_clusters(n)
    if k == 1:
        return np.zeros(n, dtype=np.int64)
    from sklearn.cluster import KMeans

    raw = KMeans(n_clusters=k, random_state=SEED, n_init=4).fit_predict(reduced)
    sizes = Counter(int(c) for c in raw)
    first = {int(c): i for i, c in reversed(list(enumerate(raw)))}
    order = sorted(sizes, key=lambda c: (-sizes[c], first[c]))
    renumber = {old: new for new, old in enumerate(order)}
    return np.asarray([renumber[int(c)] for c in raw], dtype=np.int64)


def scale_unit(coords: np.ndarray) -> np.ndarray:
    """Coordinates scaled to [0, 1] on each axis (a constant axis goes to 0.5)."""
    lo, hi = coords.min(axis=0), coords.max(axis=0)
    span = np.where(hi - lo > 0, hi - lo, 1.0)
    scaled = (coords - lo) / span
    scaled[:, hi - lo <= 0] = 0.5
    return np.asarray(scaled)


def distinctive_terms(groups: Sequence[Sequence[Paper]]) -> list[list[str]]:
    """Each group's most distinctive terms by c-TF-IDF, as surface words ("graph neural", "diffusion"). A term counts
    once per paper (an abstract repeating its own jargon does not make it the cluster's), and terms most of the
    listing uses are left out."""
    users: list[Counter[str]] = []
    surfaces: dict[str, Counter[str]] = defaultdict(Counter)
    for group in groups:
        used: Counter[str] = Counter()
        for paper in group:
            text = _URL.sub(" ", f"{paper.title}. {paper.abstract or ''}")
            items = label_terms(text) + phrases(text)
            for key, surface in items:
                surfaces[key][surface] += 1
            used.update({key for key, _ in items})
        users.append(used)
    overall: Counter[str] = Counter()
    for used in users:
        overall.update(used)
    n_papers = sum(len(g) for g in groups)
    mean_length = sum(overall.values()) / max(len(groups), 1)
    picked = []
    for group, used in zip(groups, users, strict=True):
        length = sum(used.values()) or 1
        least = max(2, math.ceil(MIN_TERM_SHARE * len(group))) if len(group) > 1 else 1
        # with few clusters, one cluster's own words are used by a large share of the listing
        common = max(MAX_LISTING_SHARE, 1.5 / len(groups)) * n_papers
        weights = {key: ctfidf(tf, length, overall[key], mean_length)
                   for key, tf in used.items() if tf >= least and overall[key] <= common and len(key) > 2}
        ranked = sorted(weights, key=lambda key: (-weights[key], key))
        picked.append(_without_repeats(ranked, surfaces))
    return picked


def ctfidf(tf: int, length: int, overall: int, mean_length: float) -> float:
    """A term's c-TF-IDF weight in a class: its frequency there (`tf` of the class's `length` term uses) times
    log(1 + the mean class length / its frequency over all classes, `overall`). Shared with the naming of a set
    answer's groups (grouping.py)."""
    return tf / max(length, 1) * math.log(1 + mean_length / max(overall, 1))


def label_terms(text: str) -> list[tuple[str, str]]:
    """(stem, surface) of each content word; a hyphenated word only whole ("pre-training", not "pre")."""
    out: list[tuple[str, str]] = []
    for word in words(text):
        found = word_terms(word)
        out += found[:1] if "-" in word else found
    return out


def _without_repeats(ranked: Sequence[str], surfaces: dict[str, Counter[str]]) -> list[str]:
    """The first CLUSTER_TERMS terms; a word pair takes the place of the single words it contains ("reinforcement
    learning" replaces "reinforcement"), and a single word a chosen pair contains is skipped."""
    chosen: list[str] = []
    for key in ranked:
        if " " in key:  # in the place of the first single word it replaces (it ranked that high)
            stems = set(key.split())
            replaced = [i for i, k in enumerate(chosen) if " " not in k and k in stems]
            chosen = [k for k in chosen if " " in k or k not in stems]
            chosen.insert(replaced[0] if replaced else len(chosen), key)
        elif any(key in k.split() for k in chosen):
            continue
        else:
            chosen.append(key)
        if len(chosen) == CLUSTER_TERMS:
            break
    return [surfaces[key].most_common(1)[0][0] for key in chosen]


def label_of(terms: Sequence[str], size: int) -> str:
    words = " · ".join(terms[:LABEL_TERMS]) or "papers"
    return f"{words} ({size})"


# --- reading the listing and caching ------------------------------------------------------------------------------


def listing_vectors(store: PaperStore, collection: str) -> tuple[list[Paper], np.ndarray]:
    """Every paper of the live generation with its vector, in id order (papers without one are left out)."""
    papers = sorted((s.paper for s in store.iter_papers(collection)), key=lambda p: p.id)
    vectors: dict[str, np.ndarray] = {}
    for start in range(0, len(papers), VECTOR_PAGE):
        vectors.update(store.paper_vectors(collection, [p.id for p in papers[start : start + VECTOR_PAGE]]))
    kept = [p for p in papers if p.id in vectors]
    if not kept:
        return [], np.zeros((0, 0), dtype=np.float32)
    return kept, np.vstack([vectors[p.id] for p in kept])


class MapCache:
    """Maps by (store, collection, generation), in memory and in the store folder; one computation at a time per
    map (a second request for it waits for the first and gets its result)."""

    def __init__(self) -> None:
        self._maps: dict[tuple[str, str, str], TopicMap] = {}
        self._locks: dict[tuple[str, str, str], threading.Lock] = defaultdict(threading.Lock)
        self._lock = threading.Lock()

    def peek(self, store: PaperStore, collection: str) -> TopicMap | None:
        """The map of the live generation if it is in memory already, else None (never computes)."""
        return self._maps.get((store.location, collection, store.generation(collection)))

    def get(self, store: PaperStore, collection: str, folder: Path | None) -> TopicMap:
        """The map of the live generation: from memory, from the store folder, or computed now."""
        generation = store.generation(collection)
        key = (store.location, collection, generation)
        found = self._maps.get(key)
        if found is not None:
            return found
        with self._lock:
            lock = self._locks[key]
        with lock:
            found = self._maps.get(key) or read_cached(folder, collection, generation)
            if found is None:
                papers, vectors = listing_vectors(store, collection)
                if not papers:
                    raise StoreError(f"listing {collection!r} has no papers to map: ingest a listing first")
                found = compute_map(collection, generation, papers, vectors)
                log.info("topic map of %s: %d papers in %.1f s", collection, len(papers), found.seconds)
                write_cached(folder, found)
            with self._lock:
                self._maps = {k: v for k, v in self._maps.items() if k[:2] != key[:2]}  # older generations go
                self._maps[key] = found
            return found


def cache_path(folder: Path, collection: str, generation: str) -> Path:
    return folder / CACHE_DIR / f"{collection}.{generation}.v{ALGORITHM}.json"


def read_cached(folder: Path | None, collection: str, generation: str) -> TopicMap | None:
    """The map saved for this generation, or None (none saved, or a file that cannot be read: recomputed)."""
    if folder is None:
        return None
    path = cache_path(folder, collection, generation)
    try:
        return TopicMap.from_dict(json.loads(path.read_text(encoding="utf-8")), generation)
    except FileNotFoundError:
        return None
    except (OSError, ValueError, KeyError, TypeError) as exc:
        log.warning("ignoring the unreadable topic map cache %s (%s): recomputing it", path, exc)
        return None


def write_cached(folder: Path | None, topic_map: TopicMap) -> None:
    """Save the map beside its generation (written whole, then renamed) and drop the files of older ones. A store
    folder that cannot be written only costs a recomputation after a restart."""
    if folder is None:
        return
    path = cache_path(folder, topic_map.collection, topic_map.generation)
    try:
        write_atomically(path, json.dumps(topic_map.to_dict(), separators=(",", ":")).encode("utf-8"))
        for old in _other_files(path.parent, topic_map.collection, path.name):
            old.unlink(missing_ok=True)
    except OSError as exc:
        log.warning("could not save the topic map in %s (%s)", path.parent, exc)


def _other_files(folder: Path, collection: str, keep: str) -> Iterator[Path]:
    for file in folder.glob(f"{collection}.*.json"):
        if file.name != keep:
            yield file
