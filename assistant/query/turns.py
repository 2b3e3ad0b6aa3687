"""How a question leans on the previous turn, read by rules: whether it is a follow-up ("which of those are
orals?", "and the spotlights?", "how many are spotlights?"), which of the previous answer's papers it points at
("the third one", "compare the first two", "papers 2 and 4"), whether it switches the subject ("what about
flows?") or narrows ("only the audio ones"), and how the offline condensing writes it as one question. The query
plan (plan.py) merges a follow-up's plan with the previous one by these rules.
"""

from __future__ import annotations

import re

from ..words.vocabulary import RELATIVE_PRONOUNS, WORD, is_content_word

_LEAD_WORDS = r"\s*(?:and|also|what about|how about|only|just|now|but)\b"  # "and the spotlights?", "only orals"
_SAME_FOR = r"\s*(?:and\s+)?(?:the\s+)?same\s+(?:question\s+|thing\s+)?(?:for|about|on|with)\b"  # "same for GNNs"
_ORDINALS = {"first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5, "sixth": 6, "seventh": 7, "eighth": 8,
             "ninth": 9, "tenth": 10, "last": -1}
# "the second one", "the last paper", "[3]", "paper 2", "#4": one paper of the previous answer, by its number
_REFERENCE = re.compile(  # ... and "and the second?", "what about the last?" (an ordinal that ends the question)
    rf"\b({'|'.join(_ORDINALS)})\s+(?:one|paper|article|result|entry)\b|\[(\d{{1,3}})\]"
    r"|\b(?:paper|number|no\.|#)\s*(\d{1,3})\b(?!\s*(?:papers|%))"
    rf"|\bthe\s+({'|'.join(_ORDINALS)})\s*(?=$|[?.!,;:])",
    re.IGNORECASE,
)
_HOW_MANY = {"two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9, "ten": 10}
# several at once: "the first two", "the last 3", "papers 2 and 4", "the first and third ones"
_RANGE = re.compile(  # then nothing, or a word for results: not "the first 10 layers"
    rf"\b(first|last)\s+({'|'.join(_HOW_MANY)}|[2-9]|1\d)\b(?=\s*(?:$|[?.!,;:)]|(?:ones?|papers?|results?|entries"
    r"|articles?|listed|above|here|and|or|you|an?|the|is|are|was|were|have|has|do|does|did|use|uses|about|on|in"
    r"|with|by|from|to|for|of\s+(?:them|those|these))\b))",
    re.IGNORECASE,
)
_NUMBER_LIST = re.compile(r"\b(?:papers|numbers|nos?\.)\s*(\d{1,3}(?:\s*(?:,|and|&|or)\s*\d{1,3})+)\b",
                          re.IGNORECASE)
_ORDINAL_LIST = re.compile(
    rf"\b((?:{'|'.join(_ORDINALS)})(?:\s*(?:,|and|&)\s*(?:the\s+)?(?:{'|'.join(_ORDINALS)}))+)\s+(?:ones?|papers?)\b",
    re.IGNORECASE,
)
# What points back at the previous answer's papers: "those", "which ones ...", "[3]", a question with no noun of
# its own ("how many are spotlights?", "and which use transformers?").
_BACK_REFERENCE = (
    r"\b(?:those|them|these|they|their|theirs|this one|that one|ones|among|the above (?:one|paper)|the above"
    r"|of the above|previous(?:ly)?|same ones?|the ones|it|its|(?:this|that) (?:set|list))\b"
    # "explain [2]", "the second one", "compare the first two", "papers 2 and 4", "the first and third ones"
    rf"|{_REFERENCE.pattern}|{_RANGE.pattern}|{_NUMBER_LIST.pattern}|{_ORDINAL_LIST.pattern}"
    rf"|^(?:{_LEAD_WORDS})?\s*(?:how\s+many|which(?:\s+ones?)?|what\s+ones)\s+(?:are|were|have|has|had|use|used)\b"
    r"(?!\s+(?:the|all|there)\b)"
)
# A question that only counts ("how many?", "how many are there?") or only leaves out ("not the certified ones",
# "without the posters", "drop the ones about GANs") asks it of the previous answer: it names no set of its own.
BARE_COUNT = (r"^\s*(?:(?:and|so|ok|okay)\s+)?how\s+many(?:\s+(?:are\s+there|in\s+total|altogether|is\s+that))?"
              r"\s*[?.!]*\s*$")
# The words that leave papers out, in one place: a leading exclusion here, "not the orals" in the plan's decisions.
EXCLUDE_WORD = (r"(?:not|exclude|excluding|except(?:\s+for)?|without|drop|remove|minus|leave\s+out|leaving\s+out|skip"
                r"|ignore|filter\s+out|take\s+out|hide|get\s+rid\s+of)")
LEADING_EXCLUDE = (
    rf"^\s*(?:(?:and|but|now|ok|okay|so)\s+)?{EXCLUDE_WORD}\s+"
    r"(?:the|those|these|ones?|papers?|any|all)\b"
)
_FOLLOW_UP = re.compile(rf"{_BACK_REFERENCE}|^{_LEAD_WORDS}|^{_SAME_FOR}|{BARE_COUNT}|{LEADING_EXCLUDE}",
                        re.IGNORECASE)
SAME_FOR_LEAD = re.compile(f"^{_SAME_FOR}", re.IGNORECASE)  # framing, not topic: "same question for"
POINTS_BACK = re.compile(_BACK_REFERENCE, re.IGNORECASE)
# "what about X?", "and X?", "now X", "same for X": the previous question about another subject (not "only X")
SWITCH_LEAD = re.compile(
    rf"^\s*(?:(?:and|but)\s+)?(?:what|how)\s+about\b|^\s*(?:and|now|but|also)\b(?!\s+(?:only|just)\b)|^{_SAME_FOR}",
    re.IGNORECASE,
)
SCOPE_ONLY = re.compile(_LEAD_WORDS, re.IGNORECASE)


def referenced(question: str) -> tuple[int, ...]:
    """The numbers of the previous answer's papers a question points at (1-based; -1 is the last one, -2 the one
    before), in the order written."""
    found: list[tuple[int, list[int]]] = []
    for match in _REFERENCE.finditer(question):
        word, cited, numbered, ending = match.groups()
        word = word or ending
        found.append((match.start(), [_ORDINALS[word.lower()] if word else int(cited or numbered)]))
    for match in _RANGE.finditer(question):
        end, count = match.group(1).lower(), match.group(2).lower()
        size = _HOW_MANY.get(count) or int(count)
        found.append((match.start(), list(range(1, size + 1)) if end == "first" else list(range(-size, 0))))
    for match in _NUMBER_LIST.finditer(question):
        found.append((match.start(), [int(n) for n in re.findall(r"\d{1,3}", match.group(1))]))
    for match in _ORDINAL_LIST.finditer(question):
        found.append((match.start(), [_ORDINALS[w.lower()] for w in re.findall(r"[a-z]+", match.group(1), re.I)
                                      if w.lower() in _ORDINALS]))
    return tuple(dict.fromkeys(n for _, numbers in sorted(found, key=lambda f: f[0]) for n in numbers))


def without_references(question: str) -> str:
    """The question without the words that point at papers ("the second one", "[3]", "the first two"): no topic."""
    for pattern in (_REFERENCE, _RANGE, _NUMBER_LIST, _ORDINAL_LIST):
        question = pattern.sub(" ", question)
    return question


def without_pointers(question: str) -> str:
    """... and without the words that lead a follow-up: what it asks of the papers ("and the second?" asks
    nothing of its own)."""
    return SCOPE_ONLY.sub(" ", without_references(question))


def is_follow_up(question: str) -> bool:
    """Whether a question leans on the previous turn ("which of those are orals?", "and the spotlights?")."""
    return bool(_FOLLOW_UP.search(without_own_pronouns(question)))


# A pronoun in a relative clause of the question's own subject points at that subject, not at the previous answer:
# "models that connect pictures with the words that describe them", "methods that train GANs and evaluate them".
_PRONOUN = re.compile(r"\b(?:them|they|their|it|its)\b", re.IGNORECASE)
_RELATIVE = re.compile(rf"\b(?:{'|'.join(RELATIVE_PRONOUNS)})\b", re.IGNORECASE)
OWN_SUBJECT_WORDS = 2  # content words before the clause that make a subject of its own ("papers that cite it": none)


def without_own_pronouns(question: str) -> str:
    """The question without the pronouns that point inside it (see _PRONOUN)."""
    for match in reversed(list(_PRONOUN.finditer(question))):
        clauses = list(_RELATIVE.finditer(question[: match.start()]))  # the pronoun's clause: the last one before it
        before = WORD.findall(question[: clauses[-1].start()]) if clauses else []
        if sum(1 for w in before if is_content_word(w)) >= OWN_SUBJECT_WORDS:
            question = question[: match.start()] + question[match.end():]
    return question


FOLLOW_UP_MARK = " (follow-up to: "  # how the offline condensing writes a follow-up's standalone question


def standalone_of(question: str, before: str) -> str:
    """A follow-up carrying the previous (standalone) question along, so its topic is not lost."""
    return f"{question}{FOLLOW_UP_MARK}{before})"
