"""Pure rendering of the topic map (SVG in HTML) and of comparison tables (HTML, Markdown, CSV). Text in, text out,
like assistant.web.render, whose escaping rules apply: every listing or model text is escaped for where it goes, and the
only links are the paper links render makes (`paper_url`: plain http(s) only)."""

from __future__ import annotations

import csv
import io
from collections.abc import Collection, Mapping, Sequence

from ..service import Cell, Comparison, MapPoint, Row, TopicMap
from ..types import Paper
from .render import authors_text, escape_html, escape_markdown_literal, escape_markdown_text, paper_url

WIDTH, HEIGHT, MARGIN = 1000, 640, 24
MAX_DRAWN = 4000  # points drawn at most: a 50k listing still renders (sampled evenly, answer papers always drawn)
PALETTE = (
    "#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#edc948", "#b07aa1", "#ff9da7",
    "#9c755f", "#bab0ac", "#1f77b4", "#8c564b", "#17becf", "#bcbd22", "#7f7f7f", "#d62728",
)
_CSV_FORMULA = ("=", "+", "-", "@", "\t", "\r")


def cluster_colour(cluster: int) -> str:
    return PALETTE[cluster % len(PALETTE)]


# --- the map ---------------------------------------------------------------------------------------------------------
def drawn_points(points: Sequence[MapPoint], lit: Collection[str], limit: int = MAX_DRAWN) -> list[MapPoint]:
    """The points to draw: all of them up to `limit`, else an even sample plus every lit point; lit ones last, so
    they are drawn on top."""
    if len(points) > limit:
        step = len(points) / limit
        sample = {points[int(i * step)].id for i in range(limit)}
        points = [p for p in points if p.id in sample or p.id in lit]
    return [p for p in points if p.id not in lit] + [p for p in points if p.id in lit]


def _xy(point: MapPoint) -> tuple[float, float]:
    return (MARGIN + point.x * (WIDTH - 2 * MARGIN), MARGIN + (1 - point.y) * (HEIGHT - 2 * MARGIN))


def marker(point: MapPoint, paper: Paper | None, lit: bool) -> str:
    """One paper: a diamond for an oral, a square for a spotlight, a circle otherwise; its text in data-*
    attributes (escaped) for the hover card."""
    x, y = _xy(point)
    decision = (paper.decision if paper else None) or ""
    size = 7.0 if lit else 4.0
    attrs = (
        f'class="pa-pt{" pa-lit" if lit else ""}" fill="{cluster_colour(point.cluster)}" '
        f'data-id="{escape_html(point.id)}" data-cluster="{point.cluster}" '
        f'data-title="{escape_html(paper.title if paper else point.id)}" '
        f'data-authors="{escape_html(authors_text(paper.authors, 4) if paper else "")}" '
        f'data-decision="{escape_html(decision)}"'
    )
    kind = decision.strip().lower()
    if kind == "oral":
        s = size * 1.4
        return f'<path d="M{x:.1f} {y - s:.1f}L{x + s:.1f} {y:.1f}L{x:.1f} {y + s:.1f}L{x - s:.1f} {y:.1f}Z" {attrs}/>'
    if kind == "spotlight":
        return f'<rect x="{x - size:.1f}" y="{y - size:.1f}" width="{2 * size:.1f}" height="{2 * size:.1f}" {attrs}/>'
    return f'<circle cx="{x:.1f}" cy="{y:.1f}" r="{size:.1f}" {attrs}/>'


def cluster_centre(points: Sequence[MapPoint]) -> tuple[float, float]:
    xs = sorted(_xy(p)[0] for p in points)
    ys = sorted(_xy(p)[1] for p in points)
    return xs[len(xs) // 2], ys[len(ys) // 2]


def map_html(
    topic_map: TopicMap, papers: Mapping[str, Paper], lit: Collection[str] = (), scope: int | None = None
) -> str:
    """The map: points coloured by cluster, cluster labels at their centres, a legend whose entries scope the next
    question to a cluster, and an (empty) hover card the page script fills."""
    lit_ids = {i for i in lit if i in papers}
    shown = drawn_points(topic_map.points, lit_ids)
    marks = "".join(marker(p, papers.get(p.id), p.id in lit_ids) for p in shown)
    by_cluster: dict[int, list[MapPoint]] = {}
    for point in topic_map.points:
        by_cluster.setdefault(point.cluster, []).append(point)
    labels = []
    for cluster in topic_map.clusters:
        members = by_cluster.get(cluster.id)
        if members:
            x, y = cluster_centre(members)
            short = " · ".join(cluster.terms[:2]) or cluster.label
            labels.append(f'<text class="pa-map-label" x="{x:.1f}" y="{y:.1f}" text-anchor="middle" '
                          f'data-cluster="{cluster.id}">{escape_html(short)}</text>')
    head = f"{len(topic_map.points):,} papers · {len(topic_map.clusters)} topics"
    if len(shown) < len(topic_map.points):
        head += f" · showing {len(shown):,} (an even sample, answer papers always shown)"
    if lit_ids:
        head += f" · {len(lit_ids)} papers of the current answer highlighted"
    return (
        f'<div class="pa-map{" pa-map-has-lit" if lit_ids else ""}" data-points="{len(shown)}">'
        f'<div class="pa-map-head">{escape_html(head)}. Hover a point for its paper; click it for its card and '
        "similar papers; click a topic to scope the next question (and “Summarize”) to it.</div>"
        f'<div class="pa-map-body"><svg class="pa-map-svg" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
        f'aria-label="Topic map of the listing">{marks}<g class="pa-map-labels">{"".join(labels)}</g></svg>'
        f"{legend_html(topic_map, scope)}</div>"
        '<div class="pa-map-tip" hidden></div></div>'
    )


def legend_html(topic_map: TopicMap, scope: int | None) -> str:
    items = []
    for c in topic_map.clusters:
        picked = " pa-scoped" if c.id == scope else ""
        items.append(
            f'<li><button type="button" class="pa-map-topic{picked}" data-action="cluster" data-cluster="{c.id}" '
            f'title="{escape_html(", ".join(c.terms))}"><span class="pa-swatch" '
            f'style="background:{cluster_colour(c.id)}"></span>{escape_html(c.label)}</button></li>'
        )
    markers = ('<div class="pa-map-markers">◆ oral · ■ spotlight · ● poster or other · larger: in the current '
               "answer</div>")
    return f'<div class="pa-map-legend"><ol>{"".join(items)}</ol>{markers}</div>'


# --- comparison tables -----------------------------------------------------------------------------------------------
def _cite_link_html(row: Row) -> str:
    url = paper_url(row.paper)
    if url is None:
        return f'<span class="pa-cite">[{row.n}]</span>'
    return f'<a class="pa-cite" href="{escape_html(url)}" target="_blank" rel="noopener noreferrer">[{row.n}]</a>'


def cell_html(cell: Cell, row: Row) -> str:
    if not cell.filled:
        note = f'<div class="pa-muted">{escape_html(cell.note)}</div>' if cell.note else ""
        return f'<td class="pa-cell pa-not-stated"><span>{escape_html(cell.text)}</span>{note}</td>'
    quote = "" if cell.text == cell.quote else f'<q class="pa-quote">{escape_html(cell.quote)}</q>'
    text = f"“{escape_html(cell.text)}”" if cell.text == cell.quote else escape_html(cell.text)
    return f'<td class="pa-cell"><span>{text}</span> {_cite_link_html(row)}{quote}</td>'


def comparison_html(table: Comparison) -> str:
    if not table.rows:
        return ('<div class="pa-compare pa-empty">A comparison table of the papers in the sources panel appears '
                "here.</div>")
    head = "".join(f"<th>{escape_html(c)}</th>" for c in table.columns)
    body = []
    for row in table.rows:
        cells = "".join(cell_html(row.cells[c], row) for c in table.columns)
        body.append(f'<tr data-paper-id="{escape_html(row.paper.id)}"><td>{_cite_link_html(row)}</td>'
                    f'<td class="pa-compare-title">{escape_html(row.paper.title)}</td>{cells}</tr>')
    by = f"cells by the LLM {table.model}, each quote checked" if table.mode == "llm" else (
        "offline: each cell is a sentence quoted from the abstract")
    notice = f'<div class="pa-notice"><b>Notice:</b> {escape_html(table.notice)}</div>' if table.notice else ""
    missing = (f'<div class="pa-muted">Not in the listing: {escape_html(", ".join(table.missing))}</div>'
               if table.missing else "")
    return (
        f'<div class="pa-compare"><div class="pa-compare-head">{len(table.rows)} papers compared · '
        f"{escape_html(by)}</div>{notice}{missing}<div class=\"pa-compare-scroll\"><table>"
        f"<thead><tr><th>#</th><th>Paper</th>{head}</tr></thead><tbody>{''.join(body)}</tbody></table></div></div>"
    )


def _cite_markdown(row: Row) -> str:
    url = paper_url(row.paper)
    return f"[\\[{row.n}\\]]({url})" if url else f"\\[{row.n}\\]"


def _cell_markdown(cell: Cell, row: Row) -> str:
    if not cell.filled:
        return escape_markdown_literal(cell.text + (f" ({cell.note})" if cell.note else ""))
    quote = f"“{escape_markdown_literal(cell.quote)}”"
    text = quote if cell.text == cell.quote else f"{escape_markdown_literal(cell.text)}: {quote}"
    return f"{text} {_cite_markdown(row)}"


def comparison_markdown(table: Comparison) -> str:
    """The table as Markdown (every cell escaped, `|` included), then its references."""
    lines = [
        "| # | Paper | " + " | ".join(escape_markdown_literal(c) for c in table.columns) + " |",
        "|---|---|" + "---|" * len(table.columns),
    ]
    for row in table.rows:
        cells = " | ".join(_cell_markdown(row.cells[c], row) for c in table.columns)
        lines.append(f"| {row.n} | {escape_markdown_literal(row.paper.title)} | {cells} |")
    refs = ["", "**References**", ""]
    for row in table.rows:
        url = paper_url(row.paper)
        authors = escape_markdown_literal(authors_text(row.paper.authors)) if row.paper.authors else ""
        parts = [p for p in (escape_markdown_literal(row.paper.title), authors) if p]
        refs.append(f"{row.n}. " + ". ".join(parts) + (f". <{url}>" if url else ""))
    by = f"the LLM {table.model} (quotes checked against the abstracts)" if table.mode == "llm" else (
        "the offline extractive table (each cell quoted from the abstract)")
    tail = ["", f"*Cells by {escape_markdown_text(by)}.*"]
    if table.notice:
        tail.insert(1, f"*Notice: {escape_markdown_text(table.notice)}*")
    return "\n".join(lines + refs + tail) + "\n"


def _csv_safe(text: str) -> str:
    """Spreadsheets run a cell starting with = + - @ as a formula: such text gets a leading apostrophe."""
    return f"'{text}" if text.startswith(_CSV_FORMULA) else text


def comparison_csv(table: Comparison) -> str:
    """One row per paper: number, id, title, link, then each column's text and its quote."""
    out = io.StringIO()
    writer = csv.writer(out)
    header = ["n", "id", "title", "url"]
    for column in table.columns:
        header += [column, f"{column} (quote)"]
    writer.writerow([_csv_safe(h) for h in header])
    for row in table.rows:
        values = [str(row.n), row.paper.id, row.paper.title, paper_url(row.paper) or ""]
        for column in table.columns:
            cell = row.cells[column]
            values += [cell.text + (f" ({cell.note})" if cell.note else ""), cell.quote]
        writer.writerow([_csv_safe(" ".join(v.split())) for v in values])
    return out.getvalue()
