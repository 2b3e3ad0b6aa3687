"""Typos in questions, corrected against the listing's own words before anything else reads the question: the
plan (plan.py) respells it first, so dense and keyword retrieval, the topic and the screening's terms all see "graph
neural networks", not "grpah neural networks", and the answer says what was read (`correction_note`).

The rule (`nearest`): a word that the listing never writes is replaced by the word the most papers write that is
one typo away (a letter dropped, added or changed, or two neighbours swapped), if the word is long enough for that
kind of typo (MIN_LETTERS). Author names, acronyms, framing words, words with digits and words the tokenizer holds
whole (ordinary words: `is_whole_word`) are never touched (`respell_question`)."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass

from ..chunking import count_tokens
from ..text import and_list
from ..words.vocabulary import FRAME_WORDS, STOPWORDS, TOKEN
from .affiliations import affiliation_note
from .unrecorded import unrecorded_note

# The fewest letters a word needs for each kind of typo to be corrected: shorter words are too close to other real
# words ("stock" is no typo of "stoc", "spare" none of "sparse", "folding" none of "holding"), while neighbours
# swapped rarely make another word ("grpah").
MIN_LETTERS = {"swap": 5, "drop": 6, "add": 6, "change": 9}  # "tricking" is no typo of "tracking"
COMMON_RATIO = 20


def typo_kind(written: str, right: str) -> str | None:
    """How `written` is one typo off `right`: a letter dropped or added, changed, or two neighbours swapped."""
    if written == right or abs(len(written) - len(right)) > 1:
        return None
    if len(written) != len(right):
        short, long = sorted((written, right), key=len)
        if not any(long[:i] + long[i + 1 :] == short for i in range(len(long))):
            return None
        return "drop" if written is short else "add"
    diff = [i for i in range(len(written)) if written[i] != right[i]]
    if len(diff) == 1:
        return "change"
    swapped = len(diff) == 2 and diff[1] == diff[0] + 1 and written[diff[0]] == right[diff[1]] \
        and written[diff[1]] == right[diff[0]]
    return "swap" if swapped else None


def one_edit_apart(a: str, b: str) -> bool:
    """One letter inserted, dropped, changed, or two neighbours swapped."""
    return a == b or typo_kind(a, b) is not None


def nearest(word: str, counts: Mapping[str, int]) -> str | None:
    """The correction of a word the listing never writes (see the module's rule); None when there is none. `counts`
    maps the listing's words (or stemmed terms) to the number of papers using them; keys with a space are ignored.
    A long word one abstract writes counts as unwritten beside a neighbour COMMON_RATIO times as common: that
    abstract has the same typo ("reinforcment": 1 paper, "reinforcement": 173)."""
    written = counts.get(word, 0)
    if len(word) < min(MIN_LETTERS.values()) or written > 1 or (written and len(word) < MIN_LETTERS["drop"]):
        return None
    least = max(1, written * COMMON_RATIO)
    near = [k for k in _one_typo_off(word) if counts.get(k, 0) >= least and _fixes(word, k)]
    # the likelier typo first, then the commoner word: "casues" is "causes" with two letters swapped, not "cases"
    # with a letter added
    return max(near, key=lambda k: (_LIKELIER[typo_kind(word, k) or "change"], counts[k], k)) if near else None


_LIKELIER = {"swap": 3, "drop": 2, "add": 2, "change": 1}


def likelier(kind: str) -> int:
    """How likely a kind of typo is (a swap above a dropped or added letter, above a changed one): the order in
    which corrections are preferred, for words here and for author names (authors.py)."""
    return _LIKELIER[kind]


_ALPHABET = "abcdefghijklmnopqrstuvwxyz"


def _one_typo_off(word: str) -> set[str]:
    """Every string one typo off a word (about 54 per letter), looked up rather than scanning the vocabulary: a
    long question of unknown words costs milliseconds, not seconds."""
    splits = [(word[:i], word[i:]) for i in range(len(word) + 1)]
    dropped = {a + b[1:] for a, b in splits if b}
    swapped = {a + b[1] + b[0] + b[2:] for a, b in splits if len(b) > 1}
    changed = {a + c + b[1:] for a, b in splits if b for c in _ALPHABET}
    added = {a + c + b for a, b in splits for c in _ALPHABET}
    return (dropped | swapped | changed | added) - {word}


def _fixes(written: str, right: str) -> bool:
    kind = typo_kind(written, right)
    return kind is not None and len(written) >= MIN_LETTERS[kind] and not is_inflection(written, right)


def is_inflection(written: str, right: str) -> bool:
    """"sounds" of "sound", "spotlights" of "spotlight": the listing writes another form of the word, no typo. A
    word in "-ss" is no plural: "robustnes" is "robustness" with a letter dropped (it had been read as a singular
    and matched no paper)."""
    plural, singular = (written, right) if len(written) > len(right) else (right, written)
    return plural == singular + "s" and not plural.endswith("ss")


def listing_words(texts: Iterable[str]) -> Counter[str]:
    """The lowercase words of the listing's texts, each with the number of texts using it."""
    found: Counter[str] = Counter()
    for text in texts:
        found.update({w.lower() for w in TOKEN.findall(text)})
    return found


def is_whole_word(word: str) -> bool:
    """A word the tokenizer's vocabulary holds whole (" causes", " bananas": one cl100k_base token each): an ordinary
    word, never a typo, even in a small listing that does not write it ("causes" was read as "cases" in a listing of
    40 papers). A typo splits into pieces (" grpah", " reinforcment": 2 and 3 tokens)."""
    return count_tokens(" " + word) == 1


@dataclass(frozen=True)
class Respelt:
    """A question with its typos corrected, and each correction as (written, read)."""

    text: str
    corrections: tuple[tuple[str, str], ...] = ()


_LETTERS = re.compile(r"(?<![\w-])[^\W\d_]+(?![\w])|(?<=-)[^\W\d_]+(?![\w])", re.UNICODE)  # no digits, no "_"


def respell_question(question: str, counts: Mapping[str, int], is_name: Callable[[str], bool]) -> Respelt:
    """The question with each typo corrected (see `nearest`), in the case it was written in. Untouched: words the
    listing writes, names (`is_name`, lowercased), acronyms ("GFlowNets" aside, "GNN"), stopwords and framing
    words (they carry the question's form, not its topic: "summarise" stays)."""
    corrections: dict[str, str] = {}

    def fix(match: re.Match[str]) -> str:
        written = match.group()
        lower = written.lower()
        if (lower in STOPWORDS or lower in FRAME_WORDS or is_name(lower) or (len(written) > 1 and written.isupper())
                or any(c.isupper() for c in written[1:]) or is_whole_word(lower)
                or _a_name_written(question, match)):
            return written
        read = nearest(lower, counts)
        if read is None:
            return written
        corrections[lower] = read
        return read.capitalize() if written[0].isupper() else read

    text = _LETTERS.sub(fix, question)
    return Respelt(text, tuple(corrections.items()))


_NAME_CUE = re.compile(r"\b(?:by|did|has|have|with)\s+$", re.IGNORECASE)


def _a_name_written(question: str, match: re.Match[str]) -> bool:
    """A capitalised word after "by" or "did" ("papers by Kaiming He", "did Kaiming He publish"): a person's name,
    perhaps one the listing does not hold, never a typo of a listing word."""
    return match.group()[:1].isupper() and bool(_NAME_CUE.search(question[: match.start()]))


def correction_note(searched: str, corrections: Iterable[tuple[str, str]]) -> str:
    """What the answer says about the typos it corrected: "Searched for ‘graph neural networks’ (‘grpah’ read as
    ‘graph’)."."""
    read = ", ".join(f"\u2018{written}\u2019 read as \u2018{right}\u2019" for written, right in corrections)
    return f"Searched for \u2018{searched}\u2019 ({read})." if searched else f"Read {read}."


SHOWN_NAMES = 5  # names a notice lists before "and N others"


def _some(names: Sequence[str]) -> str:
    if len(names) <= SHOWN_NAMES:
        return and_list(names)
    return f"{', '.join(names[:SHOWN_NAMES])} and {len(names) - SHOWN_NAMES} others"


def name_note(said: str, names: Sequence[str]) -> str:
    """What the answer says about an author's name read from a near miss: "Reading ‘Sergey Levin’ as Sergey
    Levine."; or, when several names are about as close, that none was chosen and which they are."""
    if len(names) == 1:
        return f"Reading \u2018{said}\u2019 as {names[0]}."
    return (f"No author of the listing is named \u2018{said}\u2019, and {and_list(names)} are about as close: "
            "nothing is listed for it; ask again with the name you mean.")


def reading_note(
    topic: str, corrections: Sequence[tuple[str, str]], names: Sequence[tuple[str, Sequence[str]]] = (),
    glossary: tuple[str, str] | None = None, scope: str = "", institution: str = "", elsewhere: Sequence[str] = (),
    shared: Sequence[tuple[str, Sequence[str]]] = (), unrecorded: tuple[str, ...] = (),
) -> str:
    """What an answer or a search says it read ("" when the question was read as typed): authors' names read from
    near misses (`name_note`), that no paper is picked by institution (`affiliations.affiliation_note`), the typos
    corrected (`correction_note`); for a search also the glossary's term (said, term) and the filters its words
    named (`scope`: "orals only, by Chelsea Finn"); `institution`: the one the plan took out of the topic;
    `elsewhere`: the venues and years named that the listing holds no paper of; `shared`: surnames named that
    several authors share, with their names; `unrecorded`: what was asked that a listing does not record."""
    parts = [note for note in (unrecorded_note(unrecorded),) if note]
    parts += [name_note(said, close) for said, close in names]
    parts += [f"\u2018{said}\u2019 names {len(authors)} authors of the listing ({_some(authors)}): "
              "the papers of each are listed; name one to see only theirs." for said, authors in shared]
    if elsewhere:
        named = " or ".join(f"\u2018{e}\u2019" for e in elsewhere)
        parts.append(f"This listing has no papers from {named}: the answer is about the papers it has.")
    parts += [note for note in (affiliation_note(topic, institution),) if note]  # no affiliations in a listing
    if corrections:
        parts.append(correction_note(topic, corrections))
    if glossary is not None:
        parts.append(f"Searched with \u2018{glossary[1]}\u2019 (read from: \u2018{glossary[0]}\u2019).")
    if scope:
        parts.append(f"Filtered: {scope}.")
    return " ".join(parts)


def retrieval_text(text: str, corrections: Iterable[tuple[str, str]], written: Mapping[str, int]) -> str:
    """What retrieval reads for a question with typos: each word no paper writes as the listing writes it ("grpah
    neural networks" -> "graph neural networks"). A word one abstract writes stays as typed for retrieval (the plan's
    topic and the screening still read the correction): it may be no typo but that paper's own term ("tocopheryl",
    read as "tocopherol", was the one relevant paper's word; SciFact nDCG@10 0.7350 with every correction, 0.7373
    with none, 0.7368 so)."""
    for typed, read in corrections:
        if not written.get(typed):
            text = re.sub(rf"(?<![\w-]){re.escape(typed)}(?![\w-])", read, text, flags=re.IGNORECASE)
    return text
