"""What a question asks that a listing does not record: citation counts ("the most cited paper"), awards ("which
paper won the best paper award?"), reviews and scores, rejected or withdrawn submissions (a listing of accepted
papers holds none), judgements of quality ("the most interesting papers", "which papers are worth reading?"; "the
best paper on X" stays the best-matched one). No paper can be picked by them: the answer says so
(spelling.reading_note), the words are no topic, and a question with nothing else to ask lists no paper rather than
an arbitrary one. Rules only.
"""

from __future__ import annotations

import re

# (what the listing does not record, as the notice names it; how a question asks for it)
_ASKED: tuple[tuple[str, str], ...] = (
    ("citation counts", r"\b(?:most|highly|least|heavily|widely|frequently)[- ]cited\b|\bcitation\s+counts?\b"
                        r"|\b(?:number\s+of|how\s+many)\s+citations\b|\bh-?index\b|\bmost\s+citations\b"),
    ("awards", r"\bbest[- ]paper\s+awards?\b|\b(?:outstanding|test[- ]of[- ]time)\s+paper(?:\s+awards?)?\b"
               r"|\baward[- ]winning\b|\bwon\s+(?:an?\s+|the\s+)?(?:\w+\s+){0,2}awards?\b|\bawards?\b"),
    ("reviews or scores", r"\breview(?:er)?s?['\u2019]?\s+(?:scores?|ratings?|comments?)\b|\bmeta-?reviews?\b"
                          r"|\b(?:review|reviewer)\s+scores?\b|\bratings?\s+(?:from|by|of)\s+(?:the\s+)?reviewers\b"
                          r"|\b(?:highest|lowest|average)[- ]rated\b"),
    ("rejected or withdrawn submissions", r"\b(?:were|was|got|been|being)\s+(?:rejected|withdrawn)\b"
                                          r"|\b(?:rejected|withdrawn|desk-rejected)\s+(?:papers?|submissions?|by\s+(?:the\s+)?reviewers)\b"),
)
# "the most interesting papers", "which ones are worth reading?": an opinion of the papers, which no listing holds
_QUALITY = (r"interesting|important|influential|impactful|notable|noteworthy|exciting|promising|impressive|cool(?:est)?"
            r"|great(?:est)?|groundbreaking|must[- ]reads?")
_DEGREE = r"(?:(?:the\s+)?(?:most|really|very|particularly|truly)\s+)?"
_QUALITY_ASKED = "judgements of quality or interest"
_ASKED += (
    (_QUALITY_ASKED,
     rf"\b(?:the\s+)?{_DEGREE}(?:{_QUALITY}|good)(?=\s+(?:(?:new|recent)\s+)?(?:papers?|works?|ones?|articles?"
     r"|reads?|contributions?|studies|publications?)\b)"
     rf"|\b(?:are|is|were|seem|seems|look|looks)\s+{_DEGREE}(?:{_QUALITY})\s*(?=[?.!]|$)"
     r"|\bmust[- ]reads?\b|\bworth\s+(?:reading|a\s+read|my\s+time)\b"),
)
_PATTERNS = tuple((what, re.compile(pattern, re.IGNORECASE)) for what, pattern in _ASKED)


def unrecorded_asked(question: str) -> tuple[tuple[str, ...], str]:
    """(what the question asks that the listing does not record; the question without those words)."""
    missing = []
    for what, pattern in _PATTERNS:
        if pattern.search(question):
            missing.append(what)
            question = pattern.sub(" ", question)
    return tuple(missing), re.sub(r"\s+", " ", question).strip()


def unrecorded_note(missing: tuple[str, ...]) -> str:
    """The notice: "The listing records no citation counts: no paper can be picked or ranked by them."."""
    if not missing:
        return ""
    hint = (" Name a topic to see its papers, or ask for the orals (the papers the conference chose for a talk)."
            if _QUALITY_ASKED in missing else "")
    return (f"The listing records no {' or '.join(missing)} (only titles, authors, abstracts, keywords and "
            f"decisions): no paper can be picked or ranked by them.{hint}")
