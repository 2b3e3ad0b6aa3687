"""`assistant doctor`: every check against real parts (the packaged model files, a real store with the shipped
listing, the scripted OpenAI-compatible server), in-process through `cli.main`."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from assistant import cli
from assistant.doctor import run_checks
from tests.conftest import PLANTED_KEY
from tests.openai_stub import Reply
from tests.servers import free_port


def by_name(checks: list[Any]) -> dict[str, Any]:
    return {c.name: c for c in checks}


def test_a_healthy_offline_setup_passes_every_check(iclr_settings: Any) -> None:
    checks = by_name(run_checks(iclr_settings))
    assert checks["model files"].status == "ok" and "sha256" in checks["model files"].detail
    assert checks["tokenizer ranks"].status == "ok"
    assert checks["store"].status == "ok"
    assert checks["listing iclr2022"].status == "ok" and "1095 papers" in checks["listing iclr2022"].detail
    assert checks["llm"].status == "skip" and "offline" in checks["llm"].detail


def test_the_llm_check_streams_from_the_endpoint(iclr_settings: Any, openai_stub: Any) -> None:
    openai_stub.script(Reply(text="ready"))
    settings = iclr_settings.with_overrides(llm="auto", openai_base_url=openai_stub.base_url,
                                            openai_api_key=PLANTED_KEY)
    llm = by_name(run_checks(settings))["llm"]
    assert llm.status == "ok" and repr(openai_stub.model) in llm.detail and "first token after" in llm.detail


def test_a_failing_endpoint_is_reported_with_the_fix_and_without_the_key(iclr_settings: Any) -> None:
    settings = iclr_settings.with_overrides(llm="openai", llm_model="some-model", llm_retries=0,
                                            openai_base_url=f"http://127.0.0.1:{free_port()}/v1",
                                            openai_api_key=PLANTED_KEY)
    llm = by_name(run_checks(settings))["llm"]
    assert llm.status == "fail" and "could not be reached" in llm.detail
    assert PLANTED_KEY not in llm.detail and PLANTED_KEY[3:11] not in llm.detail


def test_cli_doctor_prints_json_and_fails_on_a_missing_listing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("ASSISTANT_AUTO_INGEST", "false")
    monkeypatch.setenv("ASSISTANT_LLM", "offline")
    assert cli.main(["doctor", "--json", "--store", str(tmp_path / "empty")]) == 1
    checks = {c["name"]: c for c in json.loads(capsys.readouterr().out)}
    assert checks["store"]["status"] == "ok"
    assert checks["listing iclr2022"]["status"] == "fail" and "assistant ingest" in checks["listing iclr2022"]["detail"]
