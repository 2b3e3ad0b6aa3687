"""The events of a streamed answer, shared by the answer chain, summaries and the faces: text deltas (already
citation-checked), perhaps a reset when the model fails mid-stream, then the final `Answer`."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from .errors import AssistantError
from .types import Answer


@dataclass(frozen=True)
class TextDelta:
    """A piece of the answer text, already citation-checked: append it to what is shown."""

    text: str


@dataclass(frozen=True)
class StreamReset:
    """The model failed after text was streamed: discard the text shown so far; the offline answer follows."""

    notice: str


@dataclass(frozen=True)
class FinalAnswer:
    """The complete answer; its text equals the deltas since the last reset."""

    answer: Answer


AnswerEvent = TextDelta | StreamReset | FinalAnswer


def prefixed(events: Iterator[AnswerEvent], note: str) -> Iterator[AnswerEvent]:
    """The events with a line (`note`, if any) before the answer's text: streamed first and again after a reset,
    and at the head of the final answer's text (no citation in it, so the answer's citations stay as they are)."""
    if not note:
        yield from events
        return
    line = note + "\n\n"
    yield TextDelta(line)
    for event in events:
        if isinstance(event, FinalAnswer):
            event.answer.text = line + event.answer.text
        yield event
        if isinstance(event, StreamReset):
            yield TextDelta(line)


def final_answer(events: Iterator[AnswerEvent]) -> Answer:
    """Drain a stream of events and return its Answer."""
    result = None
    for event in events:
        if isinstance(event, FinalAnswer):
            result = event.answer
    if result is None:
        raise AssistantError("The answer stream ended without an answer.")
    return result
