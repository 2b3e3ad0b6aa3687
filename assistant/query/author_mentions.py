"""Which author(s) a question names, beyond the first name `authors.find_author` reads: a co-author named with it
("papers by X and Y"), a surname asked alone ("Bengio?"), a name the listing does not hold ("papers by John
Smithson": still an author filter, matching no paper), and the given name said before a surname ("Russ
Salakhutdinov"), which is no topic word. The query plan (plan.py) calls these."""

from __future__ import annotations

import re
from collections.abc import Callable

from ..words.vocabulary import SET_NOUN, is_content_word, words
from .affiliations import institution_in
from .author_index import AuthorIndex, AuthorMention
from .authors import find_author

_AND = re.compile(r"^\s*(?:,\s*)?(?:and|&|with|plus)\s+", re.IGNORECASE)


def co_author(question: str, first: AuthorMention | None, index: AuthorIndex) -> AuthorMention | None:
    """A second author named with the first: "by X and Y", "X with Y", or anywhere by a full name."""
    if first is None:
        return None
    after = question[first.end :]
    joined = _AND.match(after)
    if joined:
        rest = after[joined.end() :]
        found = find_author(rest, index, cue_required=False)
        if found is not None and found.start == 0 and found.name != first.name:
            return found
    blanked = question[: first.start] + " " * (first.end - first.start) + after
    found = find_author(blanked, index)
    if found is None or found.name.lower() in first.name.lower() or first.name.lower() in found.name.lower():
        return None  # the same author ("Li" of "Fei-Fei Li" for "Li Fei-Fei")
    between = question[first.end : found.start] if found.start >= first.end else question[found.end : first.start]
    return found if between.strip() else None  # a cue the first name gave ("by Fei-Fei| Li") is none for it


# "papers by John Smithson", "written by Jane Doe": a name the listing does not hold is still an author filter
# (it matches no paper), not topic words that make every paper on the rest of the topic match.
_NAME = r"((?:[A-Z][\w'\u2019-]*\.?\s+){1,2}[A-Z][\w'\u2019-]*[a-z][\w'\u2019-]*)\b"
_NAMED = (
    re.compile(rf"(?:\b{SET_NOUN}\s+(?:(?:co-?)?(?:written|authored)\s+)?by|\b(?:co-?)?(?:written|authored)\s+by)"
               rf"\s+{_NAME}"),
    re.compile(rf"\b(?:did|has|have|does)\s+{_NAME}(?=\s+(?:co-?author|author|publish|write|present|submit))"),
)


def bare_name(question: str, index: AuthorIndex, topic_of: Callable[[str], str]) -> AuthorMention | None:
    """A question that is only an author's surname ("Bengio", "Levine?", "Hinton papers"): nothing else to ask.
    `topic_of` is the plan's topic reader (passed in, since plan.py imports this module)."""
    found = find_author(question, index, cue_required=False)
    if found is None or len(found.said) < 3 or topic_of(question[: found.start] + " " + question[found.end :]):
        return None  # ("Re?", "Go?" are no names asked for)
    return found


def unknown_author(question: str) -> AuthorMention | None:
    """A capitalised name after "papers by", "written by" or "has X published": an author the listing may not hold."""
    for pattern in _NAMED:
        match = pattern.search(question)
        said = words(match.group(1)) if match is not None else []
        # every word a content word, but a short surname may be any word ("Kaiming He", "Tengyu Ma")
        if match is not None and all(is_content_word(w) for w in said[:-1]) and said[-1][:1].isupper() \
                and institution_in(match.group(1)) is None:  # "what did Google Brain publish?": no person
            return AuthorMention(match.group(1), match.group(1), match.start(1), match.end(1))
    return None


_GIVEN = re.compile(r"([A-Z][a-z'\u2019-]+)\s+$")


def given_name_before(question: str, mention: AuthorMention) -> int:
    """Where the mention starts, with the given name before a surname read alone ("Russ Salakhutdinov": the listing
    writes "Ruslan"), which is no topic word."""
    if " " in mention.said.strip():
        return mention.start
    given = _GIVEN.search(question[: mention.start])
    if given is None or not is_content_word(given.group(1)):
        return mention.start
    return given.start()


def names_read(*mentions: AuthorMention | None) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """The authors read from near misses, as (said, (name,)): "Sergey Levin" as Sergey Levine; or (said, close
    names) when several were about as close and none was read (the author filter then matches no paper)."""
    return tuple((m.said, m.close or (m.name,)) for m in mentions if m is not None and (m.respelt or m.close))


def surnames_shared(*mentions: AuthorMention | None) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """The surnames named that several authors of the listing share, as (said, their names): "levine" for
    Alexander, Sergey and Yoav Levine."""
    return tuple((m.said, m.several) for m in mentions if m is not None and m.several)
