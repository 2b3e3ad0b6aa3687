"""Serve the paper assistant in the browser: `python app.py` (see `python app.py --help`).

The page is served at once; on first run the default listing is indexed in the background while the page shows
its progress (and the terminal a progress bar). Host and port follow Gradio's conventions: GRADIO_SERVER_NAME
(default 127.0.0.1: this machine only) and GRADIO_SERVER_PORT (default 7860)."""

from __future__ import annotations

import os

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")  # before gradio is imported: no calls home

import argparse  # noqa: E402 - after the environment is set
import contextlib  # noqa: E402
import logging  # noqa: E402
import sys  # noqa: E402
from collections.abc import Sequence  # noqa: E402
from pathlib import Path  # noqa: E402

DEFAULT_HOST = "127.0.0.1"


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description="Chat with a research-paper listing in the browser.")
    parser.add_argument("--host", help="address to bind (default: GRADIO_SERVER_NAME or 127.0.0.1)")
    parser.add_argument("--port", type=int, help="port (default: GRADIO_SERVER_PORT or 7860)")
    parser.add_argument("--root-path", help="path prefix behind a reverse proxy, e.g. /papers")
    parser.add_argument("--store", type=Path, help="store folder (default: vectorstore/)")
    parser.add_argument("--chroma-url", help="use a Chroma server instead of the store folder")
    parser.add_argument("--collection", help="listing asked by default (default: iclr2022)")
    parser.add_argument("--listing", type=Path, help="listing indexed on first run (default: the ICLR 2022 one)")
    parser.add_argument("--no-ingest", action="store_true", help="never index on start, even if the store is empty")
    parser.add_argument("-v", "--verbose", action="store_true", help="log what happens")
    return parser


def console_progress(done: int, total: int, state: dict[str, int] = {}) -> None:  # noqa: B006 - shared on purpose
    """A one-line progress report in the terminal, about every 5%."""
    step = max(1, total // 20)
    if done >= total or done - state.get("shown", -step) >= step:
        state["shown"] = done
        print(f"indexing the listing: {done:,} / {total:,} papers", file=sys.stderr, flush=True)


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING, format="%(levelname)s %(message)s")
    from assistant.errors import AssistantError
    from assistant.settings import Settings
    from assistant.web import Startup, build_app, serve_kwargs

    try:
        settings = Settings.load(
            store_dir=args.store, chroma_url=args.chroma_url, collection=args.collection,
            default_listing=args.listing, ui_root_path=args.root_path, auto_ingest=False if args.no_ingest else None,
        )
        # uvicorn rewrites the client address from X-Forwarded-For before the app sees it, by default for any peer on
        # 127.0.0.1: it must trust exactly the proxies the operator named (none by default), as the app does.
        os.environ["FORWARDED_ALLOW_IPS"] = settings.forwarded_allow_ips
        startup = Startup(settings, on_progress=console_progress).start()
        demo = build_app(settings, startup)
        host = args.host or os.environ.get("GRADIO_SERVER_NAME") or DEFAULT_HOST
        _, url, _ = demo.launch(
            server_name=host, server_port=args.port, prevent_thread_lock=True, quiet=True,
            state_session_capacity=settings.ui_max_sessions, **serve_kwargs(settings)
        )
    except AssistantError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    reach = "only this machine can connect" if host in ("127.0.0.1", "localhost", "::1") else "reachable on the network"
    print(f"Paper assistant: {url} (bound to {host}: {reach}; GRADIO_SERVER_NAME / GRADIO_SERVER_PORT change it)",
          flush=True)
    with contextlib.suppress(KeyboardInterrupt):
        demo.block_thread()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
