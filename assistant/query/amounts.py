"""How many papers a question wants shown: "give me 5 papers on meta-learning", "recommend three papers about
diffusion models", "a few papers on pruning". The set answer still counts every matching paper, and lists the
best-matched that many (set_answer.compose). "how many papers ...?" counts; "the first two" points at papers of the
previous answer (turns.py): neither is an amount.
"""

from __future__ import annotations

import re

NUMBER_WORDS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9,
                "ten": 10, "a couple of": 2, "a few": 3, "some": 0}
MAX_WANTED = 50
_COUNTED = [w for w in NUMBER_WORDS if w != "some" and " " not in w]  # "two", not "a few"
_AMOUNT = re.compile(  # after a verb that asks for papers, or a number at the start ("20 papers on meta-learning")
    r"(?:\b(?:give|show|list|recommend|suggest|find|name|pick|get|send|want|need|share|top|best)\b[^?.!]{0,24}?\b"
    rf"(\d{{1,2}}|{'|'.join(w for w in NUMBER_WORDS if w != 'some')})|^\s*(\d{{1,2}}|{'|'.join(_COUNTED)}))\s+"
    r"(?:(?:good|great|relevant|key|important|interesting|recent|strong|notable|representative|example)\s+){0,2}"
    r"(?P<noun>papers|works|articles|publications|readings|examples|references|orals|spotlights|posters)\b",
    re.IGNORECASE,
)


# "what's the best paper on X?", "the most influential papers on X": the listing ranks no paper by merit, so the
# best-matched one (or BEST_PAPERS) is listed, its heading says "best-matched", and "best" is no topic word
BEST_PAPERS = 5
_BEST = re.compile(r"\b(?:the\s+)?(?:best|top|most\s+(?:important|influential|cited|notable|relevant|interesting)"
                   r"|must-read)\s+(?P<noun>paper|papers)\b", re.IGNORECASE)


def wanted_amount(question: str) -> tuple[int, str]:
    """(how many papers the question wants shown, 0 for all; the question without the words that ask for the
    amount: "give me 5 good papers on X" -> "papers on X")."""
    found = _AMOUNT.search(question)
    if found is None:
        best = _BEST.search(question)
        if best is None:
            return 0, question
        amount = 1 if best.group("noun").lower() == "paper" else BEST_PAPERS
        return amount, question[: best.start()] + question[best.start("noun"):]
    said = (found.group(1) or found.group(2)).lower()
    amount = int(said) if said.isdigit() else NUMBER_WORDS[said]
    return min(max(amount, 0), MAX_WANTED), question[: found.start()] + question[found.start("noun"):]
