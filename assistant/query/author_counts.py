"""How many authors a question wants its papers to have: "single-author papers", "papers with only one author",
"papers with more than 10 authors", "at least 5 authors", "fewer than three authors". A listing records its papers'
authors, so this is a filter (Filters.authors_between), never topic words ("10" found CIFAR-10 papers). Rules only.
"""

from __future__ import annotations

import re

_NUMBER = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9,
           "ten": 10, "a single": 1, "single": 1}
_N = rf"(\d{{1,3}}|{'|'.join(sorted(_NUMBER, key=len, reverse=True))})"
_AUTHORS = r"(?:co-?)?authors?"
_BOUND = re.compile(  # after "with", "have", "by", "of" (not "top 10 authors": a ranking, authorship.py)
    rf"\b(?:with|having|has|have|had|by|of|written\s+by)\s+(?P<how>more\s+than|over|at\s+least|fewer\s+than"
    rf"|less\s+than|at\s+most|under|exactly|only|just)?\s*{_N}\s+(?P<plus>or\s+more\s+)?(?:different\s+)?"
    rf"{_AUTHORS}\b"
    r"(?P<more>\s+or\s+more)?",
    re.IGNORECASE,
)
_SOLO = re.compile(r"\b(?:single|sole|solo|one)[- ](?:author(?:ed)?|authorship)\b|\bsolo[- ]authored\b"
                   r"|\bwritten\s+(?:by\s+)?(?:a\s+)?(?:single|one)\s+(?:person|author)\b", re.IGNORECASE)


def authors_wanted(question: str) -> tuple[tuple[int, int] | None, str]:
    """(the smallest and largest number of authors wanted, None when the question asks nothing of it; the question
    without those words): "papers with more than 10 authors" -> ((11, 10**6), "papers")."""
    solo = _SOLO.search(question)
    if solo is not None:
        return (1, 1), _without(question, solo)
    found = _BOUND.search(question)
    if found is None:
        return None, question
    said = found.group(2).lower()
    n = int(said) if said.isdigit() else _NUMBER[said]
    how = (found.group("how") or "").lower().split()
    many = 10**6
    if found.group("more") or found.group("plus") or how == ["at", "least"]:
        bounds = (n, many)
    elif how[:1] in (["more"], ["over"]):
        bounds = (n + 1, many)
    elif how[:1] in (["fewer"], ["less"], ["under"]):
        bounds = (1, max(1, n - 1))
    elif how == ["at", "most"]:
        bounds = (1, n)
    else:
        bounds = (n, n)  # "exactly 3 authors", "only one author", "papers with 2 authors"
    return bounds, _without(question, found)


def _without(question: str, found: re.Match[str]) -> str:
    return re.sub(r"\s+", " ", question[: found.start()] + " " + question[found.end() :]).strip()


def describe(bounds: tuple[int, int]) -> str:
    """"with one author", "with 11 or more authors", "with 2 to 4 authors"."""
    low, high = bounds
    if low == high:
        return "with a single author" if low == 1 else f"with {low} authors"
    if high >= 10**6:
        return f"with {low} or more authors"
    return f"with {low} to {high} authors" if low > 1 else f"with at most {high} authors"
