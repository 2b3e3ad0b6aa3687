"""The sources panel of a set answer ("which papers…?", "how many…?"): the count, the papers grouped by theme, each
with its verdict and deciding quote. Pure like assistant.web.render (text in, text out; the count, numbers and the
set's exports live there) and under the same rules: every field that came from a listing or a model (titles,
quotes, theme names, the topic) is escaped here.

A set holds up to 200 papers (a filter-only question, "which papers are posters?", every paper that passes: 866).
The panel stays light: each theme is a collapsible section showing its first `SHOWN_PER_GROUP` cards, the rest
behind a "show more" that the browser does not lay out until it is opened (a closed <details>), the "possibly
relevant" papers are a section of their own, closed, and at most `MAX_PANEL_CARDS` cards are sent at all (the
exports and the API carry the whole set). No script is needed, so the panel works the same in an iframe or a web
component, and survives Gradio re-rendering it.

Numbering: a paper's number is its citation [n] in the answer (the chat links [57] to the same paper the card
marked [57] shows), whatever section the card is in.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..types import Answer, Screened
from .render import VERDICT_LABELS, citation_numbers, count_heading, escape_html, source_card

SHOWN_PER_GROUP = 10  # cards a section shows before its "show more"
MAX_PANEL_CARDS = 300  # cards one panel holds (300 cards: about 0.8 MB of HTML, parsed in ~0.2 s on 2 cores)
POSSIBLE_GROUP = "Possibly relevant"
UNGROUPED = "Matching papers"  # the one section of an answer that has no themes
OTHER_GROUP = "Other matching papers"  # relevant papers outside every named theme


# --- sections -------------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Section:
    name: str
    members: list[Screened]
    possible: bool = False  # the "possibly relevant" papers: shown closed, marked apart


def sections(answer: Answer) -> list[Section]:
    """The panel's sections in the order shown: the answer's themes (in `groups` order, then any theme the matches
    name that `groups` does not), relevant papers outside every theme, then the possibly relevant ones."""
    relevant = answer.relevant
    names = dict.fromkeys([*answer.groups, *(m.group for m in relevant if m.group)])
    out = [Section(name, [m for m in relevant if m.group == name]) for name in names]
    out = [s for s in out if s.members]
    loose = [m for m in relevant if not m.group]
    if loose:
        out.append(Section(OTHER_GROUP if out else UNGROUPED, loose))
    if answer.possible:
        out.append(Section(POSSIBLE_GROUP, answer.possible, possible=True))
    return out


# --- the panel ------------------------------------------------------------------------------------------------------
def verdict_html(match: Screened) -> str:
    """The verdict of one paper and the sentence of its abstract that decides it (escaped)."""
    judge = "judged by the LLM" if match.judge == "llm" else "judged offline"
    label = VERDICT_LABELS.get(match.verdict, match.verdict)
    verdict = f'<span class="pa-verdict pa-verdict-{escape_html(match.verdict)}" title="{judge}">{label}</span>'
    quote = f'<blockquote class="pa-quote">{escape_html(match.quote)}</blockquote>' if match.quote else ""
    return f'<div class="pa-decided">{verdict}{quote}</div>'


def section_html(section: Section, numbers: dict[str, int], budget: int) -> str:
    """One theme as a collapsible section with its size: the first SHOWN_PER_GROUP cards, the next ones (at most
    `budget`) behind "show more" (a closed <details>: the browser skips laying it out until it is opened), and a
    line for any beyond that."""
    cards = [source_card(m.hit, numbers[m.hit.paper.id], extra=verdict_html(m)) for m in section.members]
    shown, rest = cards[:SHOWN_PER_GROUP], cards[SHOWN_PER_GROUP : SHOWN_PER_GROUP + budget]
    more = (
        '<details class="pa-more"><summary>'
        f'<span class="pa-more-closed">Show {len(rest)} more</span><span class="pa-more-open">Show fewer</span>'
        f"</summary>{''.join(rest)}</details>"
        if rest
        else ""
    )
    left = len(cards) - len(shown) - len(rest)
    beyond = f'<p class="pa-muted pa-beyond">{left} more: in the exports and the API.</p>' if left > 0 else ""
    kind, is_open = (" pa-group-possible", "") if section.possible else ("", " open")
    return (
        f'<details class="pa-group{kind}" data-group="{escape_html(section.name)}"{is_open}>'
        f'<summary><span class="pa-group-name">{escape_html(section.name)}</span> '
        f'<span class="pa-group-size">{len(section.members)}</span></summary>'
        f"{''.join(shown)}{more}{beyond}</details>"
    )


def set_sources_html(answer: Answer) -> str:
    """The sources panel of a set answer: the count, then one section per theme (open) and the possibly relevant
    papers (closed), each card with its [n], verdict and deciding quote. At most MAX_PANEL_CARDS cards: the first
    ones of every section, then the rest in section order while the budget lasts (a filter-only question can
    match 900 papers; the exports and the API carry them all)."""
    numbers = citation_numbers(answer)
    parts = sections(answer)
    budget = max(0, MAX_PANEL_CARDS - sum(min(len(s.members), SHOWN_PER_GROUP) for s in parts))
    body = []
    for section in parts:
        body.append(section_html(section, numbers, budget))
        budget = max(0, budget - max(0, len(section.members) - SHOWN_PER_GROUP))
    markup = "".join(body) or '<div class="pa-empty">No paper of the listing matches.</div>'
    return (
        f'<div class="pa-sources pa-set" data-count="{len(answer.relevant)}" data-possible="{len(answer.possible)}">'
        f'<div class="pa-sources-head">{escape_html(count_heading(answer))}</div>{markup}</div>'
    )
