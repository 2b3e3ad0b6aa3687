"""The Blocks app: one `PaperAssistantUI` puts the page (page.py), the map and compare panels (map_view.py), the
Search panel (search_view.py), the chat's handlers (handlers.py) and the API endpoints (api.py) together over one
session state, one admission and one export folder. Build with `build_app(settings, startup)`; serve it with
`serving.serve_kwargs` (app.py at the repo root launches it) or mount it into FastAPI with `serving.mount`."""

from __future__ import annotations

from typing import Any

import gradio as gr

from ..settings import Settings
from .admission import CONCURRENCY_GROUP, Admission
from .api import ApiEndpoints
from .handlers import ChatHandlers
from .map_view import MapAndCompare
from .page import Page
from .search_view import SearchPanel
from .session import Exports
from .startup import Startup


class PaperAssistantUI:
    """The Blocks app and its parts. One instance per served app."""

    def __init__(self, settings: Settings, startup: Startup | None = None) -> None:
        self.settings = settings
        self.startup = startup or Startup(settings).start()
        self.admission = Admission(settings, self.startup)
        self.exports = Exports()
        self.demo = self._build()

    def _build(self) -> gr.Blocks:
        s = self.settings
        blocks = gr.Blocks(title="Paper assistant", delete_cache=(3600, 3600))
        with blocks as demo:
            self.page = Page(s, self.startup, self.exports.forget)
            self.extras = MapAndCompare(s, self.startup, self.page, self.admission, self.exports)
            self.search = SearchPanel(s, self.page, self.admission)
            self.chat = ChatHandlers(s, self.startup, self.page, self.extras, self.admission, self.exports)
            self.api = ApiEndpoints(s, self.admission)
            self.chat.wire(demo)
            self.extras.wire(demo)
            self.search.wire()
            common: dict[str, Any] = {"concurrency_id": CONCURRENCY_GROUP, "concurrency_limit": s.ui_concurrency}
            self.api.register(common)  # /ask, /search, /summarize, /similar
            self.extras.api(common)  # /map, /compare
        return blocks


def build_app(settings: Settings, startup: Startup | None = None) -> gr.Blocks:
    """The app, queued: at most `ui_concurrency` costly requests at once, `ui_queue_size` waiting. Direct HTTP
    calls that would skip the queue (and so the limits) are closed: clients go through the queue."""
    ui = PaperAssistantUI(settings, startup)
    # Gradio keeps every session's state (~0.1 MB: a copy of the page config) until 10,000 sessions by default:
    # about 1 GB on a busy wiki page. `mount` reads this attribute; `launch` takes it as state_session_capacity.
    ui.demo.state_session_capacity = settings.ui_max_sessions
    ui.demo.queue(max_size=settings.ui_queue_size, default_concurrency_limit=settings.ui_concurrency, api_open=False)
    return ui.demo
