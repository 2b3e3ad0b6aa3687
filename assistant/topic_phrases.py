"""Phrasings the plan's topic reader (plan.topic_of) rewrites before it keeps a question's content words: two
subjects asked together ("papers that combine GNNs and transformers" -> "GNNs with transformers", which screening
reads as two sides both needed) and a dataset or benchmark named with the words of an experiment ("which papers
evaluate on ImageNet?" -> "ImageNet"), and markup pasted into a question (an HTML element with what it holds, a
Markdown link's target: "<script>alert(1)</script> papers on GANs" is about GANs). Rules only, no imports of the
pipeline.
"""

from __future__ import annotations

import re

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
