"""The topic map (assistant.analysis.topicmap) on real stores: the shipped ICLR 2022 listing, a copy of the small
listing that is re-ingested, and synthetic vectors for the large-listing path; its rendering (assistant.web.tables)."""

from __future__ import annotations

import json
import re
import shutil
import time
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from assistant import service
from assistant.analysis.topicmap import (
    CACHE_DIR,
    MAX_CLUSTERS,
    MapCache,
    MapPoint,
    TopicMap,
    cache_path,
    compute_map,
    distinctive_terms,
    listing_vectors,
)
from assistant.types import Paper
from assistant.web.tables import MAX_DRAWN, drawn_points, map_html

from .conftest import HOSTILE_TITLE, make_settings


@pytest.fixture(scope="module")
def iclr_map(iclr_store: Path) -> tuple[TopicMap, float]:
    settings = make_settings(iclr_store, collection="iclr2022")
    started = time.perf_counter()
    topic_map = service.topic_map(settings)
    return topic_map, time.perf_counter() - started


def test_the_shipped_listing_maps_every_paper_into_labelled_clusters(iclr_map: tuple[TopicMap, float]) -> None:
    topic_map, _ = iclr_map
    data = topic_map.to_dict()
    assert len(data["points"]) == 1095
    assert len({p["id"] for p in data["points"]}) == 1095
    assert all(set(p) == {"id", "x", "y", "cluster"} for p in data["points"])
    assert all(0.0 <= p["x"] <= 1.0 and 0.0 <= p["y"] <= 1.0 for p in data["points"])
    clusters = data["clusters"]
    assert 2 <= len(clusters) <= MAX_CLUSTERS
    assert all(set(c) == {"id", "label", "size", "terms"} for c in clusters)
    assert sum(c["size"] for c in clusters) == 1095
    sizes = [c["size"] for c in clusters]
    assert sizes == sorted(sizes, reverse=True)  # numbered largest first
    for c in clusters:
        assert c["size"] == sum(1 for p in data["points"] if p["cluster"] == c["id"])
        assert c["terms"] and f"({c['size']})" in c["label"]
    assert topic_map.method == "pca+tsne"


def test_cluster_labels_name_the_listings_known_topics(iclr_map: tuple[TopicMap, float]) -> None:
    """ICLR 2022 has large graph-learning, reinforcement-learning and adversarial-robustness groups: some cluster's
    terms must name each, and generic words (used by most of the listing) must name none."""
    topic_map, _ = iclr_map
    all_terms = [" ".join(c.terms).lower() for c in topic_map.clusters]
    for topic in ("graph", "reinforcement learning", "adversarial"):
        assert any(topic in terms for terms in all_terms), (topic, all_terms)
    generic = {"learning", "model", "models", "method", "methods", "neural", "deep"}
    assert not generic & {t.lower() for c in topic_map.clusters for t in c.terms}


def test_papers_on_one_topic_land_in_one_cluster(iclr_map: tuple[TopicMap, float], iclr_settings: Any) -> None:
    """The papers most similar to the over-squashing paper mostly share its cluster (the vectors decide both)."""
    topic_map, _ = iclr_map
    cluster_of = {p.id: p.cluster for p in topic_map.points}
    hits = service.search("graph neural networks message passing", iclr_settings, k=10)
    clusters = [cluster_of[h.paper.id] for h in hits]
    assert max(clusters.count(c) for c in set(clusters)) >= 6, clusters


def test_the_map_is_cached_in_memory_and_beside_the_generation(
    iclr_map: tuple[TopicMap, float], iclr_store: Path, iclr_settings: Any
) -> None:
    topic_map, _ = iclr_map
    started = time.perf_counter()
    again = service.topic_map(iclr_settings)
    assert time.perf_counter() - started < 0.2
    assert again is topic_map
    store = service.services(iclr_settings).store
    path = cache_path(iclr_store, "iclr2022", store.generation("iclr2022"))
    assert path.is_file() and path.parent.name == CACHE_DIR
    # another process (a fresh cache) reads the saved map instead of computing it
    reread = MapCache().get(store, "iclr2022", iclr_store)
    assert reread.seconds == 0.0 and reread.to_dict() == topic_map.to_dict()


def test_computation_is_deterministic(iclr_store: Path, iclr_map: tuple[TopicMap, float], iclr_settings: Any) -> None:
    store = service.services(iclr_settings).store
    papers, vectors = listing_vectors(store, "iclr2022")
    again = compute_map("iclr2022", "g-test", papers, vectors)
    assert again.to_dict() == iclr_map[0].to_dict()


@pytest.mark.slow  # two ingests and two maps
def test_a_new_generation_gets_a_new_map_and_the_old_file_goes(
    small_store: Path, small_listing: Path, tmp_path: Path
) -> None:
    store_dir = tmp_path / "store"
    shutil.copytree(small_store, store_dir)
    settings = make_settings(store_dir, collection="iclr2022")
    first = service.topic_map(settings)
    first_file = cache_path(store_dir, "iclr2022", first.generation)
    assert first_file.is_file()
    rows = [json.loads(line) for line in small_listing.read_text(encoding="utf-8").splitlines()]
    kept = small_listing.parent / "fewer.jsonl"
    kept.write_text("".join(json.dumps(r) + "\n" for r in rows[:-6]), encoding="utf-8")
    service.ingest([kept], settings, "iclr2022", replace=True)
    second = service.topic_map(settings)
    assert second.generation != first.generation
    assert len(second.points) == len(rows) - 6
    assert not first_file.exists()
    assert cache_path(store_dir, "iclr2022", second.generation).is_file()


def test_an_unreadable_cache_file_is_recomputed(small_store: Path, tmp_path: Path) -> None:
    store_dir = tmp_path / "store"
    shutil.copytree(small_store, store_dir)
    settings = make_settings(store_dir, collection="iclr2022")
    store = service.services(settings).store
    path = cache_path(store_dir, "iclr2022", store.generation("iclr2022"))
    path.parent.mkdir(exist_ok=True)
    path.write_text('{"points": [', encoding="utf-8")
    topic_map = MapCache().get(store, "iclr2022", store_dir)
    assert len(topic_map.points) == store.listing_info("iclr2022")["papers"]
    assert json.loads(path.read_text(encoding="utf-8"))["points"]


def test_a_missing_collection_is_a_clear_error(small_store: Path) -> None:
    from assistant.errors import CollectionNotFound

    with pytest.raises(CollectionNotFound, match="assistant ingest"):
        service.topic_map(make_settings(small_store), "no-such-listing")


def synthetic(n: int, seed: int = 1) -> tuple[list[Paper], np.ndarray]:
    """n papers in 6 well-separated topics, each topic with its own words."""
    rng = np.random.default_rng(seed)
    words = ["protein folding", "speech recognition", "robot grasping", "code synthesis", "weather forecasting",
             "music generation"]
    centres = rng.normal(size=(6, 64)) * 4
    topics = np.arange(n) % 6
    vectors = centres[topics] + rng.normal(size=(n, 64))
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    papers = [Paper(f"p{i:05d}", f"Paper {i} on {words[t]}", abstract=f"We study {words[t]} with a new method. "
                    f"Results on {words[t]} improve.") for i, t in enumerate(topics)]
    return papers, vectors.astype(np.float32)


@pytest.mark.slow  # a synthetic large listing
def test_a_large_listing_is_laid_out_by_pca_and_drawn_as_a_sample() -> None:
    papers, vectors = synthetic(6000)
    topic_map = compute_map("big", "g1", papers, vectors)
    assert topic_map.method == "pca" and len(topic_map.points) == 6000
    html = map_html(topic_map, {p.id: p for p in papers}, lit=["p05999"])
    drawn = len(re.findall(r'class="pa-pt', html))
    assert drawn <= MAX_DRAWN + 1 and 'data-id="p05999"' in html
    assert "showing" in html


def test_c_tf_idf_labels_each_group_by_its_own_words() -> None:
    papers, _ = synthetic(60)
    groups = [[p for p in papers if topic in p.title] for topic in ("protein folding", "robot grasping")]
    first, second = distinctive_terms(groups)
    assert "protein folding" in first and "robot grasping" in second
    assert "robot grasping" not in first


def test_drawn_points_keep_lit_ones_last() -> None:
    points = [MapPoint(f"p{i}", 0.5, 0.5, 0) for i in range(10)]
    drawn = drawn_points(points, {"p3"}, limit=4)
    assert drawn[-1].id == "p3" and len(drawn) <= 5


def test_listing_text_in_the_map_is_escaped(small_store: Path) -> None:
    settings = make_settings(small_store, collection="iclr2022")
    topic_map = service.topic_map(settings)
    papers = {p.id: p for p in service.papers([p.id for p in topic_map.points], settings)}
    (hostile,) = [p for p in papers.values() if p.title == HOSTILE_TITLE]
    html = map_html(topic_map, papers, lit=[hostile.id])
    assert f'data-id="{hostile.id}"' in html and "pa-lit" in html
    assert "<img" not in html and "<b>Mallory" not in html and "<script" not in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html
    assert "href=" not in html  # the map makes no links
