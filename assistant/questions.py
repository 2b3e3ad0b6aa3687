"""The older home of question analysis, kept so that existing imports work: every rule now lives in
`assistant.plan` (the query plan), `assistant.intents`, `assistant.authors` and `assistant.vocabulary`; this module
only re-exports."""

from __future__ import annotations

from .authors import AuthorIndex, author_in
from .intents import intent_of
from .plan import (
    QueryPlan,
    QuestionInfo,
    analyse,
    decisions_in,
    merge_follow_up,
    plan_question,
    remove_phrases,
)
from .turns import is_follow_up
from .types import Intent
from .vocabulary import DECISION_WORDS, FRAME_WORDS, STOPWORDS, is_content_word, words

__all__ = [
    "DECISION_WORDS", "FRAME_WORDS", "STOPWORDS", "AuthorIndex", "Intent", "QueryPlan", "QuestionInfo", "analyse",
    "author_in", "decisions_in", "intent_of", "is_content_word", "is_follow_up", "merge_follow_up", "plan_question",
    "remove_phrases", "words",
]
