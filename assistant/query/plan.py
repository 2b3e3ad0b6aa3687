"""The query plan: what a question asks for, read by rules (deterministic; no model involved).

From each question: its intent (list / count / explain / summarize / compare: intents.py), the topic that retrieval
sees (the question with its framing words removed: "which ICLR 2022 papers have Chelsea Finn as a co-author?" has no
topic at all), the stemmed content terms, the filters it implies (decision words; an author of the collection named in
any phrasing, accents, case and initials folded; a year when the listing spans several), and whether it is a
follow-up that works on the previous answer's papers ("which of those are orals?").
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

from ..code_links import asks_for_code
from ..errors import AssistantError, InputTooLarge
from ..settings import Settings
from ..types import DECISIONS, Filters, Intent
from ..words.acronyms import spelled_out
from ..words.vocabulary import (
    DECISION_WORDS,
    GENERIC_SUBJECTS,
    RELATIVE_PRONOUNS,
    STOPWORDS,
    TOKEN,
    WORD,
    is_content_word,
)
from .affiliations import institution_in, without_institution
from .amounts import wanted_amount
from .author_counts import authors_wanted
from .author_index import AuthorIndex
from .author_mentions import bare_name, co_author, given_name_before, names_read, surnames_shared, unknown_author
from .authors import find_author
from .authorship import without_ranking_words
from .intents import COMPARE, COUNT, QUESTION_START, SUMMARIZE, intent_of, spell_paper_words
from .spelling import reading_note, respell_question
from .topic_phrases import (
    combined,
    explained,
    framed_data,
    listed_examples,
    slashed,
    without_goal,
    without_lead_frame,
    without_markup,
)
from .turns import (
    EXCLUDE_WORD,
    FOLLOW_UP_MARK,
    LEADING_EXCLUDE,
    POINTS_BACK,
    SAME_FOR_LEAD,
    SCOPE_ONLY,
    SWITCH_LEAD,
    is_follow_up,
    without_references,
)
from .unrecorded import unrecorded_asked

_DECISION = re.compile(r"\b(orals?|spotlights?|posters?)(?:-(?:level|track|type|category|status|only))?\b",
                       re.IGNORECASE)
_NOT_DECISION = re.compile(
    rf"\b(?:{EXCLUDE_WORD}|no|non-?|other\s+than|besides|apart\s+from|but\s+not)\s*(?:the\s+|an?\s+|all\s+(?:the\s+)?)?"
    r"(orals?|spotlights?|posters?)\b", re.IGNORECASE,
)
_YEAR = re.compile(r"\b(19[5-9]\d|20[0-4]\d)\b")
_WORD_OR_COMMA = re.compile(rf",|{WORD.pattern}", re.UNICODE)

def decisions_in(question: str) -> tuple[str, ...]:
    """The decisions a question restricts to: "orals" -> Oral; "not posters" -> Oral and Spotlight."""
    excluded = {DECISION_WORDS[m.group(1).lower()] for m in _NOT_DECISION.finditer(question)}
    wanted = [DECISION_WORDS[m.group(1).lower()] for m in _DECISION.finditer(_NOT_DECISION.sub(" ", question))]
    if excluded and not wanted:
        return tuple(d for d in DECISIONS if d not in excluded)
    return tuple(dict.fromkeys(d for d in wanted if d not in excluded))


# --- the plan -------------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class QueryPlan:
    """What the chain needs to know about a question.

    `topic` is what retrieval and the answer's heading see: the content words as the user wrote them, framing,
    filter words, the author's name and the listing's own venue/year removed ("" for a filter-only question).
    `terms` are its stemmed content terms. `follow_up` is set when the question works on the previous answer's
    papers (its topic then includes the previous topic)."""

    text: str
    intent: Intent
    filters: Filters
    terms: tuple[str, ...]
    topic: str = ""
    follow_up: bool = False
    coauthor: str = ""  # "papers by X and Y": Y (the filters hold X as the author and their shared papers as ids)
    small_talk: bool = False  # "thanks!", "hello": nothing to look up (no paper is claimed to match)
    corrections: tuple[tuple[str, str], ...] = ()  # typos read as the listing's words: ("grpah", "graph")
    names_read: tuple[tuple[str, tuple[str, ...]], ...] = ()  # near-miss names read (authors.names_read)
    excluded: tuple[str, ...] = ()  # "GNNs but not molecules": what the answer leaves out (exclusion.py)
    wanted: int = 0  # "give me 5 papers on X": how many to list (amounts.py; 0: every match)
    institution: str = ""  # "RL papers from Berkeley": the institution taken out of the topic (affiliations.py)
    elsewhere: tuple[str, ...] = ()  # "NeurIPS papers on GNNs", "papers from 2021": a venue or year the listing lacks
    shared: tuple[tuple[str, tuple[str, ...]], ...] = ()  # "papers by levine": a surname several authors share
    unrecorded: tuple[str, ...] = ()  # "the most cited paper": what the listing does not record (unrecorded.py)

    def note(self, glossary: tuple[str, str] | None = None, scope: str = "") -> str:
        """What an answer or a search says it read (spelling.reading_note; a search adds the glossary's (said,
        term) and the filters its words named): the one notice of both."""
        return reading_note(self.topic, self.corrections, self.names_read, glossary, scope, self.institution,
                            self.elsewhere, self.shared, self.unrecorded)

    def is_set_question(self) -> bool:
        """List, count and author questions want every matching paper of the listing, not a sample."""
        return self.intent in ("list", "count", "authors")

    def is_filter_only(self) -> bool:
        """"What did X publish?", "list the orals": the filters are the whole question."""
        return not self.terms and not self.filters.is_empty()


QuestionInfo = QueryPlan  # the older name, kept for callers


def plan_question(
    question: str, index: AuthorIndex, terms_of: Callable[[str], list[str]], base: Filters | None = None,
    previous: QueryPlan | None = None,
) -> QueryPlan:
    """The plan of a question. `terms_of` stems (extractive.terms); `base` holds the filters the user chose (the
    question's own refine them); `previous` is the plan of the previous turn, used when this one is a follow-up."""
    respelt = respell_question(spell_paper_words(question), index.words, lambda w: index.is_name_word(w)
                               or w in DECISION_WORDS)
    question = respelt.text  # "grpah neural networks": retrieval and screening see "graph neural networks"
    mention = find_author(question, index) or bare_name(question, index, topic_of) or unknown_author(question)
    base = base or Filters()
    year = _year_filter(question, index)
    start = 0 if mention is None else given_name_before(question, mention)
    content = question if mention is None else question[:start] + " " + question[mention.end :]
    other = co_author(question, mention, index)
    ids = base.ids
    if mention is not None and other is not None:  # "papers by X and Y": the papers they wrote together
        content = content.replace(other.said, " ")
        shared = index.ids_of(mention.name) & index.ids_of(other.name)
        shared = shared & set(ids) if ids else shared
        ids = tuple(sorted(shared)) or (NO_PAPER,)
    elif mention is not None and mention.several:  # "J. Zhu": the papers of the authors it reads, not of every Zhu
        named = {i for name in mention.several for i in index.papers.get(name, ())}
        ids = tuple(sorted(named & set(ids) if ids else named)) or (NO_PAPER,)
    unrecorded, content = unrecorded_asked(content)  # "the most cited paper": the listing has no citations
    code, content = asks_for_code(content)  # "diffusion papers with code": a filter, not topic words
    how_many, content = authors_wanted(content)  # "papers with more than 10 authors"
    filters = Filters(
        decision=decisions_in(question) or base.decision, author=mention.name if mention else base.author,
        keyword=base.keyword, year=year or base.year, ids=ids, code=code or base.code,
        authors_between=how_many or base.authors_between,
    )
    intent = intent_of(question)
    set_like = ("list", "count", "summarize", "authors")
    content, excluded = excluded_phrases(content) if intent in set_like else (content, ())
    content = without_references(content)  # "tell me more about the second one": "second" is no topic word
    wanted, content = wanted_amount(content) if intent == "list" else (0, content)  # "give me 5 papers on X"
    topic = topic_of(without_ranking_words(content) if intent == "authors" else content)
    institution = institution_in(topic) or ""
    if institution:  # "RL papers from Berkeley": no listing says where its authors work, so the topic is RL
        topic = topic_of(without_institution(content, institution)) or topic
    if intent in ("list", "count", "authors"):  # "any orals on RL?": the papers that never write "RL" are about it too
        topic = spelled_out(topic, index.acronyms) or topic
    if unrecorded and not topic and filters.is_empty():  # nothing else asked: no paper, not an arbitrary one
        filters = replace(filters, ids=(NO_PAPER,))
    plan = QueryPlan(question, intent, filters, tuple(dict.fromkeys(terms_of(topic))), topic,
                     coauthor=other.name if mention is not None and other is not None else "",
                     corrections=respelt.corrections, names_read=names_read(mention, other), excluded=excluded,
                     wanted=wanted, institution=institution if institution_in(topic) is None else "",
                     elsewhere=elsewhere(question, index), shared=surnames_shared(mention, other),
                     unrecorded=unrecorded)
    if is_small_talk(question) and filters == (base or Filters()):
        return replace(plan, intent="explain", topic="", terms=(), small_talk=True)
    if intent == "explain" and (plan.is_filter_only() or (mention is not None and _AUTHORS_WORK.search(question))):
        # "has X got anything at ICLR?": nothing to explain; "what has X's group done on Y?": X's papers on Y
        plan = replace(plan, intent="list")
    if previous is not None and is_follow_up(question):
        return merge_follow_up(plan, previous)
    return plan


# With an author named, "what has X done on Y", "what did X put out", "what is X working on": X's papers are wanted.
_AUTHORS_WORK = re.compile(
    r"^\s*what\s+(?:did|has|have|does|do|is|are|was|were)\b.*\b(?:done|do|doing|work(?:s|ed|ing)?\s+on|put\s+out"
    r"|releas\w*|contribut\w*|produc\w*|publish\w*|writ\w*|wrote|present\w*|submit\w*|come\s+up\s+with)\b",
    re.IGNORECASE,
)
NO_PAPER = "\x00no paper"  # the ids filter of a question whose authors wrote no paper together (matches none)
_SMALL_TALK_WORDS = """hi hello hey hiya yo thanks thank thx ty you ok okay k cool great nice good awesome perfect
cheers bye goodbye morning evening afternoon sure yes yeah yep no nope alright got it fine wow lol please much very
so that thats s it helpful"""
_SMALL_TALK = frozenset(_SMALL_TALK_WORDS.split())


def is_small_talk(question: str) -> bool:
    """"thanks!", "hello", "ok cool", "👍", ":)": only social words or signs, no question about the papers."""
    said = [w.lower() for w in TOKEN.findall(question)]
    return all(w in _SMALL_TALK for w in said) and (bool(said) or bool(question.strip()))


def analyse(
    question: str, index: AuthorIndex, terms_of: Callable[[str], list[str]], base: Filters | None = None
) -> QueryPlan:
    """The plan of a standalone question (see `plan_question`)."""
    return plan_question(question, index, terms_of, base)


def plan_of_turn(
    standalone: str, index: AuthorIndex, terms_of: Callable[[str], list[str]], base: Filters | None = None
) -> QueryPlan:
    """The plan of an earlier turn from its standalone question: a chain of follow-ups written by `standalone_of`
    ("how many of them ...? (follow-up to: which of those ...? (follow-up to: which papers ...?))") is merged turn
    by turn, so its marker and the earlier questions' framing words never become topic words."""
    question, marked, before = standalone.partition(FOLLOW_UP_MARK)
    own = analyse(question, index, terms_of, base)
    if not marked:
        return own
    before = before[:-1] if before.endswith(")") else before
    return merge_follow_up(own, plan_of_turn(before, index, terms_of))


def switches_subject(follow_up: QueryPlan, previous: QueryPlan) -> bool:
    """"what about normalizing flows?", "and GNNs?", "same for Sergey Levine" (after "what did Chelsea Finn
    publish?"): the previous question asked again about another topic or author, over the whole listing, its other
    parts kept ("which orals are about GNNs?" -> "what about transformers?": orals about transformers). A follow-up
    pointing back ("which of those use GNNs?", "and which ones are orals?") or only narrowing ("only GNN papers")
    works on the previous answer's papers instead."""
    if not SWITCH_LEAD.match(follow_up.text) or POINTS_BACK.search(follow_up.text):
        return False
    other_author = follow_up.filters.author is not None and follow_up.filters.author != previous.filters.author
    return bool(follow_up.terms) or other_author


def swaps_decision(follow_up: QueryPlan, previous: QueryPlan) -> bool:
    """"and the spotlights?" after a question about orals: the previous set holds none of the wanted decisions, so
    the follow-up asks the previous question again with another decision, over the whole listing."""
    wanted, before = follow_up.filters.decision, previous.filters.decision
    return bool(wanted and before and not set(wanted) & set(before))


def merge_follow_up(follow_up: QueryPlan, previous: QueryPlan) -> QueryPlan:
    """A follow-up keeps its own intent and filters, adds the previous question's topic and the previous filters
    it does not replace ("and the orals among them?" after "what did X co-author?" keeps the author), and is marked
    as one. "and the spotlights?" after "which orals are about GNNs?" keeps the list intent it refines."""
    if switches_subject(follow_up, previous) and follow_up.terms:  # "what about X?": X instead of the old topic
        topic, merged_terms = follow_up.topic, follow_up.terms
    else:
        topic = " ".join(dict.fromkeys(t for t in (previous.topic, follow_up.topic) if t))
        merged_terms = tuple(dict.fromkeys(previous.terms + follow_up.terms))
    intent = follow_up.intent
    text = follow_up.text
    if SCOPE_ONLY.match(text) and not (COUNT.search(text) or SUMMARIZE.search(text) or COMPARE.search(text)):
        intent = previous.intent  # "what about the spotlights?": the same question, another scope
    elif intent == "explain" and previous.is_set_question() and not QUESTION_START.search(text):
        intent = previous.intent
    own, before = follow_up.filters, previous.filters
    filters = Filters(
        decision=own.decision or before.decision, author=own.author or before.author,
        keyword=own.keyword or before.keyword, year=own.year or before.year, ids=own.ids or before.ids,
        code=own.code or before.code, authors_between=own.authors_between or before.authors_between,
    )
    coauthor = follow_up.coauthor or (previous.coauthor if filters.author == before.author else "")
    return replace(follow_up, intent=intent, filters=filters, terms=merged_terms, topic=topic, follow_up=True,
                   coauthor=coauthor)


# What a question leaves out ("GNNs but not molecules", "RL except robotics": exclusion.py applies it). "without"
# is not one: it is part of many topics ("learning without forgetting", "RL without rewards").
_PHRASE = r"((?:[\w'\u2019-]+)(?:,?\s+(?!(?:but|which|that|who|with|in|at|from|by)\b)[\w'\u2019-]+){0,4})"
_EXCLUDE = re.compile(  # only words that always exclude: "apart from", "do not use" also describe ("telling A apart
    # from B", "methods that do not use labels"): not read as exclusions
    r"(?:,\s*not(?=\s)(?!\s+(?:just|only|merely|necessarily|simply|always)\b)"  # "X (...), not GNN expressivity"
    r"|(?:,\s*|\s+)(?:(?:but|and)\s+not|not(?=\s+(?:about|on|involving|concerning|related\s+to)\b)|excluding|except"
    r"(?:\s+for)?|other\s+than|leaving\s+out|(?:(?:that|which)\s+)?(?:do|does|did)\s*(?:not|n[o'\u2019]t)\s+(?:study"
    r"|cover|address|mention|focus\s+on|deal\s+with)|(?:that|which)\s+(?:are|is)\s+not(?=\s+(?:about|on)\b)))"
    rf"\s+(?:(?:about|on|using|with|for|involving|concerning|related\s+to|the|any|those|ones|papers)\s+){{0,2}}"
    rf"{_PHRASE}",
    re.IGNORECASE,
)


# A follow-up that only leaves out: "not the certified ones", "drop the ones about GANs", "without the posters".
_LEAD_EXCLUDE = re.compile(
    rf"{LEADING_EXCLUDE}(?:\s+(?:the|those|these|ones?|papers?|any|all))*"
    r"(?:\s+(?:about|on|that\s+are\s+about|that\s+are|which\s+are|using|with|involving|related\s+to))?\s*(.*)$",
    re.IGNORECASE,
)


# "proteins and genomics (not small-molecule drug design)": an exclusion in a parenthesis is one, never an alternative
_NEGATED_PARENTHESIS = re.compile(
    r"\s*\(\s*(?:(?:but\s+)?not|no|excluding|except(?:\s+for)?|other\s+than)\s+([^()]+?)\s*\)", re.IGNORECASE)


def excluded_phrases(question: str) -> tuple[str, tuple[str, ...]]:
    """The question with its exclusions cut out, and the excluded phrases ("not posters" is the decision rule's)."""
    question = _NEGATED_PARENTHESIS.sub(r", but not \1", question)
    lead = _LEAD_EXCLUDE.match(question)
    if lead is not None:
        if _DECISION.match(lead.group(1).strip()):  # "without the posters": the decision rule's, no topic words
            return " ", ()
        phrase = topic_of(lead.group(1))  # "the certified ones": "certified"
        return (" ", (phrase,)) if phrase else (question, ())
    kept, phrases = question, []
    for match in _EXCLUDE.finditer(question):
        if match.group(1).split()[0].lower() in DECISION_WORDS:  # "not posters (about X)": the decision rule's
            continue
        phrase = topic_of(match.group(1))  # "study GANs": "GANs"
        if phrase:
            phrases.append(phrase)
            kept = kept.replace(match.group(0), " ")
    return kept, tuple(dict.fromkeys(phrases))


_VENUE = re.compile(r"\b(neurips|nips|icml|iclr|cvpr|iccv|eccv|emnlp|naacl|acl|aaai|ijcai|aistats|corl|colt|uai|kdd"
                    r"|sigir|tmlr|jmlr|arxiv)\b", re.IGNORECASE)


def elsewhere(question: str, index: AuthorIndex) -> tuple[str, ...]:
    """The venues and years the question names that the listing holds no paper of ("NeurIPS", "2021" of an ICLR
    2022 listing): no filter can pick them, and the answer says so (spelling.reading_note)."""
    venues = [m.group(1) for m in _VENUE.finditer(question)
              if index.venues and m.group(1).lower().replace("nips", "neurips") not in index.venues]
    years = [m.group() for m in _YEAR.finditer(question) if index.years and int(m.group()) not in index.years]
    return tuple(dict.fromkeys([*venues, *years]))


def _year_filter(question: str, index: AuthorIndex) -> int | None:
    """A year is a filter only on a listing that spans several years and holds that one."""
    if len(index.years) < 2:
        return None
    for match in _YEAR.finditer(question):
        if int(match.group()) in index.years:
            return int(match.group())
    return None


# Not the words of a topic: URLs, code spans, shell and template syntax, paths, file names, addresses and versions,
# numbers of three digits or more.
_NOT_PROSE = re.compile(
    r"\S+://\S*|`[^`]*`|\$\([^)]*\)?|\$\{[^}]*\}?|\{\{.*?\}\}|<\|[^|]*\|>|%\([^)]*\)\w?|(?<!\w)/[\w./-]+"
    r"|\b[\w-]+\.(?:txt|json|jsonl|csv|py|sh|md|pdf|html?|xml|ya?ml|env|key|pem|log)\b|(?<![\w-])\d+(?:\.\d+)+(?![\w-])|(?<![\w-])\d{3,}(?![\w-])",
    re.IGNORECASE,
)


def topic_of(text: str) -> str:
    """The content words of a question as written: stopwords, framing words, decision words, years and what is no
    prose (URLs, code, paths, file names, bare numbers) left out; two subjects asked together joined by "with"; a
    goal ("how do I make my GNN deal with over-squashing?") read as what it is about."""
    text = without_lead_frame(without_markup(text))
    goal = without_goal(text)
    in_goal = goal != text  # a framing verb in a goal joins its sides: "make my GNN deal with over-squashing"
    text = slashed(listed_examples(explained(combined(framed_data(_NOT_PROSE.sub(" ", SAME_FOR_LEAD.sub(" ", goal)))))))
    text = _DECISION.sub(" ", _YEAR.sub(" ", COUNT.sub(" ", SUMMARIZE.sub(" ", text))))
    kept: list[str] = []
    between: list[str] = []  # the stopwords since the last content word: kept only if another content word follows
    broken = False  # a framing or filter word came since the last content word
    by_noun = False  # ... and it was "papers", "works": "GNN papers on oversmoothing"
    qualified = False  # ... and it came in a relative clause: "GNNs which tackle over-squashing", or in a goal
    apart = False  # ... and it keeps the two sides apart: "compare X with Y", "the number of X"
    run: list[str] = []  # the content words since the last framing word
    since_frame: list[str] = []  # the stopwords since that framing word: "transformers applied to graphs"
    participle = False  # ... which was a verb ("applied", "working", "nets work on"), not a noun ("the paper on X")
    for word in _WORD_OR_COMMA.findall(text):
        relative = bool(between) and between[-1].lower() in _RELATIVE
        if word != "," and (any(is_content_word(p) for p in word.split("-")) or relative and _EXPLORE.match(word)):
            if kept and broken:
                kept += _joint(between, since_frame if participle else (), by_noun or qualified, apart)
            elif kept:
                kept += between
            run = run + [word] if kept and not broken else [word]
            kept.append(word)
            between, since_frame, broken, by_noun, qualified, apart = [], [], False, False, False, False
        elif word == "," or word.lower() in STOPWORDS:
            between.append(word)
            since_frame.append(word)
        else:  # what is left and right of a framing word ("compare", "papers") is not one phrase
            qualified = qualified or in_goal or _narrows(run, between)
            apart = apart or word.lower() in _APART
            participle = bool(_PARTICIPLE.search(word)) or word.lower() in _FRAME_VERBS  # "nets work on 3D scans"
            broken, by_noun, since_frame = True, by_noun or bool(SET_NOUN_WORD.match(word)), []
    return " ".join(kept).replace(" ,", ",")


# A framing verb in a relative clause after a topic ("GNNs which tackle over-squashing", "diffusion models that use
# transformers") narrows that topic: both sides are needed, as after "papers" ("GNN papers on ..."). "explore" there
# is what agents do ("agents that explore"), not a framing word.
_RELATIVE = frozenset(RELATIVE_PRONOUNS)
_EXPLORE = re.compile(r"explor(?:e|es|ing)$", re.IGNORECASE)
# ... but not one that only says what kind of thing does it (vocabulary.GENERIC_SUBJECTS: measured, a required "AI"
# side lost every paper on program synthesis).


def _narrows(run: Sequence[str], between: Sequence[str]) -> bool:
    """Whether a framing verb after `run` (the content words before it) is in a relative clause that narrows it."""
    generic = len(run) == 1 and run[0].lower() in GENERIC_SUBJECTS
    return bool(run) and not generic and any(w.lower() in _RELATIVE for w in between)



_LIST_WORDS = frozenset({"and", "or", "nor", ","})
SET_NOUN_WORD = re.compile(r"(?:papers|works|articles|publications|submissions|studies|entries)$", re.IGNORECASE)
_JOINING = ("on", "about", "for", "in", "with", "to", "of", "using", "via", "from", "over", "under")


def _joint(between: Sequence[str], since_frame: Sequence[str], joined: bool, apart: bool) -> list[str]:
    """What joins two runs of content words that framing words stood between (`between`: the stopwords there;
    `since_frame`: those after the last framing word). A set noun, a relative clause or a goal (`joined`) makes them
    the two sides of one topic, joined by their preposition ("GNN papers on oversmoothing" -> "GNN on oversmoothing",
    "which RL papers study exploration?" -> "RL with exploration"), and so does a preposition right after a framing
    participle (`since_frame` holds the words after one: "transformers applied to graphs" -> "transformers to
    graphs"). "RL papers and GAN papers" lists two topics, and a comparison or a count (`apart`) and other framing
    words keep the runs apart ("compare X with Y", "the title of X": "X, Y")."""
    said = [w.lower() for w in between]
    if apart or _LIST_WORDS & set(said):
        return [","]
    after = next((w for w in (w.lower() for w in since_frame) if w in _JOINING), None)
    if joined:
        return [after or next((w for w in said if w in _JOINING), "with")]
    return [after] if after else [","]


_PARTICIPLE = re.compile(r"(?:ed|ing)$", re.IGNORECASE)
_FRAME_VERBS = frozenset({"work", "works", "deal", "deals", "focus", "focuses", "apply", "applies", "look", "looks"})
_APART = frozenset({"compare", "compares", "compared", "comparing", "comparison", "contrast", "versus", "vs",
                    "number", "count", "counting", "total"})


def remove_phrases(text: str, phrases: Sequence[str]) -> str:
    for phrase in phrases:
        text = re.sub(re.escape(phrase), " ", text, flags=re.IGNORECASE)
    return _DECISION.sub(" ", text)


def check_question(question: str, settings: Settings) -> None:
    if not question:
        raise AssistantError("The question is empty: ask something about the papers.")
    check_question_length(question, settings)


def check_question_length(question: str, settings: Settings) -> None:
    """The one question length rule: the chain applies it, and the faces before any work (service re-exports it)."""
    if len(question) > settings.max_question_chars:
        raise InputTooLarge(
            f"The question has {len(question)} characters; the limit is {settings.max_question_chars} "
            f"(ASSISTANT_MAX_QUESTION_CHARS). Shorten it."
        )
