"""How a question asks to rank AUTHORS (read by plan.intent_of, the one place intents are decided): "who published
the most papers?", "most prolific authors", "which authors have the most papers on RL?", "who works on graph neural
networks?", "who are the main people working on diffusion models?", "top 10 authors of orals", "how many authors does
the listing have?". Not: "papers by X", "who is X?" (X's papers), "how many papers did X write?" (a count), "which
papers study authorship attribution?", "what did X's group publish?". Rules only (no imports of the pipeline, so
plan.py can read them); the answer is author_ranking.py's.
"""

from __future__ import annotations

import re

DEFAULT_TOP = 10
MAX_TOP = 50
_NUMBER_WORDS = {"three": 3, "five": 5, "ten": 10, "fifteen": 15, "twenty": 20, "thirty": 30, "forty": 40,
                 "fifty": 50, "hundred": 100, "dozen": 12}
_NUMBER = rf"(?:\d{{1,3}}|{'|'.join(_NUMBER_WORDS)})"
# Who a ranking is about (not "authorship", not "groups": "what did Percy Liang's group publish?" lists papers).
_PEOPLE = (r"(?:(?:co-?)?authors?|people|persons|researchers?|scientists?|contributors?|individuals|names|experts"
           r"|collaborators?)\b")
_WHO_VERB = r"(?:published|publishes|wrote|writes|written|authored|co-?authored|has|have|had|got|presented|contributed)"
_RANKS_AUTHORS = re.compile(
    # "who published the most papers?", "who has the most orals?", "which author wrote the most papers on RL?"
    rf"\bwho\s+(?:has\s+|have\s+|had\s+)?{_WHO_VERB}\s+(?:the\s+)?most\b"
    rf"|^\s*(?:and\s+)?(?:which|what)\s+(?:\w+\s+)?{_PEOPLE}\s+(?:have\s+|has\s+|had\s+)?{_WHO_VERB}\s+(?:the\s+)?most\b"
    rf"|\b{_PEOPLE}\s+(?:with|having|who\s+have|that\s+have|who\s+wrote|who\s+published)\s+(?:the\s+)?most\b"
    # "which authors appear most often?", "who appears on the most papers?", "an author leaderboard"
    rf"|\b{_PEOPLE}\s+(?:appear|appears|show\s+up|shows\s+up|occur|occurs)\s+(?:the\s+)?most(?:\s+often|\s+frequently)?\b"
    r"|\bwho\s+(?:appears|shows\s+up|is|['\u2019]s)\s+(?:on|in)\s+(?:the\s+)?most\b"
    r"|\b(?:authors?|researchers?)\s+(?:leaderboard|leader\s+board|rankings?|league\s+table)\b"
    # "who is the most prolific?", "most prolific authors", "top 10 authors", "the main people"
    r"|\bwho(?:\s+is|\s+are|\s+was|\s+were|['\u2019]s)\s+(?:the\s+)?(?:most\s+)?(?:prolific|productive)\b"
    rf"|\b(?:(?:the\s+)?most\s+)?(?:prolific|productive|frequent|published|represented)\s+(?:{_NUMBER}\s+)?{_PEOPLE}"
    rf"|\b(?:the\s+)?(?:top|leading|main|key|major|biggest|notable|prominent|most\s+active)\s+(?:{_NUMBER}\s+)?{_PEOPLE}"
    rf"|\b(?:the\s+)?{_NUMBER}\s+(?:most\s+\w+\s+)?{_PEOPLE}\s+(?:with|having|who\s+have|that\s+have)\b"
    rf"|\brank(?:ing|ed)?\s+(?:of\s+)?(?:the\s+)?{_PEOPLE}|\b{_PEOPLE}\s+rank(?:ed|ing)\b"
    # "who works on GNNs?", "who are the people working on diffusion models?", "which researchers study X?"
    # ("who wrote about X?" lists the papers on X: each is shown with its authors)
    r"|^\s*(?:and\s+)?who\s+(?:else\s+)?(?:(?:works?|worked|is\s+working|are\s+working|does\s+research|do\s+research)"
    r"\s+(?:on|about|in|into)|researches|studies|studied|(?:is|are)\s+studying)\b"
    rf"|^\s*(?:and\s+)?who(?:\s+are|\s+is|\s+were|\s+was|['\u2019]s)\s+(?:the\s+)?(?:\w+\s+)?{_PEOPLE}\s+(?:working"
    r"|researching|publishing|studying|active|behind|in|on)\b"
    # "list the authors who work on X", "people working on X", "names of researchers studying X" (as the question's
    # subject: "which papers study how people work on teams?" asks for papers)
    rf"|^\s*(?:(?:please\s+)?(?:list|show|name|give|find|get|tell)\s+(?:me\s+)?)?(?:the\s+|all\s+)?(?:names\s+of\s+"
    rf"(?:the\s+)?)?(?:\w+\s+)?{_PEOPLE}\s+(?:(?:who\s+|that\s+)?(?:work|works|working|worked|publish|publishing"
    r"|published)\s+(?:on|about|in|into)|(?:who\s+|that\s+)?(?:study|studies|studied|research|researches|studying"
    r"|researching))\b"
    rf"|^\s*(?:and\s+)?(?:which|what)\s+{_PEOPLE}\s+(?:(?:work|works|worked|are\s+working|publish|published|wrote"
    r"|write)\s+(?:on|about|in|into)|study|studied|research|(?:are|were)\s+studying)\b"
    # "who are Chelsea Finn's co-authors?", "co-authors of X", "who collaborates most with X?", "who has X worked
    # with?": the authors of X's papers, ranked (the plan's author filter holds X)
    r"|\b(?:co-?authors?|collaborators?)\s+of\b|['\u2019]s\s+(?:co-?authors?|collaborators?)\b"
    r"|\bwho\s+(?:\w+\s+)?(?:collaborates?|collaborated|works?|worked|co-?authors?|co-?authored)\s+(?:the\s+)?"
    r"(?:most\s+)?(?:often\s+)?with\b"
    r"|\bwho\s+(?:did|has|have|does|do)\s+.+?\s+(?:work|worked|collaborate|collaborated|co-?author|co-?authored"
    r"|publish|published|write|written)\s+with\b"
    # "how many authors does the listing have?", "the number of distinct authors"
    r"|\bhow\s+many\s+(?:distinct\s+|unique\s+|different\s+)?(?:co-?)?(?:authors|researchers)\b"
    r"|\bnumber\s+of\s+(?:distinct\s+|unique\s+|different\s+)?(?:co-?)?(?:authors|researchers)\b",
    re.IGNORECASE,
)
_TOP_N = re.compile(
    rf"\b(?:top|first|the)\s+({_NUMBER})\b|\b({_NUMBER})\s+(?:most\s+\w+\s+|leading\s+|main\s+|top\s+)?{_PEOPLE}",
    re.IGNORECASE,
)


def asks_for_authors(question: str) -> bool:
    """Whether a question asks which authors publish (most) rather than for papers: "who published the most
    papers?", "who works on X?", "top 10 authors of orals". "papers by X", "who is X?", "how many papers did X
    write?", "which papers study authorship attribution?" are not."""
    return _RANKS_AUTHORS.search(question) is not None


def without_ranking_words(text: str) -> str:
    """The question without its ranking framing ("which authors have the most", "top 10 authors", "who works"), so
    that only the topic is left: "which authors have the most papers on RL?" -> " papers on RL?"."""
    return _TOP_N.sub(" ", _RANKS_AUTHORS.sub(" ", text))


def top_asked(question: str) -> int:
    """How many authors the question asks for: "top 20 authors" -> 20; DEFAULT_TOP unless said; at most MAX_TOP."""
    match = _TOP_N.search(question)
    said = (match.group(1) or match.group(2)).lower() if match else ""
    number = int(said) if said.isdigit() else _NUMBER_WORDS.get(said, DEFAULT_TOP)
    return max(1, min(number, MAX_TOP))
