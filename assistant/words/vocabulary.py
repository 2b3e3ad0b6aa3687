"""The words of questions: stopwords, the words that frame a question about papers rather than name its topic, and
how a question splits into words. The query plan (plan.py) and the author names (authors.py) read questions with
these."""

from __future__ import annotations

import re

_STOPWORDS = """a about above after again against all also am an and any are as at be because been before being below
between both but by can could did do does doing down during each either else ever few for from further had has have
having he her here hers herself him himself his how i if in into is it its itself just me more most my myself no nor
not now of off on once only or other our ours ourselves out over own same she should so some such than that the their
theirs them themselves then there these they this those through to too under until up upon us very via was we were
what when where which while who whom why will with within without would you your yours yourself yourselves one ones
whose still among amongst i'm isn't aren't don't doesn't im ive i've let let's lets got get want wanted need like
actually really basically truly genuinely essentially literally specifically particularly mainly primarily mostly
simply merely largely generally especially certainly definitely usually typically somehow"""
# (the adverbs a user hedges or stresses with name no topic: "which papers actually study X" had X "actually")
# Words that frame a question about papers rather than name its topic (lay phrasings included).
_FRAME_WORDS = """paper papers work works study studies studied studying research article articles publication
publications publish published publishes find show list tell give name know any anything something many much number
propose proposes proposed present presents presented presentation presentations introduce introduces address addresses
addressed addressing discuss discusses discussed investigate investigates explore explores use uses using used consider
considers focus focuses focused focusing deal deals dealing look looking mention mentions mentioned iclr accepted
approach approaches author authors authored authoring coauthor coauthors coauthored co wrote written write writes
group lab team please summarize summarise summary overview explain describe tackle tackles tackled tackling cover
covers covered covering examine examines examined exist exists existing stuff topic topics regarding concerning
related relevant interested interesting recommend suggest suggestions et al count counting total compare compares
compared comparing comparison contrast versus vs conference listing collection proceedings submission submissions
neurips nips icml cvpr iccv eccv emnlp naacl aaai ijcai aistats corl tmlr jmlr arxiv openreview year years
contribution contributions people person someone researcher researchers every everything entire say says said
came come comes coming selected chosen picked apply applies applied applying together jointly done progress
anyone anybody somebody titled entitled introduced tried tries
working worked put puts release releases released contribute contributes contributed produce produced
submit submitted latest recent recently newest trending cutting-edge state-of-the-art
involve involves involving investigating proposing introducing presenting discussing considering examining
mentioning advances advance advancement advancements developments direction directions survey surveys curious
wondering whether looked pls plz cite cites citing roughly approximately approx exactly precisely overall altogether
popular trendy prevalent represented status acceptance decision decisions analyze analyzes analyzed analyzing
analyse analysed analysing build builds"""
STOPWORDS = frozenset(_STOPWORDS.split())
FRAME_WORDS = frozenset(_FRAME_WORDS.split())
WORD = re.compile(r"[^\W_]+(?:['\u2019][a-z]+)?(?:-[^\W_]+)*", re.UNICODE)
TOKEN = re.compile(r"[^\W_]+", re.UNICODE)


def words(text: str) -> list[str]:
    """Words of a text in their original case (hyphenated words kept whole)."""
    return WORD.findall(text)


DECISION_WORDS = {"oral": "Oral", "orals": "Oral", "spotlight": "Spotlight", "spotlights": "Spotlight",
                  "poster": "Poster", "posters": "Poster"}
# The nouns a question names its set of papers by ("which papers ...", "orals by X").
SET_NOUN = r"(?:papers?|works?|articles?|ones?|publications?|submissions?|studies|entries|orals?|spotlights?|posters?)"


# Where a topic lists alternatives ("GANs, VAEs or flows"): the one separator rule of the topic's readers.
LIST_SEPARATOR = re.compile(r"(\s*,\s*|\s+(?:or|and)\s+)", re.IGNORECASE)
# The words that open a relative clause ("GNNs which tackle over-squashing", "the words that describe them").
RELATIVE_PRONOUNS = ("that", "which", "who", "whose")
# Subjects that only say what kind of thing does something ("AI that writes computer programs", "systems that
# suggest products"): no abstract needs to say "AI" or "systems" to be about it.
GENERIC_SUBJECTS = frozenset({
    "ai", "ml", "system", "systems", "model", "models", "network", "networks", "method", "methods", "algorithm",
    "algorithms", "approach", "approaches", "technique", "techniques", "tool", "tools", "program", "programs",
    "software", "machine", "machines", "computer", "computers", "thing", "things", "way", "ways",
})


def is_content_word(word: str) -> bool:
    lower = re.sub(r"['\u2019]s$", "", word.lower())
    return len(lower) > 1 and lower not in STOPWORDS and lower not in FRAME_WORDS and lower not in DECISION_WORDS
