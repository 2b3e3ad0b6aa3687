"""Code availability: whether a paper's abstract points to its code ("Code is available at https://github.com/..."),
and whether a question asks for such papers ("diffusion papers with code", "which of those release their code?").

A listing has no code field, so the abstract is all there is: a code host's address (GitHub, GitLab, Bitbucket, a
github.io page, a Colab notebook), a sentence saying the code or implementation is available or released, or one
saying the authors release it. A dataset or a model released without code does not count, nor does a paper about
code ("code generation", "source code summarization"): a question asks for code only with a word that asks for it
beside ("with code", "have their code online", "on GitHub", "open-sourced").
"""

from __future__ import annotations

import re

_CODE_WORD = r"(?:code|codes|implementations?|source[- ]code|codebase)"
_PAPER_SAYS = re.compile(
    r"(?:github\.com|gitlab\.com|bitbucket\.org|github\.io|colab\.research\.google)"
    rf"|\b{_CODE_WORD}\b[^.]{{0,60}}?\b(?:available|released?|public(?:ly)?|open[- ]sourced?|online|accessible)\b"
    rf"|\b(?:release|open[- ]source|publish|share|provide)\w*\s+(?:our\s+|the\s+|all\s+|an?\s+)?{_CODE_WORD}\b"
    rf"|\b{_CODE_WORD}\s*(?:is\s+)?(?:at|:)\s*https?://",
    re.IGNORECASE,
)
_ASKS = re.compile(
    r"\b(?:with|have|has|having|hav(?:e|ing)\s+released|releas(?:e|es|ed|ing)|shar(?:e|es|ed|ing)|provid(?:e|es|ed|ing)"
    r"|publish(?:es|ed|ing)?|open[- ]sourc(?:e|es|ed|ing))\s+(?:their\s+|its\s+|the\s+|an?\s+|any\s+|public(?:ly)?\s+"
    rf"|open[- ]source\s+|available\s+)*{_CODE_WORD}\b(?:\s+(?:available|released|online|on\s+github|public(?:ly)?"
    r"(?:\s+available)?))?"
    rf"|\b{_CODE_WORD}\s+(?:is\s+|are\s+)?(?:publicly\s+)?(?:available|released|public|online|on\s+github)\b"
    r"|\b(?:on|in)\s+github\b|\bgithub\s+(?:links?|repos?|repositor(?:y|ies))\b|\bopen[- ]sourced\b",
    re.IGNORECASE,
)


def has_code_link(abstract: str | None) -> bool:
    """Whether an abstract points to the paper's code (a code host's address, or says the code is available)."""
    return bool(_PAPER_SAYS.search(abstract or ""))


def asks_for_code(question: str) -> tuple[bool, str]:
    """Whether the question asks for papers with code, and the question with those words taken out ("diffusion
    papers with code" -> True, "diffusion papers")."""
    if not _ASKS.search(question):
        return False, question
    return True, re.sub(r"\s+", " ", _ASKS.sub(" ", question)).strip()
