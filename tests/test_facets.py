"""The alternatives a topic lists, and the phrase after the list (assistant/sets/facets.py)."""

from __future__ import annotations

import pytest

from assistant.sets.facets import facets_of, tail_of
from assistant.words.terms import CorpusStats, restates
from tests.helpers import shipped_stats


@pytest.fixture(scope="module")
def stats() -> CorpusStats:
    return shipped_stats()


# topic as the plan gives it -> its alternatives, each with the words the list shares
FACETS: list[tuple[str, list[str]]] = [
    ("pruning and lottery tickets", ["pruning", "lottery tickets"]),
    ("transformers or self-attention to graphs", ["transformers to graphs", "self-attention to graphs"]),
    ("catastrophic forgetting in continual or class-incremental learning",
     ["catastrophic forgetting in continual learning", "catastrophic forgetting in class-incremental learning"]),
    ("learning with noisy or ambiguous labels", ["learning with noisy labels", "learning with ambiguous labels"]),
    ("prompt tuning, adapters and other parameter-efficient fine-tuning",
     ["prompt tuning", "adapters", "parameter-efficient fine-tuning"]),
    ("backdoor or data poisoning attacks", ["backdoor attacks", "data poisoning attacks"]),
    ("sparse models, pruning, quantization or low-rank approximations of weights",
     ["sparse models", "pruning", "quantization", "low-rank approximations of weights"]),
    ("GNN expressive power and the Weisfeiler-Lehman test", ["GNN expressive power", "Weisfeiler-Lehman test"]),
    ("AI for designing drugs, molecules and proteins",
     ["AI for designing drugs", "AI for molecules", "AI for proteins"]),
    # a common one-word alternative before a longer one is its verb, not an alternative of its own
    ("learning or solving PDEs with neural networks", ["solving PDEs with neural networks"]),
    ("new benchmarks or datasets", ["new benchmarks", "datasets"]),  # the last one is an object of its own
    # no list: one facet, the topic itself
    ("federated learning", []),
    ("graph neural networks for molecules", []),
    ("over-squashing", []),
]


@pytest.mark.parametrize(("topic", "facets"), FACETS, ids=[t for t, _ in FACETS])
def test_the_alternatives_of_a_topic(stats: CorpusStats, topic: str, facets: list[str]) -> None:
    assert facets_of(topic, stats) == facets


# topic -> the phrase its alternatives are applied to (a conjunct), "" when there is none
TAILS: list[tuple[str, str]] = [
    ("transformers or self-attention to graphs", "to graphs"),
    ("over-squashing or oversmoothing in graph neural networks", "in graph neural networks"),
    ("pruning or quantization for language models", "for language models"),
    ("catastrophic forgetting in continual or class-incremental learning", ""),  # the list ends the topic
    ("learning with noisy or ambiguous labels", ""),  # the shared word is part of each alternative
    ("neural networks that simulate physics or solve the equations behind it", ""),  # object of the last verb only
    ("pictures or sounds by starting from random noise and cleaning it up", ""),  # a clause, not a phrase
    ("graph neural networks for molecules", ""),  # no list
    ("pruning, quantization or distillation for language models", "for language models"),
    # a long list of examples: the phrase completes its last one
    ("low-rank structure, matrix or tensor factorization, SVD or PCA or low-rank approximations of weights", ""),
]


@pytest.mark.parametrize(("topic", "tail"), TAILS, ids=[t for t, _ in TAILS])
def test_the_phrase_a_list_of_alternatives_is_applied_to(topic: str, tail: str) -> None:
    assert tail_of(topic) == tail


@pytest.mark.parametrize(("first", "second", "expected"), [
    (("domain", "adapt", "domain adapt"), ("target", "domain", "target domain"), True),
    (("transform",), ("graph",), False),
    (("graph neural",), ("graph neural",), False),  # a pair alone restates nothing: only a single word's key does
])
def test_a_phrase_restates_another_by_a_shared_word(
    first: tuple[str, ...], second: tuple[str, ...], expected: bool
) -> None:
    assert restates(first, second) is expected
