"""Serving the app: what `launch` and `gr.mount_gradio_app` both take (login, path prefix, the admission gate's
middleware, body size limit, look), Gradio's web-component loader served locally, and mounting into FastAPI."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import gradio as gr
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from ..settings import Settings
from . import assets, gate
from .access import parse_accounts
from .app import build_app
from .startup import Startup

WEB_COMPONENT_JS = Path(gr.__file__).resolve().parent / "templates" / "frontend" / "gradio.js"
THEME = gr.themes.Soft(primary_hue="indigo", secondary_hue="amber", neutral_hue="slate")


def serve_kwargs(settings: Settings) -> dict[str, Any]:
    """What both `launch` and `gr.mount_gradio_app` take: login, path prefix, body size limit, look."""
    return {
        "auth": parse_accounts(settings.ui_auth),
        "auth_message": "Log in to the paper assistant.",
        "root_path": settings.ui_root_path or None,
        "app_kwargs": {
            "middleware": gate.middleware(settings),  # body size limit, login-only routes, closed uploads
            "exception_handlers": gate.EXCEPTION_HANDLERS,
            "routes": [Route("/gradio.js", web_component_script)],
        },
        "max_file_size": "1mb",
        "show_error": False,
        "footer_links": ["api"],
        "run_history": False,  # Gradio's run history keeps questions in the browser, or sends them to a Hub bucket
        "theme": THEME,
        "css": assets.stylesheet(),
    }


async def web_component_script(request: Request) -> Response:
    """Gradio's web-component loader, served by the app itself (the usual CDN copy is unreachable offline). It
    imports the bundle relative to its own URL, so it works under any path prefix."""
    return Response(WEB_COMPONENT_JS.read_bytes(), media_type="application/javascript")


def mount(app: Any, settings: Settings, path: str = "/papers", startup: Startup | None = None) -> Any:
    """Mount the app into an existing FastAPI app at `path` (login and limits included); returns the app."""
    return gr.mount_gradio_app(app, build_app(settings, startup), path=path, **serve_kwargs(settings))
