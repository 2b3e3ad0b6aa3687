"""What a question asks for (its intent: list / count / explain / summarize / compare / authors), read by rules
(deterministic; no model involved). The query plan (plan.py) reads the rest of a question: its topic, filters and
scope.
"""

from __future__ import annotations

import re

from ..types import Intent
from ..words.vocabulary import RELATIVE_PRONOUNS, SET_NOUN
from .authorship import asks_for_authors
from .spelling import one_edit_apart
from .topic_phrases import asks_how_to

COUNT = re.compile(
    r"\bhow\s+many\b|\bhow\s+much\s+(?:work|research|papers?)\b|\b(?:the\s+)?(?:total\s+)?number\s+of\b|"
    r"^\s*(?:please\s+)?count\b|\bcount\s+(?:of|the)\b|\bwhat\s+(?:fraction|share|percentage|proportion)\s+of\b"
    r"|^\s*how\s+(?:popular|common|prevalent|widespread|big)\s+(?:is|are|was|were)\b",  # "how popular is X?": a count
    re.IGNORECASE,
)
# "tell me which papers ...", "do you know what papers ...": the request wraps a set question
_ASKED_TO_SAY = (r"(?:(?:please\s+)?(?:can|could|would)\s+you\s+)?(?:please\s+)?(?:tell\s+me|let\s+me\s+know|show\s+me"
                 r"|do\s+you\s+know|i\s+wonder|i\s+(?:want|need|would\s+like|'d\s+like)\s+to\s+know),?\s+")
_LEADING_LIST = re.compile(
    rf"^\s*(?:and\s+|so\s+|ok(?:ay)?,?\s+)?(?:{_ASKED_TO_SAY})?(?:which|what)\s+(?:[\w'\u2019.-]+\s+){{0,6}}?{SET_NOUN}\b"
    r"|^\s*(?:and\s+)?(?:which|what)\s+of\s+(?:them|those|these|the\s+above)\b",
    re.IGNORECASE,
)
SUMMARIZE = re.compile(
    r"\bsummari[sz](?:e|ing)\b|\b(?:a|an)\s+(?:short\s+|brief\s+|quick\s+)?(?:summary|overview)\b|^\s*overview\b"
    r"|\btl;?\s*dr\b|\bgist\s+of\b|\bwhat\s+are\s+the\s+(?:main|key|common|recurring)\s+"
    r"(?:themes?|trends?|ideas|findings|directions|topics)\b|\bsum\s+up\b",
    re.IGNORECASE,
)
COMPARE = re.compile(
    r"^\s*(?:please\s+)?(?:compare|contrast)\b|\bhow\s+(?:does|do|did)\s+.+\s+(?:compare|differ)\b"
    r"|\bdifferences?\s+between\b|\bcompared?\s+(?:to|with)\b|\s(?:vs\.?|versus)\s"
    r"|\b(?:is|are)\s+.+\s+better\s+than\b|\bpros\s+and\s+cons\b",
    re.IGNORECASE,
)
_LIST = re.compile(
    rf"^\s*(?:please\s+)?(?:can|could|would)\s+you\s+(?:please\s+)?(?:list|find|show|name|give|recommend|suggest"
    rf"|point)\b|^\s*(?:please\s+)?(?:list|find|show|name|give|recommend|suggest|search|fetch|get)\b"
    rf"|^\s*(?:are|is)\s+there\b|^\s*(?:any|anything|got\s+any|do\s+you\s+have|have\s+you\s+got)\b"
    rf"|\b(?:i'?m|i\s+am|we'?re|we\s+are)\s+(?:looking|searching)\s+for\b|\bi\s+(?:want|need|would\s+like)\b"
    rf"|\b{SET_NOUN}\s+(?:on|about|that|which|with|by|from|of|regarding|concerning|where|whose|in|co-?authored"
    r"|[a-z]+ing)\b"  # "works investigating why adversarial training overfits"
    rf"|^\s*who\s+(?:wrote|writes|works?|worked|published|studies|studied)\b|\b(?:papers|works|articles|publications|orals|spotlights|posters)\s*[?.!]*\s*$"
    rf"|^\s*(?:has|have|did|does)\s+.+\s+(?:got|have|has|publish|published|write|wrote|present)\s+(?:any|anything)\b"
    r"|^\s*what\s+(?:did|has|have|does)\s+.+\s+(?:publish|write|co-?author|author|present|submit)"
    r"|^\s*what\s+(?:work|research)\s+(?:is\s+there|exists)\b"
    r"|^\s*what(?:['\u2019]s|\s+is)\s+new\s+(?:in|on|with|about|for)\b"  # "what's new in contrastive learning?"
    r"|^\s*what\s+(?:should|could|can|do|would)\s+(?:i|we|you)\s+(?:read|recommend|suggest)\b|\bwhat\s+to\s+read\b"
    r"|^\s*where\s+(?:should|do|can|could)\s+(?:i|we)\s+start\b"  # a reading list: the papers on it
    r"|^\s*what\s+(?:has|have)\s+(?:people\s+|researchers\s+)?(?:been\s+)?(?:done|published|proposed)\b"
    r"|^\s*what\s+(?:work|research|progress)\s+(?:on|about|in|into|regarding|concerning|related\s+to|was|has)\b"
    r"|\b(?:came|comes|come|coming)\s+out\s+of\b",  # "what came out of X's lab?"
    re.IGNORECASE,
)
# A question about ONE paper ("which paper introduced X?", "what's the paper that proposes Y", "the paper titled Z"):
# the best match explained and cited, not a set (but "which papers ..." lists).
_ONE_PAPER = re.compile(
    r"^\s*(?:and\s+|so\s+|ok(?:ay)?,?\s+)?(?:which|what)(?:['\u2019]s|\s+is|\s+was)?\s+(?:the\s+|a\s+)?"
    r"(?:(?:first|original|single|specific|one)\s+)?(?:paper|article|publication|submission|study)\b(?!['\u2019]?s\b)"
    r"|^\s*(?:the|a|that)\s+(?:paper|article|publication)\s+(?:titled|entitled|called|named|with\s+the\s+title)\b"
    r"|\b(?:title|name)\s+of\s+the\s+(?:paper|article)\b"
    r"|^\s*(?:please\s+)?(?:(?:can|could)\s+you\s+)?(?:find|show|give|get|name|tell|point)\s+(?:me\s+)?(?:to\s+)?the\s+"
    r"(?:paper|article|publication)\b(?!['\u2019]?s\b)"  # "find the paper that introduced X"
    r"|\b(?:looking|searching)\s+for\s+the\s+(?:paper|article|publication)\b(?!['\u2019]?s\b)",
    re.IGNORECASE,
)
# A yes/no question about the field ("can attackers recover the training data?", "does anyone study X?", "are
# transformers robust?"): the papers that study it, counted. Not a request to the assistant ("can you explain"),
# nor a question about "it", "this" or "they" (a follow-up about a paper already shown).
_YES_NO = re.compile(
    r"^\s*(?:and\s+|so\s+)?(?:can|could|does|do|did|is|are|was|were|has|have|will|would|should)\s+"
    r"(?!(?:you|i|me|we|it|its|this|that|these|those|they|them|he|she)\b)(?=[\w(])"
    r"|^\s*(?:and\s+)?is\s+it\s+(?:possible|feasible)\b",
    re.IGNORECASE,
)
# Inside a phrase that does not open as a question, "how", "when" or "what" are part of the topic ("teaching an agent
# by showing it how an expert does it", "networks that give the same answer when the input is rotated"): only these
# still ask for an explanation there.
# ... but not in a relative clause: "the words that describe them", "AI that can tell you how sure it is"
_MODALS = ("", "can ", "could ", "will ", "would ", "should ", "may ", "might ", "must ", "cannot ")
_ASKS = re.compile("".join(rf"(?<!\b{w}\s{m})" for w in RELATIVE_PRONOUNS for m in _MODALS)
                   + r"\b(?:why|tell|explain|describe)\b", re.IGNORECASE)
_PLAIN_PHRASE = re.compile(r"[\w\s,;:'\u2019()&+/-]*[?!]?\s*$")  # words only: no '.', braces, '$', '<', '`', '://'
_ABBREVIATION = re.compile(r"\bet al\.|\b[A-Z]\.(?=\s)|\b(?:e\.\s?g|i\.\s?e|etc|vs|cf)\.", re.IGNORECASE)
_WHICH_START = re.compile(r"\s*(?:and\s+)?which\b", re.IGNORECASE)  # "which papers summarize ..." lists
QUESTION_START = re.compile(
    r"^\s*(?:how|why|what|when|where|who|whom|whose|which|is|are|was|were|do|does|did|can|could|should|would|will"
    r"|has|have|explain|describe|tell)\b", re.IGNORECASE,
)
_PAPER_TYPO = re.compile(r"\bp[aper]{3,6}s?\b", re.IGNORECASE)  # "papres", "paers", "pappers": letters of "papers"


def spell_paper_words(question: str) -> str:
    """"papres on meta learning": a misspelt "paper(s)" written right, so the question still reads as a set
    question and the typo does not become a topic word."""
    def fix(match: re.Match[str]) -> str:
        word = match.group().lower()
        if word in ("papers", "paper"):
            return match.group()
        for right in ("papers", "paper"):
            if one_edit_apart(word, right):
                return right
        return match.group()
    return _PAPER_TYPO.sub(fix, question)


def intent_of(question: str) -> Intent:
    """authors > count > summarize > "which/what paper ..." (one: explain) > "which/what papers ..." (list) > compare >
    a goal ("how do I ...", "is there a way to ...": list) > other list phrasings and yes/no questions about the
    field (list) > explain. A bare phrase with no question form ("graph transformers positional encodings") is a
    search: list."""
    if asks_for_authors(question):
        return "authors"  # "who published the most papers?", "who works on X?": authors ranked (authorship.py)
    if COUNT.search(question):
        return "count"
    if SUMMARIZE.search(question) and not _WHICH_START.match(question):
        return "summarize"  # "summarize the papers on X", "what are the main themes of the papers on X"
    if _ONE_PAPER.search(question):
        return "explain"  # "which paper introduced X?": one paper, the best match first
    if _LEADING_LIST.search(question):
        return "list"
    if COMPARE.search(question):
        return "compare"
    if asks_how_to(question):
        return "list"  # "how do I make my GNN deal with over-squashing?": the papers that work towards the goal
    if _LIST.search(question) or _YES_NO.search(question):
        return "list"  # "is there any work on X?", "can attackers recover training data?": the papers on it
    # A phrase with no question form ("diffusion models for image generation", "AI for designing drugs?") is a
    # search for papers. A sentence ending in a period is a statement (a claim to check), and a command ("Read the
    # file /x and tell me what it says") or text with code, paths or markup is no search phrase: explained.
    words_only = _ABBREVIATION.sub(" ", question)  # "Finn et al. meta-learning", "J. B. Tenenbaum papers"
    bare = not QUESTION_START.search(question) and not _ASKS.search(question) and _PLAIN_PHRASE.match(words_only)
    return "list" if bare else "explain"
