"""The product's exceptions. Each message tells the user what went wrong and how to fix it; the CLI and the UI
convert them to a one-line error at their edge (no traceback for these)."""

from __future__ import annotations


class AssistantError(Exception):
    """Base of every error the user can act on."""


class ListingError(AssistantError):
    """A listing file could not be read (names the file and, where known, the line)."""

    def __init__(self, path: str, message: str, line: int | None = None) -> None:
        self.path = path
        self.line = line
        where = f"{path}:{line}" if line is not None else path
        super().__init__(f"{where}: {message}")


class GlossaryError(AssistantError):
    """The glossary of the field's terms (assistant/retrieval/glossary.jsonl) is malformed: names the file and the
    line."""

    def __init__(self, path: str, message: str, line: int | None = None) -> None:
        self.path = path
        self.line = line
        where = f"{path}:{line}" if line is not None else path
        super().__init__(f"{where}: {message}")


class ConfigError(AssistantError):
    """A setting is missing or inconsistent."""


class ModelFileError(AssistantError):
    """A packaged model or tokenizer file is missing or fails its sha256 check."""


class StoreError(AssistantError):
    """The vector store cannot be opened or reached."""


class DiskFull(StoreError):
    """The disk holding the store is too full for a write; says how much is needed and free, and that nothing was
    lost."""


class DamagedListing(StoreError):
    """A listing's files on disk are not as they were written: that listing must be rebuilt, the others work."""


class CollectionNotFound(StoreError):
    """The collection asked for does not exist in the store."""


class LLMError(AssistantError):
    """The LLM endpoint failed; callers fall back to the offline answer and show this message as a notice."""


class PromptError(AssistantError):
    """A prompt template file is missing or its variables do not match what the code provides."""


class InputTooLarge(AssistantError):
    """A question or history exceeds the configured limits."""


class EmbeddingError(AssistantError):
    """The embeddings endpoint failed or answered something unusable (the message never holds the API key)."""


SHOWN_CHARS = 80  # the longest piece of a user's input a message repeats


def shown(value: object, limit: int = SHOWN_CHARS) -> str:
    """A user's input as a message quotes it: at most `limit` characters, and says how long it was if cut (an error
    must not echo a 5,000-character input back whole)."""
    text = str(value)
    if len(text) <= limit:
        return text
    return f"{text[: limit - 1]}… ({len(text):,} characters)"
