"""The older home of question analysis, kept so that existing imports work: every rule now lives in
`assistant.plan` (the query plan), and this module only re-exports its names."""

from __future__ import annotations

from .plan import (
    DECISION_WORDS,
    FRAME_WORDS,
    STOPWORDS,
    AuthorIndex,
    QueryPlan,
    QuestionInfo,
    analyse,
    author_in,
    decisions_in,
    intent_of,
    is_content_word,
    is_follow_up,
    merge_follow_up,
    plan_question,
    remove_phrases,
    words,
)
from .types import Intent

__all__ = [
    "DECISION_WORDS", "FRAME_WORDS", "STOPWORDS", "AuthorIndex", "Intent", "QueryPlan", "QuestionInfo", "analyse",
    "author_in", "decisions_in", "intent_of", "is_content_word", "is_follow_up", "merge_follow_up", "plan_question",
    "remove_phrases", "words",
]
