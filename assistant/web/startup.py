"""Start-up: the first-run ingest and the warm-up run off the request path while the page is already served, and
the status line says how far they are."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

from .. import service
from ..errors import AssistantError, DamagedListing
from ..settings import Settings
from .render import Status

log = logging.getLogger(__name__)

STARTUP_RETRY_SECONDS = 2.0  # a failed start is tried again on a request, at most this often


class Startup:
    """Tracks the store becoming ready while the UI is already served: first-run ingest with progress, warm-up."""

    def __init__(self, settings: Settings, on_progress: Callable[[int, int], None] | None = None) -> None:
        self.settings = settings
        self.on_progress = on_progress
        self.phase = "starting"
        self.done = 0
        self.total = 0
        self.error: str | None = None
        self._ready = threading.Event()
        self._retry_lock = threading.Lock()
        self._failed_at = 0.0

    def progress(self, done: int, total: int) -> None:
        self.phase, self.done, self.total = "indexing", done, total
        if self.on_progress is not None:
            self.on_progress(done, total)

    def run(self) -> None:
        """Ingest the default listing if the store lacks it, then load the retriever. Never raises."""
        try:
            summary = service.ensure_default_listing(self.settings, progress=self.progress)
            if summary is not None:
                log.info("first run: indexed %d papers in %.0f s", summary.read, summary.seconds)
            service.search("warm up", self.settings, k=1)
            self.phase = "ready"
        except DamagedListing as exc:  # that listing must be rebuilt; the others work: the app is ready for them
            self.phase, self.error = "ready", str(exc)
        except AssistantError as exc:
            self.phase, self.error = "failed", str(exc)
        except Exception:  # noqa: BLE001 - the UI must stay up and say what happened
            log.exception("startup failed")
            self.phase, self.error = "failed", "The store could not be opened; see the server log."
        finally:
            self._failed_at = time.monotonic()
            self._ready.set()

    def retry_if_failed(self) -> None:
        """After a failed start (say the Chroma server was down), start again in the background, at most every
        STARTUP_RETRY_SECONDS: the app recovers by itself once the store is back, without a restart."""
        with self._retry_lock:
            if self.phase != "failed" or time.monotonic() - self._failed_at < STARTUP_RETRY_SECONDS:
                return
            self.phase, self.error = "starting", None
            self._ready.clear()
        self.start()

    def start(self) -> Startup:
        threading.Thread(target=self.run, name="startup", daemon=True).start()
        return self

    def wait(self, timeout: float | None = None) -> bool:
        return self._ready.wait(timeout)

    @property
    def settled(self) -> bool:
        return self._ready.is_set()

    # --- what the status line and the listing menu show ---------------------------------------------------------
    def status(self) -> Status:
        s = self.settings
        answerer = (s.llm_model or "LLM") if s.llm_enabled else "offline"
        papers = self._paper_count(s.collection) if self.phase == "ready" else 0
        return Status(self.phase, s.collection, papers, self.done, self.total, answerer, self.error)

    def _paper_count(self, collection: str) -> int:
        try:
            for info in service.stats(self.settings)["collections"]:
                if info.get("collection") == collection:
                    return int(info.get("papers", 0))
        except AssistantError:
            pass
        return 0

    def collections(self) -> list[str]:
        """The listings a user may pick: the default one until the store is ready, then every one in it."""
        if self.phase != "ready":
            return [self.settings.collection]
        try:
            names = [str(c["collection"]) for c in service.stats(self.settings)["collections"]]
        except AssistantError:
            names = []
        return sorted(set(names) | {self.settings.collection})
