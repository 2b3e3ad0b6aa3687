"""The Chroma guard: Chroma's failures the user can act on, turned into errors that say what to do.

Chroma raises whatever its layers raise (httpx for a server that is down, Rust panics worded as strings for an index
it cannot read, SQLite's messages for a full disk); the app could only call those "something went wrong". Every
client and collection the store uses is wrapped here, so each failure arrives as one StoreError naming its fix.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ..errors import DamagedListing, DiskFull, StoreError
from . import disk_space

# What Chroma says when a vector index's files cannot be read back (torn, truncated, edited by hand)
_DAMAGED_INDEX = ("Failed to apply logs", "Error loading hnsw index", "Error constructing hnsw segment reader",
                  "Error finding id")


class ChromaGuard:
    """A Chroma client, or one of its collections, whose failures the user can act on become a StoreError saying
    what to do, instead of a raw exception the app could only call "something went wrong":
    - a Chroma server that cannot be reached (httpx reconnects by itself once it is back);
    - a vector index whose files Chroma cannot read back (see `damaged_index`): the listing has to be rebuilt."""

    def __init__(self, target: Any, location: str, remote: bool) -> None:
        self._target = target
        self._location = location
        self._remote = remote

    def __getattr__(self, name: str) -> Any:
        value = getattr(self._target, name)
        return functools.partial(self._call, value) if callable(value) else value

    def _call(self, method: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        try:
            result = method(*args, **kwargs)
        except Exception as exc:
            error = self._translate(exc)
            if error is None:
                raise
        else:
            if hasattr(result, "query") and hasattr(result, "upsert"):  # a collection: guard its calls too
                return ChromaGuard(result, self._location, self._remote)
            return result
        raise error  # outside the except block: the raw exception is not chained

    def _translate(self, exc: Exception) -> StoreError | None:
        import httpx

        if self._remote and isinstance(exc, httpx.TransportError):
            return StoreError(unreachable(self._location, exc))
        damaged = any(sign in str(exc) for sign in _DAMAGED_INDEX)
        # A full disk often reads like damage ("Failed to apply logs"): the disk says which it is
        if disk_space.says_disk_full(str(exc)) or (damaged and not self._remote
                                                    and disk_space.looks_full(Path(self._location))):
            return DiskFull(disk_space.full_disk_message(self._location, remote=self._remote))
        if damaged:
            return damaged_index(str(getattr(self._target, "name", "?")).split(".")[0], self._location)
        return None


def damaged_index(listing: str, location: str, detail: str = "Chroma cannot read its files back") -> DamagedListing:
    """Ingests never write to a live index (the package docstring), so this is damage from outside: a disk fault, a
    store folder copied while written, files edited by hand."""
    return DamagedListing(
        f"the vector index of listing {listing!r} in {location} is damaged: {detail} (a "
        "disk fault, or a store folder copied or edited while in use, can cause this). Rebuild the listing: "
        f"`assistant delete {listing}`, then `assistant ingest LISTING_FILE --collection {listing}`"
    )


def unreachable(location: str, exc: BaseException) -> str:
    return (
        f"cannot reach the Chroma server at {location} ({type(exc).__name__}); start it with "
        "`chroma run --path DIR --port PORT`, or unset ASSISTANT_CHROMA_URL to use the embedded store"
    )
