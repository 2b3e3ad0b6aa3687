"""The page's own CSS and JavaScript, kept as files in assistant/web/static/ (shipped as package data) and read
when an app is built: an editor and a linter see real CSS and JS, and the Python stays about behaviour."""

from __future__ import annotations

from importlib import resources

STYLESHEETS = ("app.css", "map.css", "sets.css")  # in this order: later rules refine earlier ones


def read(name: str) -> str:
    """The text of one static file (`app.css`, `sources.js`...). A missing file is a broken install: it raises."""
    return resources.files(__package__).joinpath("static", name).read_text(encoding="utf-8")


def stylesheet() -> str:
    """Every stylesheet of the app, as the one CSS string Gradio takes."""
    return "".join(read(name) for name in STYLESHEETS)
