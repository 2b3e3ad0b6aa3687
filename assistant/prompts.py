"""Prompt templates as files under prompts/, loaded once and validated, and the fencing of untrusted text.

A template file has comment lines, then a `[system]` section and a `[user]` section; `{name}` is a variable and
`{{`/`}}` are literal braces. Each template's variables must be exactly the ones the code provides: a missing or
unknown variable, a missing section or a malformed brace is a PromptError naming the file (and line where known).

Untrusted text (abstracts, titles, questions, earlier answers) goes into prompts only through `fence()`, which
folds compatibility forms (NFKC), strips control and format characters and neutralises anything that looks like
one of our own tags, so text cannot close its `<paper>` fence and pose as instructions.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from langchain_core.messages import BaseMessage
from langchain_core.prompts import ChatPromptTemplate

from .citations import defuse_citations
from .errors import PromptError
from .text import prompt_text
from .types import Paper

# name -> the variables the code fills in. A template must use every one of them and no other.
PROMPT_VARIABLES: dict[str, frozenset[str]] = {
    "answer": frozenset({"papers", "question"}),
    "condense": frozenset({"history", "question"}),
    "summarize_map": frozenset({"papers", "topic"}),
    "summarize_reduce": frozenset({"gists", "topic"}),
    "compare": frozenset({"columns", "papers"}),
    "screen": frozenset({"papers", "topic"}),
    "name_groups": frozenset({"groups", "topic"}),
}
SECTIONS = ("system", "user")
SUFFIXES = (".md", ".txt")
_SECTION_LINE = re.compile(r"^\[(\w+)\]\s*$")
# Our own tags (and role words) with an opening "<": any look-alike inside data loses its "<". So do chat-template
# control tokens (`<|im_start|>`, `<|eot_id|>`, `</s>`, `<start_of_turn>`): local servers such as llama.cpp may read
# them in user text as real turn boundaries, which would let a question or an abstract open a forged system turn.
# Fenced text is NFKC-folded first (fullwidth and small forms become "<" and "/"); the angle and slash look-alikes
# NFKC keeps (single guillemet, mathematical and CJK angle brackets, fraction and division slashes) count too.
_ANGLE = "<\u02c2\u2039\u276e\u27e8\u3008"
_SLASH = "/\u2044\u2215\u29f8"
_TAG_LOOKALIKE = re.compile(
    rf"[{_ANGLE}](?=\|)|[{_ANGLE}](?=\s*[{_SLASH}]?\s*(?:papers?|question|conversation|follow_up|gists?|columns|system"
    r"|user|assistant|instructions?|s|start_of_turn|end_of_turn)\b)",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Prompt:
    """One validated template."""

    name: str
    path: Path
    template: ChatPromptTemplate

    def messages(self, **values: str) -> list[BaseMessage]:
        """The chat messages with every variable filled in (values are inserted verbatim, never re-parsed)."""
        missing = PROMPT_VARIABLES[self.name] - values.keys()
        if missing:
            raise PromptError(f"{self.path}: the code gave no value for {', '.join(sorted(missing))}.")
        return self.template.format_messages(**values)


@dataclass(frozen=True)
class Prompts:
    """All templates of a prompts folder."""

    answer: Prompt
    condense: Prompt
    summarize_map: Prompt
    summarize_reduce: Prompt
    compare: Prompt
    screen: Prompt
    name_groups: Prompt


def load_prompts(folder: Path) -> Prompts:
    """Load and validate every template in `folder` (read afresh: PromptFiles keeps them for a process)."""
    paths = [find_template(folder, name) for name in PROMPT_VARIABLES]
    return Prompts(*[load_prompt(name, path) for name, path in zip(PROMPT_VARIABLES, paths, strict=True)])


Stamp = tuple[str, tuple[tuple[str, int, int], ...]]  # the folder, and each template's (path, mtime_ns, size)


def prompts_stamp(folder: Path) -> Stamp:
    """What identifies a prompts folder's current templates: an edit changes a file's mtime or size."""
    paths = [find_template(folder, name) for name in PROMPT_VARIABLES]
    files = tuple((str(path), st.st_mtime_ns, st.st_size) for path, st in ((p, p.stat()) for p in paths))
    return str(folder.resolve()), files


class PromptFiles:
    """A prompts folder's templates as loaded last, reloaded when a file's (mtime, size) changes: the services
    object owns one, so an edited template reaches answers, summaries and comparisons at once."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._loaded: tuple[Stamp, Prompts] | None = None
        self._lock = threading.Lock()

    def current(self) -> tuple[Stamp, Prompts]:
        """(stamp, prompts) of the templates on disk now; the stamp keys what is built from them (a chain)."""
        stamp = prompts_stamp(self.folder)
        with self._lock:
            if self._loaded is None or self._loaded[0] != stamp:
                self._loaded = (stamp, load_prompts(self.folder))
            return self._loaded


def find_template(folder: Path, name: str) -> Path:
    for suffix in SUFFIXES:
        path = folder / f"{name}{suffix}"
        if path.is_file():
            return path
    raise PromptError(
        f"{folder / (name + SUFFIXES[0])}: prompt template {name!r} is missing. Fix: restore it from the "
        f"repository's prompts/ folder or point ASSISTANT_PROMPTS_DIR at a folder that has it."
    )


def load_prompt(name: str, path: Path) -> Prompt:
    """Parse one template file and check its variables against what the code provides."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise PromptError(f"{path}: cannot read the prompt template ({exc}).") from None
    sections = split_sections(path, text)
    try:
        template = ChatPromptTemplate.from_messages(
            [("system", sections["system"]), ("human", sections["user"])], template_format="f-string"
        )
    except (ValueError, KeyError, IndexError) as exc:
        raise PromptError(f"{path}: malformed placeholder ({exc}); write literal braces as {{{{ and }}}}.") from None
    check_variables(name, path, set(template.input_variables))
    return Prompt(name, path, template)


def split_sections(path: Path, text: str) -> dict[str, str]:
    """The [system] and [user] sections of a template; lines before the first section are comments."""
    sections: dict[str, list[str]] = {}
    current: str | None = None
    for number, line in enumerate(text.splitlines(), start=1):
        marker = _SECTION_LINE.match(line)
        if marker:
            current = marker.group(1).lower()
            if current not in SECTIONS:
                raise PromptError(f"{path}:{number}: unknown section [{current}]; use [system] and [user].")
            if current in sections:
                raise PromptError(f"{path}:{number}: section [{current}] appears twice.")
            sections[current] = []
        elif current is not None:
            sections[current].append(line)
    for name in SECTIONS:
        if not "\n".join(sections.get(name, [])).strip():
            raise PromptError(f"{path}: the [{name}] section is missing or empty.")
    return {name: "\n".join(lines).strip() + "\n" for name, lines in sections.items()}


def check_variables(name: str, path: Path, found: set[str]) -> None:
    expected = PROMPT_VARIABLES[name]
    unknown, missing = found - expected, expected - found
    problems = []
    if unknown:
        problems.append(f"unknown variable(s) {', '.join('{' + v + '}' for v in sorted(unknown))}")
    if missing:
        problems.append(f"missing variable(s) {', '.join('{' + v + '}' for v in sorted(missing))}")
    if problems:
        raise PromptError(
            f"{path}: {'; '.join(problems)}. The {name!r} template must use exactly "
            f"{', '.join('{' + v + '}' for v in sorted(expected))} (write literal braces as {{{{ and }}}})."
        )


# --- fencing untrusted text ---------------------------------------------------------------------------------------


def fence(text: str) -> str:
    """Untrusted text made safe to place inside our tags: NFKC-folded and without control or format characters
    (text.prompt_text), so no look-alike hides from the tag rule (a word joiner inside "</paper>", its fullwidth
    form), then no tag look-alikes."""
    return _TAG_LOOKALIKE.sub("&lt;", prompt_text(text))


def fence_attribute(text: str) -> str:
    return fence(text).replace('"', "'").replace(">", "&gt;")


def paper_block(n: int, paper: Paper, abstract: str | None = None) -> str:
    """One numbered paper as fenced data for the prompt (`abstract` overrides a shortened one)."""
    body = paper.abstract if abstract is None else abstract
    lines = [
        f'<paper n="{n}" id="{fence_attribute(paper.id)}">',
        f"Title: {fence_listing(paper.title)}",
    ]
    if paper.authors:
        lines.append(f"Authors: {fence_listing(', '.join(paper.authors))}")
    if paper.decision:
        lines.append(f"Decision: {fence_listing(paper.decision)}")
    if paper.keywords:
        lines.append(f"Keywords: {fence_listing(', '.join(paper.keywords))}")
    lines.append(f"Abstract: {fence_listing(body) if body else '(no abstract in the listing)'}")
    lines.append("</paper>")
    return "\n".join(lines)


def fence_listing(text: str) -> str:
    """A listing field fenced, its own reference markers made inert ("[2]" -> "(2)"): a model that copies them
    from paper 3's abstract must not cite paper 2."""
    return fence(defuse_citations(text))


def join_blocks(blocks: Sequence[str]) -> str:
    return "\n\n".join(blocks)


# --- numbering papers within a token budget -----------------------------------------------------------------------

SHORTENED = " \u2026 [abstract shortened]"


@dataclass(frozen=True)
class NumberedPapers:
    """Papers numbered for a prompt: number -> paper, and the fenced blocks in order."""

    numbers: list[int]
    papers: list[Paper]
    blocks: list[str]

    @property
    def text(self) -> str:
        return join_blocks(self.blocks)

    @property
    def by_number(self) -> dict[int, Paper]:
        return dict(zip(self.numbers, self.papers, strict=True))


def pack_papers(
    papers: Sequence[Paper], budget: int, count: Callable[[str], int], start: int = 1
) -> NumberedPapers:
    """Number papers start, start+1, ... while their blocks fit `budget` tokens. The first paper always goes in,
    its abstract shortened if it alone is over budget, so a prompt never lacks context."""
    numbers: list[int] = []
    kept: list[Paper] = []
    blocks: list[str] = []
    used = 0
    for offset, paper in enumerate(papers):
        n = start + offset
        block = paper_block(n, paper)
        size = count(block)
        if used + size > budget:
            if blocks:
                break
            block = shortened_block(n, paper, budget, count)
            size = count(block)
        numbers.append(n)
        kept.append(paper)
        blocks.append(block)
        used += size
    return NumberedPapers(numbers, kept, blocks)


def shortened_block(n: int, paper: Paper, budget: int, count: Callable[[str], int]) -> str:
    """The paper's block with its abstract cut (at a word) until the block fits the budget."""
    abstract = paper.abstract or ""
    chars = max(0, budget * 3)  # a token is 3-4 characters of English: start near the answer, then shrink
    while True:
        cut = abstract[:chars].rsplit(" ", 1)[0] if chars < len(abstract) else abstract
        block = paper_block(n, paper, cut + SHORTENED)
        if count(block) <= budget or not cut:
            return block
        chars = int(len(cut) * 0.8)


def batch_papers(papers: Sequence[Paper], budget: int, count: Callable[[str], int]) -> list[NumberedPapers]:
    """All papers, numbered 1..N across batches that each fit `budget` (for the map step of a summary)."""
    batches: list[NumberedPapers] = []
    done = 0
    while done < len(papers):
        batch = pack_papers(papers[done:], budget, count, start=done + 1)
        batches.append(batch)
        done += len(batch.papers)
    return batches
