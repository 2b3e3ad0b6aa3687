"""The web face: a Gradio app over assistant.service, with an HTTP API. Thin: it imports nothing from the store or
the retrieval (tests/test_web_package.py checks), and every text it shows goes through `render` (escaped).

    startup.py    first-run ingest and warm-up off the request path; the status line
    app.py        the Blocks app: page + panels + handlers + API over one session state (`build_app`)
    page.py       the layout                      handlers.py  the chat's handlers, page load, status timer
    map_view.py   topic map and compare panels    api.py       /ask /search /summarize /similar (+ /map /compare)
    search_view.py   the Search panel: results, and what the query was read as above them
    session.py    a session's conversation and export files
    admission.py  the app's own checks (question length, rate limit, readiness); refusals
    serving.py    launch/mount arguments, the gate's middleware, `mount` into FastAPI
    gate.py, access.py   the admission gate in front of Gradio and its rules (login, sizes, throttles)
    render.py, render_sets.py, tables.py   text in, text out: Markdown, HTML, BibTeX, CSV (no Gradio)
    static/       the page's CSS and JavaScript (assets.py reads them)

The names below are imported on first use, so `assistant.web.render` (and the CLI's `tables`) load without Gradio.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .app import PaperAssistantUI, build_app
    from .serving import mount, serve_kwargs
    from .startup import Startup

__all__ = ["PaperAssistantUI", "Startup", "build_app", "mount", "serve_kwargs"]

_HOMES = {"PaperAssistantUI": ".app", "build_app": ".app", "mount": ".serving", "serve_kwargs": ".serving",
          "Startup": ".startup"}


def __getattr__(name: str) -> Any:
    if name not in _HOMES:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(_HOMES[name], __name__), name)
