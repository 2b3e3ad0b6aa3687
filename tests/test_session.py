"""A session's exports: one folder per browser session, removed with the session, and the temporary folder they live
in removed with the app (each start of the app had left one behind in the system's temporary folder)."""

from __future__ import annotations

import gc
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

from assistant.types import Answer
from assistant.web.render import Turn
from assistant.web.session import Conversation, Exports


def test_a_session_folder_is_named_by_safe_characters_only() -> None:
    exports = Exports()
    try:
        folder = exports.folder(SimpleNamespace(session_hash="../../etc/passwd x"))
        assert folder.parent == exports.root
        assert folder.name == "etcpasswdx"
        assert exports.folder(SimpleNamespace(session_hash=None)).name == "anonymous"
    finally:
        exports.close()


def test_forgetting_a_session_removes_only_its_folder() -> None:
    exports = Exports()
    try:
        conv = Conversation()
        conv.turns.append(Turn(question="q", answer=Answer(text="a", citations=[], sources=[], mode="offline")))
        md, _ = exports.write_conversation(conv, SimpleNamespace(session_hash="one"))
        other = exports.folder(SimpleNamespace(session_hash="two"))
        assert md is not None and conv.export_folder is not None and conv.export_folder.is_dir()
        Exports.forget(conv)
        assert not conv.export_folder.exists()
        assert other.is_dir()
    finally:
        exports.close()


def test_closing_removes_the_temporary_folder_and_is_idempotent() -> None:
    exports = Exports()
    exports.folder(SimpleNamespace(session_hash="s")).joinpath("conversation.md").write_text("x", encoding="utf-8")
    exports.close()
    assert not exports.root.exists()
    exports.close()


def test_a_collected_exports_leaves_no_folder() -> None:
    exports = Exports()
    root = exports.root
    del exports
    gc.collect()
    assert not root.exists()


def test_the_folder_is_removed_when_the_process_exits() -> None:
    code = "from assistant.web.session import Exports; e = Exports(); print(e.root)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120)
    root = Path(out.stdout.strip())
    assert root.name.startswith("paper-assistant-exports-")
    assert not root.exists()
