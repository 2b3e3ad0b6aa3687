"""The evidence keys of a text: stemmed terms and word pairs (assistant/words/keys.py)."""

from __future__ import annotations

import pytest

from assistant.types import Paper
from assistant.words.keys import holds, joined_key, keys_of, paper_keys, text_keys
from assistant.words.terms import paper_text, stem


def paper(abstract: str, title: str = "A paper") -> Paper:
    return Paper(id=f"test-{abs(hash((title, abstract)))}", title=title, abstract=abstract)


def test_a_hyphenated_word_is_its_joined_form_and_its_parts() -> None:
    assert text_keys("over-squashing") == {"oversquash", "squash"} and text_keys("oversquashing") == {"oversquash"}
    assert joined_key("time", "series") in text_keys("time-series") & text_keys("timeseries")
    assert "time seri" in text_keys("time series")


def test_a_pair_never_crosses_punctuation() -> None:
    assert "graph neural" in text_keys("graph neural networks")
    assert "graph neural" not in text_keys("a graph. Neural networks")


def test_the_keys_of_a_text_are_its_terms_then_its_pairs_in_order() -> None:
    keys = keys_of("federated learning")
    assert keys[-1] == "feder learn" and set(keys[:-1]) == {"feder", "learn"}


def test_a_plural_acronym_holds_its_singular() -> None:
    assert holds(frozenset({"gnn"}), "gnns") and holds(frozenset({"gnns"}), "gnns")
    assert not holds(frozenset({"gnn"}), "graph")


def test_tex_commands_are_no_words_of_a_paper() -> None:
    tex = paper(r"We prove a regret bound of $\widetilde{\mathcal{O}}(\sqrt{T})$ for zero-sum games.", "Games")
    assert "mathcal" not in paper_text(tex) and "widetilde" not in paper_text(tex)
    assert {"game", "regret", "zerosum"} <= set(paper_keys(tex)) and "mathcal" not in paper_keys(tex)


@pytest.mark.parametrize(("plural", "singular"), [
    ("equilibria", "equilibrium"), ("matrices", "matrix"), ("hypotheses", "hypothesis"), ("minima", "minimum"),
    ("curricula", "curriculum"), ("Criteria", "criterion"),
])
def test_a_latin_plural_is_one_key_with_its_singular(plural: str, singular: str) -> None:
    assert stem(plural) == stem(singular)
    assert paper_keys(paper(f"We study Nash {plural}.")) & paper_keys(paper(f"We study a Nash {singular}."))


@pytest.mark.parametrize(("participle", "noun"), [
    ("imbalanced", "imbalance"), ("referenced", "reference"), ("experienced", "experience"), ("balanced", "balance"),
])
def test_a_participle_of_a_noun_in_ance_or_ence_is_one_key_with_it(participle: str, noun: str) -> None:
    assert stem(participle) == stem(noun)
    assert paper_keys(paper(f"We study {participle} data.")) & paper_keys(paper(f"We study data {noun}."))
