"""Phrasings the plan's topic reader (plan.topic_of) rewrites before it keeps a question's content words: two
subjects asked together ("papers that combine GNNs and transformers" -> "GNNs with transformers", which screening
reads as two sides both needed), a dataset or benchmark named with the words of an experiment ("which papers
evaluate on ImageNet?" -> "ImageNet"), markup pasted into a question (an HTML element with what it holds, a
Markdown link's target: "<script>alert(1)</script> papers on GANs" is about GANs), a goal ("how do I make my GNN
deal with over-squashing?": the papers working towards it, intents.py lists them), a parenthesis or a slash naming
alternatives, and the words that only frame a topic ("what should I read on X?", "X for my reading group").
`as_written` gives back the stretch of a question its topic came from (the glossary reads descriptions there).
Rules only; of the pipeline, only the vocabulary's word patterns are imported.
"""

from __future__ import annotations

import re

from ..words.terms import restates, terms
from ..words.vocabulary import GENERIC_SUBJECTS, LIST_SEPARATOR, RELATIVE_PRONOUNS, WORD, is_content_word

# "papers that combine GNNs and transformers", "both diffusion and GANs", "GNNs combined with transformers": papers
# about the two together, read as "GNNs with transformers" (two phrases joined by a preposition: both needed).
_COMBINED = re.compile(
    r"\b(?:combin(?:e|es|ed|ing)|unif(?:y|ies|ied|ying)|integrat(?:e|es|ed|ing)|merg(?:e|es|ed|ing)|both)\s+"
    r"((?:(?!\band\b|\bwith\b)[^,;?.!])+?)\s+(?:and|with)\s+", re.IGNORECASE)
_COMBINED_AFTER = re.compile(r"\s+(?:combined|together|unified|integrated|merged)\s+with\s+", re.IGNORECASE)


# "which papers evaluate on ImageNet?", "tested with MuJoCo", "the CIFAR-10 dataset": the named data is the topic, the
# verb of the experiment and the word "dataset" after a name are framing ("model evaluation" keeps its topic).
_RUN_ON = re.compile(
    r"\b(?:evaluat(?:e|es|ed|ing)|test(?:s|ed|ing)?|experiment(?:s|ed|ing)?|benchmark(?:s|ed|ing)?|validat(?:e|es|ed|ing)"
    r"|report(?:s|ed|ing)?\s+results|(?:show|get|achiev)\w*\s+results)\s+(?:\w+\s+)?(?:on|with|using|in)\b",
    re.IGNORECASE)
_NAMED_DATA = re.compile(r"\b([\w-]*[A-Z0-9][\w-]*)\s+(?:datasets?|data\s+sets?|benchmarks?|suites?|environments?)\b")


def framed_data(text: str) -> str:
    """The question with the words that frame a dataset or benchmark it names taken out (see _RUN_ON)."""
    return _NAMED_DATA.sub(lambda m: m.group(1) if len(m.group(1)) > 2 else m.group(0), _RUN_ON.sub(" ", text))


def combined(text: str) -> str:
    """A topic asking for two subjects together, written as one joined by "with" (see _COMBINED)."""
    return _COMBINED_AFTER.sub(" with ", _COMBINED.sub(lambda m: f"{m.group(1)} with ", text))


_MARKUP = re.compile(
    r"<(script|style)\b[^>]*>.*?</\1\s*>|<[a-zA-Z/!][^>]*>|!?\[([^\]]*)\]\([^)]*\)|(?<!\w)[*_]{1,3}(?=\S)|(?<=\S)[*_]{1,3}(?!\w)",
    re.IGNORECASE | re.DOTALL,
)


def without_markup(text: str) -> str:
    """The text with HTML elements (scripts and styles with their content) taken out, a Markdown link reduced to its
    words and emphasis marks dropped."""
    return _MARKUP.sub(lambda m: f" {m.group(2)} " if m.group(2) is not None else " ", text)


# "how do I make my GNN deal with over-squashing?", "what is the best way to speed up diffusion sampling?", "is there
# a way to learn from fewer labels?", "I want to compress a transformer", "we're trying to detect OOD inputs": a goal,
# asked of a listing, wants the papers that work towards it (a set), and the goal is the topic.
_GOAL = re.compile(
    r"^\s*(?:(?:and|so|ok(?:ay)?|hi|hey|well|also),?\s+)*(?:"
    r"how\s+(?:do|can|could|should|would|might|may|does|did)\s+(?:i|we|you|one|people|someone|anyone)\s+(?:best\s+)?"
    r"|how\s+to\s+|(?:i|we)\s+(?:wonder|wondered|am\s+wondering|are\s+wondering)\s+how\s+to\s+"
    r"|what(?:['\u2019]s|\s+is|\s+are|\s+would\s+be|\s+were)\s+(?:the\s+|a\s+|some\s+)?(?:(?:best|good|better|right"
    r"|easiest|simplest|fastest|cheapest|recommended|known|main|usual|common|standard)\s+)?"
    r"(?:ways?|methods?|approach(?:es)?|techniques?|options?|strateg(?:y|ies)|tricks?)\s+(?:to|for|of)\s+"
    r"|(?:is|are)\s+there\s+(?:a\s+|any\s+)?(?:good\s+|better\s+|known\s+|simple\s+)?"
    r"(?:ways?|methods?|techniques?|approach(?:es)?|tricks?)\s+(?:to|for|of)\s+"
    r"|(?:i|we)(?:['\u2019]d|\s+would)\s+like\s+to\s+|(?:i|we)\s+(?:want|need|wish|hope|have)\s+to\s+"
    r"|(?:i['\u2019]?m|i\s+am|we['\u2019]?re|we\s+are)\s+(?:trying|attempting|hoping|planning|looking|aiming)\s+to\s+"
    # "what to do when some cells of my table are blank", "what should I do if my labels are noisy?"
    r"|what\s+(?:to|(?:should|can|could|would|do|must)\s+(?:i|we|you|one))\s+do\s+(?:when|if|about|with|against)\s+"
    r")", re.IGNORECASE)
# What the goal's verb says about the user, not the topic: "find papers on", "learn about", "make my model ..."
_GOAL_LEAD = re.compile(
    r"^\s*(?:find|search(?:\s+for)?|look\s+for|locate|list|see|read(?:\s+up)?(?:\s+on|\s+about)?"
    r"|(?:learn|know|hear)(?:\s+more)?\s+about|understand|get\s+started\s+(?:with|in|on)|start\s+(?:with|in|on)"
    r"|(?:make|get|help|have)\s+(?:my|our|a|an|the|their|your)|(?:make|get)(?=\s+\w+\s+to\b))\s+",
    re.IGNORECASE)
# A goal about the assistant or the answer shown ("how do I export these?", "how can I cite it?", "how do I use this
# tool?"): a question for the help, not for the listing.
_TOOL_GOAL = re.compile(
    r"^\s*(?:export|download|cite|save|share|copy|print|upload|ingest|load|add|delete|remove|reset|clear|ask|filter"
    r"|sort|open|install|run|configure|set\s+up|log\s+in|sign\s+in)\b"
    r"|^\s*(?:[\w'\u2019-]+\s+){0,2}(?:it|its|this|that|these|those|them|they)\b",
    re.IGNORECASE)
# "help me find papers on X", "can you help me with X": the request frames the topic.
_HELP = re.compile(r"^\s*(?:(?:can|could|would)\s+you\s+)?(?:please\s+)?help\s+(?:me|us)\s+(?:to\s+)?"
                   r"(?:find|finding|look\s+for|with|on)\s+", re.IGNORECASE)


def _goal(text: str) -> str | None:
    """The goal a question asks papers for (see _GOAL), or None."""
    found = _GOAL.match(text) or _HELP.match(text)
    if found is None:
        return None
    goal = text[found.end():]
    return None if _TOOL_GOAL.search(goal) else _GOAL_LEAD.sub(" ", goal, count=1).strip()


def asks_how_to(text: str) -> bool:
    """Whether a question states a goal the listing's papers work towards ("how do I make my GNN deal with
    over-squashing?"): a set question, not an explanation. Not a goal about the tool or a paper shown."""
    return bool(_goal(text))


def without_goal(text: str) -> str:
    """The question with its goal framing ("how do I", "is there a way to", "I want to") taken out."""
    return _goal(text) or text


# "learning from very few labeled examples (few-shot classification, meta-learning)", "graph neural networks (GNNs)",
# "compression (e.g. pruning or quantization)": what a parenthesis names are other names of the topic, asked for as
# alternatives beside it (before, the words ran on into one phrase: "examples few-shot classification").
_EXAMPLES = re.compile(
    r"\s*\(\s*(?:(?:e\.\s?g|i\.\s?e|cf)\.?,?|such\s+as|like|including|incl\.?|for\s+(?:example|instance),?|say,?|or|aka)?\s*"
    r"([^()]*?)\s*(?:,?\s*etc\.?)?\s*\)", re.IGNORECASE)


# "learn reward functions, e.g. from human preferences or feedback": examples of where or how (a preposition after
# "e.g.") narrow the topic by example; they are no alternatives of it (as one, "feedback" admitted every paper on
# feedback). Left out, after a comma or in a parenthesis.
_EXAMPLE_COMPLEMENT = re.compile(
    r",?\s*(\()?\s*\b(?:e\.\s?g\.?|for\s+(?:example|instance)|such\s+as)\s*,?\s+"
    r"(?:from|by|with|via|through|using|in|on|under|over|for|to|across|without)\b(?(1)[^()]*\)|[^?.!;()]*)",
    re.IGNORECASE)


def listed_examples(text: str) -> str:
    """The question with a parenthesis written as alternatives after the phrase it follows (see _EXAMPLES), and
    examples of where or how left out (_EXAMPLE_COMPLEMENT)."""
    def alternatives(found: re.Match[str]) -> str:
        named = found.group(1)
        return f" or {named} " if named and not LIST_SEPARATOR.search(named) else f", {named} " if named else " "
    return _EXAMPLES.sub(alternatives, _EXAMPLE_COMPLEMENT.sub(" ", text))


# "semi-supervised learning, i.e. training with a few labels plus lots of unlabeled data": what follows "i.e." after a
# comma explains the name before it. A description of DESCRIPTION_WORDS content words or more is left out (as an
# alternative it admitted every paper using unlabeled data); a shorter one is another name, an alternative.
_EXPLAINED = re.compile(  # a parenthesis inside the explanation is part of it: "(vision models or LLMs)"
    r"(?:,?\s*\bi\.\s?e\.|,\s*(?:ie|that\s+is|namely|meaning))\s*,?\s+((?:[^?.!;()]|\([^()]*\))+)", re.IGNORECASE)
DESCRIPTION_WORDS = 4


# "compositional or systematic generalization: models that generalize to novel combinations of known parts": a
# description after a colon that restates a word of the name explains it, as after "i.e."; one that does not
# ("3D shapes and scenes: reconstruction, point clouds or NeRF", "GNNs: methods that mitigate over-squashing") names
# its kinds or narrows it, and stays as written.
_COLON_EXPLAINED = re.compile(r"(?<=\w)\s*:\s+([^?.!;():]+)")
COLON_NAME_WORDS = 2  # the fewest content words before a colon that name a topic ("Re: ..." names none)


def explained(text: str) -> str:
    """The question with an explanation after its topic's name dropped, or read as another name (_EXPLAINED,
    _COLON_EXPLAINED)."""
    def name_or_nothing(found: re.Match[str]) -> str:
        words = [w for w in WORD.findall(found.group(1)) if is_content_word(w)]
        return " " if len(words) >= DESCRIPTION_WORDS else f" or {found.group(1)}"

    def description(found: re.Match[str]) -> str:
        named = [w for w in WORD.findall(found.string[: found.start()]) if is_content_word(w)]
        said = [w for w in WORD.findall(found.group(1)) if is_content_word(w)]
        # a description sharing no word with the name narrows it: "GNNs: methods for X"
        same = restates(terms(" ".join(named)), terms(" ".join(said)))
        explains = len(named) >= COLON_NAME_WORDS and len(said) >= DESCRIPTION_WORDS and same
        return " " if explains else found.group()
    return _COLON_EXPLAINED.sub(description, _EXPLAINED.sub(name_or_nothing, text))


# "NTK / infinite-width theory", "symbolic regression/equation discovery", "and/or": a slash between words offers
# alternatives; "w/" and "w/o" are "with" and "without".
_SLASH = re.compile(r"\band/or\b|\s+/\s+|(?<=[^\W\d_]{2})/(?=[^\W\d_]{2})|\bw/o\b|\bw/(?=\s)", re.IGNORECASE)
_SLASH_WORDS = {"w/o": " without ", "w/": " with "}


def slashed(text: str) -> str:
    """The question with its slashes written as words (see _SLASH)."""
    return _SLASH.sub(lambda m: _SLASH_WORDS.get(m.group().lower(), " or "), text)


# "what's new in contrastive learning?", "what should I read on GANs?", "where should I start with RL?", "papers in
# the field of NAS": the papers on it (intents.py reads them as lists); "new", "read", "field" are no topic words.
_LEAD_FRAME = re.compile(
    r"^\s*what(?:['\u2019]s|\s+is)\s+new\s+(?=(?:in|on|with|about|for)\b)"
    r"|^\s*what\s+(?:should|could|can|do|would)\s+(?:i|we|you)\s+(?:read|recommend|suggest)(?:\s+(?:i|we)\s+read)?\b"
    r"|\bwhat\s+to\s+read\b|^\s*where\s+(?:should|do|can|could)\s+(?:i|we)\s+start\b"
    r"|\b(?:the\s+)?(?:area|field|subfield|realm)\s+of\b"
    r"|^\s*(?:search(?:\s+for)?|query|keywords?|topic|find|look\s+up)\s*:"  # "search: graph rewiring"
    # what the list is for: "papers about X for my reading group", "for a literature review I'm writing"
    r"|\bfor\s+(?:my|our|a|an|the|this|next|tomorrow['\u2019]?s)\s+(?:own\s+|upcoming\s+|next\s+|weekly\s+|lab['\u2019]?s\s+)?"
    r"(?:reading\s+group|journal\s+club|thesis|dissertation|literature\s+review|lit\s+review|related[\s-]+work"
    r"|project|lab\s+meeting|group\s+meeting|class|course|seminar|talk|presentation|meeting|report|proposal|grant"
    r"|homework|assignment|lecture|tutorial|review|survey|paper|blog\s+post)\b(?:\s+(?:section|chapter|part))?"
    r"(?:\s+(?:of|for|in)\s+(?:my|our|a|the|this)\s+[\w'\u2019-]+)?"  # "... section of my thesis"
    r"(?:\s+(?:that\s+)?(?:i|we)(?:['\u2019]m|['\u2019]re|\s+am|\s+are)?\s+[\w-]+ing)?",  # "... I am writing"
    re.IGNORECASE)


def without_lead_frame(text: str) -> str:
    """The question without the framing words of _LEAD_FRAME."""
    return _LEAD_FRAME.sub(" ", text)


def as_written(question: str, topic: str) -> str:
    """The stretch of the question from the topic's first word to its last, as written ("systems that suggest
    products or movies to people" for the topic "systems, products or movies"): a description keeps its verbs
    there, which the topic drops as framing words. The topic itself when its words are not found in order."""
    spans = [m.span() for m in WORD.finditer(question)]
    words = [question[a:b].lower() for a, b in spans]
    wanted = WORD.findall(topic.lower())
    if not wanted or wanted[0] not in words:
        return topic
    start = words.index(wanted[0])
    at = start
    for word in wanted[1:]:
        if word not in words[at + 1:]:
            return topic
        at = words.index(word, at + 1)
    return question[spans[start][0]:spans[at][1]]


_SUBJECT_CLAUSE = re.compile(rf"\s*(?:(?:an?|the)\s+)?({WORD.pattern})\s+(?:{'|'.join(RELATIVE_PRONOUNS)})\s+(?=\S)",
                             re.IGNORECASE)


def without_generic_subject(text: str) -> str:
    """A description without a subject that only says what kind of thing does it (vocabulary.GENERIC_SUBJECTS):
    "AI that watches or makes movie clips" -> "watches or makes movie clips", which the glossary reads as video
    understanding (0.66, lead 0.12) where the whole was as near deepfake detection (0.58 vs 0.57). The text itself
    otherwise."""
    found = _SUBJECT_CLAUSE.match(text)
    if found is None or found.group(1).lower() not in GENERIC_SUBJECTS:
        return text
    return text[found.end():]
