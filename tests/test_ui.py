"""The app's API and its guards, against `python app.py` on 127.0.0.1 (small real listing, offline answers):
the named endpoints called with gradio_client, login, rate limit, size limits, mounting into FastAPI, launch."""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from gradio_client import Client
from gradio_client.exceptions import AppError

from assistant.settings import Settings
from assistant.web.access import max_request_bytes

from .servers import serving_in_thread

OVERSQUASHING_ID = "7UmjRGzp-A"
OVERSQUASHING_URL = f"https://openreview.net/forum?id={OVERSQUASHING_ID}"
QUESTION = "which papers study over-squashing?"
HOSTILE_TITLE = "<img src=x onerror=alert(1)>"
ACCOUNTS = {"alice": "wonder-land-42", "bob": "builder-of-7"}
RATE_LIMIT = 4


@pytest.fixture(scope="module")
def client(small_app: Any) -> Client:
    return Client(small_app.url, verbose=False)


def hit_keys_ok(hit: dict[str, Any]) -> bool:
    return (
        isinstance(hit["id"], str) and isinstance(hit["title"], str) and isinstance(hit["authors"], list)
        and isinstance(hit["score"], float) and "decision" in hit and "url" in hit
    )


# --- named endpoints -----------------------------------------------------------------------------------------------
def test_the_api_is_exactly_the_named_endpoints(client: Client) -> None:
    endpoints = client.view_api(print_info=False, return_format="dict")["named_endpoints"]
    assert set(endpoints) == {"/ask", "/search", "/summarize", "/similar", "/map", "/compare"}
    ask_params = [p["parameter_name"] for p in endpoints["/ask"]["parameters"]]
    assert ask_params[:2] == ["question", "history"]


def test_search_returns_structured_results(client: Client) -> None:
    result = client.predict("over-squashing bottlenecks curvature", api_name="/search")
    assert result["query"] == "over-squashing bottlenecks curvature"
    assert result["results"][0]["id"] == OVERSQUASHING_ID
    assert all(hit_keys_ok(h) for h in result["results"])
    assert result["results"][0]["url"] == OVERSQUASHING_URL


def test_search_filters_by_decision_and_author(client: Client) -> None:
    spotlights = client.predict("graph neural networks", decision=["Spotlight"], api_name="/search")["results"]
    assert spotlights and all(h["decision"] == "Spotlight" for h in spotlights)
    by_author = client.predict("graphs", author="Bronstein", api_name="/search")["results"]
    assert by_author and all(any("Bronstein" in a for a in h["authors"]) for h in by_author)


def test_ask_returns_a_cited_answer(client: Client) -> None:
    result = client.predict(QUESTION, api_name="/ask")
    assert result["mode"] == "offline" and result["model"] is None
    cited = {c["id"]: c for c in result["citations"]}
    assert OVERSQUASHING_ID in cited and cited[OVERSQUASHING_ID]["url"] == OVERSQUASHING_URL
    n = cited[OVERSQUASHING_ID]["n"]
    assert f"[{n}]" in result["answer"]
    assert f"[\\[{n}\\]]({OVERSQUASHING_URL})" in result["markdown"]
    assert OVERSQUASHING_ID in [s["id"] for s in result["sources"]]
    assert all(hit_keys_ok(s) for s in result["sources"])


def test_a_follow_up_sent_with_its_history_answers_from_the_earlier_papers(client: Client) -> None:
    first = client.predict(QUESTION, api_name="/ask")
    follow = client.predict("which of them are orals?", history=[first], api_name="/ask")
    earlier = {s["id"] for s in first["sources"]}
    later = {s["id"] for s in follow["sources"]}
    assert later and later <= earlier
    assert OVERSQUASHING_ID in {c["id"] for c in follow["citations"]}


def test_ask_applies_the_filters(client: Client) -> None:
    result = client.predict("graph neural networks", decision=["Spotlight"], api_name="/ask")
    assert result["sources"] and all(s["decision"] == "Spotlight" for s in result["sources"])


def test_summarize_given_papers_cites_only_them(client: Client) -> None:
    ids = [h["id"] for h in client.predict("graph neural networks", k=3, api_name="/search")["results"]]
    result = client.predict(ids=ids, api_name="/summarize")
    cited = {c["id"] for c in result["citations"]}
    assert cited and cited <= set(ids)
    assert result["mode"] == "offline" and result["answer"].strip()


def test_summarize_a_query(client: Client) -> None:
    result = client.predict(query="graph neural networks", api_name="/summarize")
    assert result["citations"] and re.search(r"\[\d+\]", result["answer"])


def test_summarize_without_papers_says_what_to_give(client: Client) -> None:
    with pytest.raises(AppError, match="Give `ids`"):
        client.predict(api_name="/summarize")


def test_similar_papers_leave_the_paper_itself_out(client: Client) -> None:
    result = client.predict(OVERSQUASHING_ID, k=5, api_name="/similar")
    ids = [h["id"] for h in result["results"]]
    assert len(ids) == 5 and OVERSQUASHING_ID not in ids


def test_hostile_listing_text_is_returned_as_data_and_escaped_in_markdown(client: Client) -> None:
    found = client.predict("hostile markup in listing text", api_name="/search")["results"]
    assert HOSTILE_TITLE in [h["title"] for h in found]  # JSON carries the text as it is
    answer = client.predict("which papers study hostile markup in listing text?", api_name="/ask")
    assert HOSTILE_TITLE in answer["answer"]
    assert "<img" not in answer["markdown"] and "&lt;img src=x onerror=alert(1)&gt;" in answer["markdown"]


def test_unknown_collection_is_a_clear_error(client: Client) -> None:
    with pytest.raises(AppError) as err:
        client.predict("graphs", collection="no-such-listing", api_name="/search")
    assert "no-such-listing" in str(err.value) and "Traceback" not in str(err.value)


# --- size limits -----------------------------------------------------------------------------------------------------
def test_a_question_over_the_limit_is_refused(client: Client) -> None:
    with pytest.raises(AppError, match="the limit is 2000"):
        client.predict("x" * 2001, api_name="/ask")


def test_a_history_turn_over_the_limit_is_refused(client: Client) -> None:
    history = [{"question": "q", "answer": "a" * 20_001}]
    with pytest.raises(AppError, match="history item 1 is too long"):
        client.predict("and then?", history=history, api_name="/ask")


def test_a_request_body_over_the_limit_is_refused_before_the_app_reads_it(small_app: Any) -> None:
    limit = max_request_bytes(Settings())
    r = httpx.post(f"{small_app.url}gradio_api/call/search", json={"data": ["x" * (limit + 1)]}, timeout=30)
    assert r.status_code == 413 and "Request too large" in r.text
    assert httpx.get(f"{small_app.url}config", timeout=30).status_code == 200  # the app is still up


def test_direct_calls_that_would_skip_the_queue_are_closed(small_app: Any) -> None:
    r = httpx.post(f"{small_app.url}gradio_api/api/search", json={"data": ["graphs"]}, timeout=30)
    assert r.status_code == 404 and "join the queue" in r.text


# --- login and rate limit ------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def locked_app(app_launcher: Any, small_store: Path, small_listing: Path,
               tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """The app with login (two accounts) and a rate limit, its port given the Gradio way (GRADIO_SERVER_PORT)."""
    env = {
        "ASSISTANT_UI_AUTH": ",".join(f"{u}:{p}" for u, p in ACCOUNTS.items()),
        "ASSISTANT_UI_RATE_LIMIT": str(RATE_LIMIT),
    }
    with app_launcher(small_store, small_listing, env=env, port_from_env=True,
                      log_dir=tmp_path_factory.mktemp("locked-app")) as server:
        yield server


def test_port_comes_from_gradio_server_port_and_the_binding_is_said(locked_app: Any) -> None:
    deadline = time.monotonic() + 30
    while "Paper assistant:" not in locked_app.output() and time.monotonic() < deadline:
        time.sleep(0.2)
    line = next(ln for ln in locked_app.output().splitlines() if ln.startswith("Paper assistant:"))
    assert f"http://127.0.0.1:{locked_app.port}" in line and "bound to 127.0.0.1" in line
    assert "only this machine can connect" in line


@pytest.mark.parametrize("method,route", [
    ("GET", "config"), ("GET", "gradio_api/info"), ("POST", "gradio_api/call/ask"), ("POST", "gradio_api/call/search"),
    ("POST", "gradio_api/queue/join"), ("GET", "gradio_api/queue/data?session_hash=x"),
])
def test_without_login_every_api_route_is_refused(locked_app: Any, method: str, route: str) -> None:
    body = {"data": [QUESTION], "fn_index": 0, "session_hash": "x"} if method == "POST" else None
    r = httpx.request(method, locked_app.url + route, json=body, timeout=30)
    assert r.status_code in (401, 403), (route, r.status_code, r.text[:200])


def test_without_login_the_page_is_the_login_form(locked_app: Any) -> None:
    page = httpx.get(locked_app.url, timeout=30)
    assert page.status_code == 200 and "pa-chat" not in page.text and "pa-sources" not in page.text


def test_gradio_client_without_or_with_wrong_login_is_refused(locked_app: Any) -> None:
    with pytest.raises(Exception):  # noqa: B017 - the client raises different types for 401 by version
        Client(locked_app.url, verbose=False).predict(QUESTION, api_name="/search")
    with pytest.raises(Exception):  # noqa: B017
        Client(locked_app.url, auth=("alice", "not-her-password"), verbose=False).predict("q", api_name="/search")


def test_logged_in_client_gets_answers_then_hits_its_rate_limit(locked_app: Any) -> None:
    bob = Client(locked_app.url, auth=("bob", ACCOUNTS["bob"]), verbose=False)
    for _ in range(RATE_LIMIT):
        assert bob.predict("graph neural networks", api_name="/search")["results"]
    with pytest.raises(AppError, match=f"Too many requests: the limit is {RATE_LIMIT} a minute"):
        bob.predict("graph neural networks", api_name="/search")
    alice = Client(locked_app.url, auth=("alice", ACCOUNTS["alice"]), verbose=False)
    assert alice.predict(QUESTION, api_name="/ask")["citations"]  # limits are per client


def test_passwords_never_reach_the_log(locked_app: Any) -> None:
    Client(locked_app.url, auth=("alice", ACCOUNTS["alice"]), verbose=False).predict("graphs", api_name="/search")
    log = locked_app.output()
    assert log and all(password not in log for password in ACCOUNTS.values())


# --- mounting into an existing FastAPI app --------------------------------------------------------------------------

@pytest.mark.slow  # a real uvicorn server
def test_the_app_mounts_into_an_existing_fastapi_app(small_store: Path) -> None:
    from assistant import web

    site = FastAPI()

    @site.get("/health")
    def health() -> dict[str, str]:
        return {"status": "ok"}

    settings = Settings(store_dir=small_store, llm="offline", auto_ingest=False, collection="iclr2022",
                        ui_rate_limit=0)
    web.mount(site, settings, path="/papers")
    with serving_in_thread(site) as url:
        assert httpx.get(f"{url}/health", timeout=30).json() == {"status": "ok"}
        assert httpx.get(f"{url}/papers/gradio.js", timeout=30).headers["content-type"].startswith(
            "application/javascript")
        result = Client(f"{url}/papers/", verbose=False).predict(QUESTION, api_name="/ask")
        assert OVERSQUASHING_ID in {c["id"] for c in result["citations"]}


# --- launch ----------------------------------------------------------------------------------------------------------
def test_launch_on_an_existing_store_answers_within_seconds(app_launcher: Any, small_store: Path,
                                                           small_listing: Path, tmp_path: Path) -> None:
    started = time.monotonic()
    with app_launcher(small_store, small_listing, log_dir=tmp_path) as server:
        listening = time.monotonic() - started
        Client(server.url, verbose=False).predict("graph neural networks", api_name="/search")
        answering = time.monotonic() - started
    print(f"port open after {listening:.1f} s, first search answered after {answering:.1f} s")
    assert listening < 30 and answering < 45  # generous: a busy 2-core machine; typically about 5 and 8 s


# --- load: concurrency limit and queue ---------------------------------------------------------------------------
def _wait_for(job: Any, codes: set[str], timeout: float = 30.0) -> None:
    """Until a gradio_client job's status is one of `codes` (or it is done)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and not job.done() and job.status().code.name not in codes:
        time.sleep(0.05)


def wait_until_running(job: Any) -> None:
    _wait_for(job, {"PROCESSING", "ITERATING", "PROGRESS"})


def wait_until_queued(job: Any) -> None:
    _wait_for(job, {"IN_QUEUE", "PROCESSING", "ITERATING", "PROGRESS"})


def test_one_answer_at_a_time_one_waiting_the_rest_refused(
    app_launcher: Any, small_store: Path, small_listing: Path, tmp_path: Path, openai_stub: Any
) -> None:
    """ui_concurrency=1, ui_queue_size=1, and a model that takes 3 s: of three questions at once one is
    answered, one waits its turn and is answered after it, the third is refused at once (queue full)."""
    from tests.openai_stub import Reply

    openai_stub.default = Reply(text="A slow answer.", delay=3.0)
    env = {"ASSISTANT_LLM": "openai", "ASSISTANT_LLM_MODEL": openai_stub.model, "OPENAI_BASE_URL": openai_stub.base_url,
           "OPENAI_API_KEY": "sk-test-unused-000000", "ASSISTANT_LLM_RETRIES": "0",
           "ASSISTANT_UI_CONCURRENCY": "1", "ASSISTANT_UI_QUEUE_SIZE": "1"}
    with app_launcher(small_store, small_listing, env=env, log_dir=tmp_path) as server:
        Client(server.url, verbose=False).predict("graphs", k=1, api_name="/search")  # ready
        clients = [Client(server.url, verbose=False) for _ in range(3)]
        started = time.monotonic()
        jobs = [clients[0].submit(QUESTION, api_name="/ask")]
        wait_until_running(jobs[0])  # on a loaded machine the three could otherwise reach the queue in any order
        jobs.append(clients[1].submit(QUESTION, api_name="/ask"))
        wait_until_queued(jobs[1])
        jobs.append(clients[2].submit(QUESTION, api_name="/ask"))
        outcomes: list[str] = []
        for job in jobs:
            try:
                job.result(timeout=60)
                outcomes.append(f"answered after {time.monotonic() - started:.1f} s")
            except Exception as exc:  # noqa: BLE001 - the refusal's type differs between client versions
                outcomes.append(f"refused: {exc}")
    answered = [o for o in outcomes if o.startswith("answered")]
    refused = [o for o in outcomes if o.startswith("refused")]
    assert len(answered) == 2 and len(refused) == 1, outcomes
    assert re.search(r"queue is full", refused[0], re.IGNORECASE), refused
    assert max(float(o.split()[2]) for o in answered) >= 6.0  # the second waited for the first
    assert len(openai_stub.chat_requests) == 2


# --- round three: argument types (docs/reliability.md) ---------------------------------------------------------------
def call_api(app: Any, api: str, data: list[Any]) -> tuple[str, str]:
    """An endpoint called over raw HTTP, as any client may (not gradio_client, which sends the right types):
    (the event's kind, its data)."""
    body = json.dumps({"data": data})  # NaN as JSON's NaN, a lone surrogate as a \\ud800 escape
    r = httpx.post(f"{app.url}gradio_api/call/{api}", content=body, timeout=30,
                   headers={"content-type": "application/json"})
    assert r.status_code == 200, r.text
    stream = httpx.get(f"{app.url}gradio_api/call/{api}/{r.json()['event_id']}", timeout=120).text
    kind = re.findall(r"^event: (\w+)", stream, re.M)[-1]
    return kind, stream


G = "graph neural networks"
WRONG_TYPES = [
    ("search", [G, float("nan"), None, None, None, None], "`k` must be a whole number"),
    ("search", [G, "abc", None, None, None, None], "`k` must be a whole number"),
    ("search", [G, [1, 2], None, None, None, None], "`k` must be a whole number"),
    ("search", [G, None, None, None, None, None], "`k` must be a whole number"),
    ("search", [123, 5, None, None, None, None], "`query` must be text"),
    ("search", [{"a": 1}, 5, None, None, None, None], "`query` must be text"),
    ("search", [G, 5, ["iclr2022"], None, None, None], "`collection` must be text"),
    ("search", [G, 5, None, [1, 2], None, None], "`decision` must be a list of texts"),
    ("search", [G, 5, None, "Poster", None, None], "`decision` must be a list of texts"),
    ("search", [G, 5, None, None, ["x"], None], "`keyword` must be text"),
    ("search", [G, 5, None, None, None, {"$ne": 1}], "`author` must be text"),
    ("ask", [None, None, None, None, None, None], "`question` must be text, not null"),
    ("ask", [G, None, None, ["Poster", 5], None, None], "`decision` must be a list of texts"),
    ("ask", [G, "not a list", None, None, None, None], "`history` must be a list"),
    ("similar", [None, 5, None], "`paper_id` must be text"),
    ("similar", [["a"], 5, None], "`paper_id` must be text"),
    ("similar", ["7UmjRGzp-A", True, None], "`k` must be a whole number"),
    ("summarize", [None, "notalist", None, None, None, None], "`ids` must be a list of texts"),
    ("summarize", [None, [1, 2, None], None, None, None, None], "`ids` must be a list of texts"),
    ("summarize", [5, None, None, None, None, None], "`query` must be text"),
    ("map", [5], "`collection` must be text"),
    ("compare", [[5], None, None], "`ids` must be a list of texts"),
    ("compare", [["7UmjRGzp-A"], {"c": 1}, None], "`columns` must be a list of texts"),
]


@pytest.mark.parametrize(("api", "data", "message"), WRONG_TYPES,
                         ids=[f"{api}-{n}" for n, (api, _, _) in enumerate(WRONG_TYPES)])
def test_an_argument_of_the_wrong_type_is_refused_naming_it(small_app: Any, api: str, data: list[Any],
                                                            message: str) -> None:
    """Before: "Something went wrong while answering" (or `"error": null`) and a traceback in the log for each;
    `ids: "notalist"` summarized 8 one-letter ids."""
    before = small_app.output()
    kind, stream = call_api(small_app, api, data)
    assert kind == "error" and message in stream, stream
    assert "Traceback" not in small_app.output()[len(before):]


def test_arguments_of_the_right_type_still_work_over_raw_http(small_app: Any) -> None:
    kind, stream = call_api(small_app, "search", [G, 3.0, None, ["Poster"], None, None])
    assert kind == "complete" and '"results": [{' in stream, stream
    kind, stream = call_api(small_app, "search", ["graph\ud800 neural\u200b networks", 3, None, None, None, None])
    assert kind == "complete" and '"results": [{' in stream, stream  # a lone surrogate: dropped, not a crash


def test_history_citation_numbers_that_are_not_plain_digits_are_dropped(small_app: Any) -> None:
    """Before: a history citation numbered "²" (str.isdigit() says yes, int() says no) or with 5,000 digits failed
    the follow-up with a traceback."""
    earlier = {"question": "graph papers?", "answer": "See [1].",
               "citations": [{"n": "²", "id": "x"}, {"n": "9" * 5000, "id": "y"}, {"n": 1, "id": "7UmjRGzp-A"}]}
    kind, stream = call_api(small_app, "ask", ["and over-squashing?", [earlier], None, None, None, None])
    assert kind == "complete", stream
