"""Settings: every field described, documented in the README, env vars and flags applied in order."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from assistant.errors import ConfigError
from assistant.settings import Settings, describe_settings, settings_table, unknown_env_vars

from .conftest import ROOT


def test_every_setting_is_described_and_in_the_readme() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for name, env, _default, description in describe_settings():
        assert description, f"setting {name} has no description"
        assert env.split(" / ")[0] in readme, f"README does not document {env}"


def test_env_then_flags(monkeypatch, tmp_path) -> None:
    monkeypatch.setenv("ASSISTANT_COLLECTION", "from-env")
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-never-shown")
    settings = Settings()
    assert settings.collection == "from-env"
    assert "sk-test-never-shown" not in repr(settings) and "sk-test-never-shown" not in str(settings.model_dump())
    assert settings.with_overrides(collection="from-flag", store_dir=None).collection == "from-flag"
    assert settings.with_overrides(store_dir=tmp_path).store_dir == Path(tmp_path)


def test_llm_is_offline_unless_a_model_is_configured() -> None:
    assert not Settings(llm_model=None).llm_enabled
    assert Settings(llm_model="gpt-4o-mini").llm_enabled
    assert not Settings(llm_model="gpt-4o-mini", llm="offline").llm_enabled


def test_a_key_or_a_base_url_alone_turns_the_llm_on() -> None:
    assert Settings(llm_model=None, openai_api_key="sk-only-a-key").llm_enabled
    assert Settings(llm_model=None, openai_base_url="http://127.0.0.1:11434/v1").llm_enabled
    assert not Settings(llm="offline", openai_api_key="sk-only-a-key").llm_enabled


def test_unknown_fields_are_an_error_not_ignored() -> None:
    with pytest.raises(ValidationError, match="top_kk"):
        Settings(top_kk=3)  # type: ignore[call-arg]
    with pytest.raises(ValidationError, match="top_kk"):
        Settings().with_overrides(top_kk=3)


def test_overrides_are_validated_and_keep_secrets(tmp_path: Path) -> None:
    settings = Settings(openai_api_key="sk-kept-through-overrides")
    with pytest.raises(ValidationError, match="top_k"):
        settings.with_overrides(top_k=0)
    changed = settings.with_overrides(top_k=3, store_dir=str(tmp_path))
    assert changed.top_k == 3 and changed.store_dir == tmp_path  # coerced like any other source
    assert changed.openai_api_key is not None
    assert changed.openai_api_key.get_secret_value() == "sk-kept-through-overrides"


def test_load_turns_bad_values_into_one_config_error(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".env").write_text("ASSISTANT_TOP_KK=3\nOTHER_TOOL_SETTING=1\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="'top_kk' is not a setting") as caught:
        Settings.load()
    assert "other_tool" not in str(caught.value).lower()  # another tool's .env lines are none of our business
    (tmp_path / ".env").write_text("OTHER_TOOL_SETTING=1\nASSISTANT_TOP_K=4\n", encoding="utf-8")
    assert Settings.load().top_k == 4
    with pytest.raises(ConfigError, match=r"top_k \(ASSISTANT_TOP_K\)"):
        Settings.load(top_k=-1)


def test_a_misspelt_environment_variable_is_named_in_a_warning(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setenv("ASSISTANT_TOP_KK", "5")
    assert unknown_env_vars({"ASSISTANT_TOP_KK": "5", "ASSISTANT_TOP_K": "5", "PATH": "/bin"}) == ["ASSISTANT_TOP_KK"]
    with caplog.at_level("WARNING"):
        Settings.load()
    assert "ASSISTANT_TOP_KK names no setting" in caplog.text


def test_the_readme_table_is_the_settings_table_whole() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    start = readme.index("<!-- settings table: python -m assistant.settings -->\n")
    end = readme.index("\n<!-- /settings table -->")
    shown = readme[start:end].split("\n", 1)[1]
    assert shown == settings_table(), "README settings table is stale: run scripts/readme_settings"


# --- round three (docs/reliability.md) -------------------------------------------------------------------------------
@pytest.mark.parametrize(("env", "value"), [
    ("OPENAI_BASE_URL", "sk-PLANTED-secret-0123456789"), ("ASSISTANT_EMBEDDING_BASE_URL", "papers-llm.internal/v1"),
    ("ASSISTANT_CHROMA_URL", "localhost:8000"), ("OPENAI_BASE_URL", "ftp://sk-PLANTED-secret@host/v1"),
    ("ASSISTANT_CHROMA_URL", "http://db-host:port-sk-PLANTED"),
])
def test_an_endpoint_that_is_not_an_http_url_is_refused_without_repeating_it(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path, env: str, value: str) -> None:
    """Before: accepted; the first request then failed with "The endpoint ://? could not be reached"."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv(env, value)
    with pytest.raises(ConfigError) as refused:
        Settings.load()
    message = str(refused.value)
    assert "not an http(s) URL" in message and env.removeprefix("OPENAI_") in message
    assert "ASSISTANT_ASSISTANT" not in message and "Value error" not in message
    shown = value.split("//")[-1]  # what follows the scheme: no 6-character run of it may be repeated
    assert not any(shown[i:i + 6] in message for i in range(len(shown) - 5)), message


def test_endpoint_urls_that_are_http_urls_are_kept() -> None:
    settings = Settings(openai_base_url=" http://127.0.0.1:11434/v1 ", chroma_url="https://chroma.example:8443")
    assert settings.openai_base_url == "http://127.0.0.1:11434/v1" and settings.chroma_url == "https://chroma.example:8443"


@pytest.mark.parametrize(("given", "kept"), [
    ("*", "*"), ("https://wiki.lab.example/", "https://wiki.lab.example"),
    ("https://a.example  http://b.example:8080", "https://a.example http://b.example:8080"),
])
def test_frame_ancestors_take_any_page_or_origins(given: str, kept: str) -> None:
    assert Settings(ui_frame_ancestors=given).ui_frame_ancestors == kept


@pytest.mark.parametrize("given", ["", "wiki.lab.example", "https://wiki.lab.example/page",
                                   "https://a.example; script-src *", "'self'", "* https://a.example",
                                   "ftp://a.example"])
def test_frame_ancestors_that_are_not_origins_are_refused(given: str) -> None:
    with pytest.raises(ValidationError, match="ui_frame_ancestors"):
        Settings(ui_frame_ancestors=given)
