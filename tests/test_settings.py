"""Settings: every field described, documented in the README, env vars and flags applied in order."""

from __future__ import annotations

from pathlib import Path

from assistant.settings import Settings, describe_settings

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
