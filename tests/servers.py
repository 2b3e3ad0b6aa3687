"""Local servers for the tests and the benchmarks: a free loopback port, a process started and waited for until it
listens, stopped on exit; an ASGI app served in a thread. One place, so that every real server (`chroma run`,
llama.cpp, app.py, a test's own web app) is started, waited for and stopped the same way."""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_for_port(port: int, timeout: float = 60.0, proc: subprocess.Popen[bytes] | None = None) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"server exited with {proc.returncode} before listening on {port}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.2)
    raise TimeoutError(f"nothing listened on 127.0.0.1:{port} within {timeout}s")


def chroma_command(data: Path, port: int) -> list[str]:
    """`chroma run` (the one installed beside this Python) serving `data` on 127.0.0.1:port."""
    chroma = shutil.which("chroma", path=str(Path(sys.executable).parent)) or "chroma"
    return [chroma, "run", "--path", str(data), "--host", "127.0.0.1", "--port", str(port)]


def stop(proc: subprocess.Popen[bytes], grace: float = 15.0) -> None:
    proc.terminate()
    try:
        proc.wait(grace)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(5)


@contextlib.contextmanager
def serving(
    command: Sequence[str],
    port: int,
    log: Path,
    *,
    env: dict[str, str] | None = None,
    cwd: Path | None = None,
    timeout: float = 120.0,
    ready_url: str | None = None,
) -> Iterator[subprocess.Popen[bytes]]:
    """Run `command` (a server for 127.0.0.1:port; `env`: its whole environment, default this one's) with its
    output in `log`; yield the process once it listens (and, given `ready_url`, once that URL answers); stop it on
    exit. A server that does not come up is a RuntimeError that shows the end of its log."""
    environment = {"ANONYMIZED_TELEMETRY": "False", **(os.environ if env is None else env)}
    with log.open("ab") as out:
        proc = subprocess.Popen(list(command), cwd=cwd, env=environment, stdout=out, stderr=subprocess.STDOUT)
    try:
        try:
            wait_for_port(port, timeout, proc)
            if ready_url is not None:
                urllib.request.urlopen(ready_url, timeout=timeout).read()
        except (OSError, RuntimeError) as exc:
            tail = log.read_text(encoding="utf-8", errors="replace")[-3000:]
            what = " ".join([Path(command[0]).name, *command[1:3]])
            raise RuntimeError(f"{what} did not start: {exc}\n{tail}") from exc
        yield proc
    finally:
        stop(proc)


@contextlib.contextmanager
def serving_in_thread(app: Any, timeout: float = 60.0) -> Iterator[str]:
    """An ASGI app served by uvicorn in a thread of this process on a free loopback port; yields its URL."""
    import uvicorn

    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + timeout
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    if not server.started:
        raise RuntimeError(f"uvicorn did not start on 127.0.0.1:{port} within {timeout} s")
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(15)
