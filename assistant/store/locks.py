"""The ingest lock: one writer per listing of an embedded store (a build, a tidy, a pointer's first description)."""

from __future__ import annotations

from pathlib import Path
from typing import IO

from ..errors import StoreError


class IngestLock:
    """One ingest per listing at a time in an embedded store: a second one would drop the first one's unfinished
    generation as left over. An OS file lock, so a killed ingest never leaves it held."""

    def __init__(self, handle: IO[str]) -> None:
        self._handle = handle

    @classmethod
    def take(cls, folder: Path, name: str) -> IngestLock:
        import fcntl

        path = folder / f".ingest-{name}.lock"
        handle = path.open("a+", encoding="utf-8")
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            handle.close()
            raise StoreError(
                f"another ingest into listing {name!r} is running on {folder}: wait for it to finish, then ingest "
                "again"
            ) from None
        return cls(handle)

    @classmethod
    def take_if_embedded(cls, folder: Path | None, name: str) -> IngestLock | None:
        """The lock for an embedded store's listing; None for a server (whose folder this process cannot lock)."""
        return cls.take(folder, name) if folder is not None else None

    def release(self) -> None:
        self._handle.close()  # closing the file releases the lock
