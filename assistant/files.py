"""File rules shared by the modules that write caches or read files shipped inside installed packages: a file is
written whole or not at all, and a package's folder is found without importing the package."""

from __future__ import annotations

import importlib.util
import os
import tempfile
from pathlib import Path


def write_atomically(path: Path, data: bytes) -> None:
    """Write `data` to `path` through a temporary file in the same folder renamed over it, so that a reader (or a
    process killed midway) sees the old file or the new one, never a part. Creates the folder; raises OSError."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=path.name, suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.chmod(tmp, 0o644)  # mkstemp makes 0600; these files are data other users may share or ship
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def package_dir(package: str) -> Path | None:
    """The install folder of a package (a data package too), found without importing it; None if not installed."""
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations)))
