"""Opening the store the settings name: a Chroma server, or the embedded folder; either behind the Chroma guard."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlparse

from ..errors import ConfigError, StoreError
from . import disk_space
from .guard import ChromaGuard, unreachable
from .reads import PaperStore

if TYPE_CHECKING:
    from ..settings import Settings


def _persistent_client(path: str, chroma_settings: Any, fresh: bool = False) -> Any:
    """An embedded Chroma client. `fresh`: not the one Chroma caches per path in this process, which still holds
    generations that another process has dropped since."""
    import chromadb
    from chromadb.api.shared_system_client import SharedSystemClient

    if fresh:
        SharedSystemClient._identifier_to_system.pop(path, None)  # others holding the old client keep it
        SharedSystemClient._identifier_to_refcount.pop(path, None)
    return chromadb.PersistentClient(path=path, settings=chroma_settings)


DAMAGE_SIGNS = ("file is not a database", "database disk image is malformed")
REBUILD_ADVICE = (". Its database, chroma.sqlite3, is damaged: move the folder aside (keep it until the rebuild "
                  "works), then ingest your listings again: assistant ingest LISTING_FILE --collection NAME")


def check_catalogue(folder: Path) -> None:
    """Refuse a store whose chroma.sqlite3 is empty (0 bytes) while index folders are beside it: its catalogue was
    lost (a disk fault, a copy cut short), and Chroma would silently start a new, empty store over the old files."""
    catalogue = folder / "chroma.sqlite3"
    index_folders = any(p.is_dir() and not p.name.startswith(".") for p in folder.iterdir())
    if catalogue.is_file() and catalogue.stat().st_size == 0 and index_folders:
        raise StoreError(f"cannot open the store in {folder}: chroma.sqlite3 is empty (0 bytes) but index folders "
                         f"are beside it, so the store's catalogue was lost{REBUILD_ADVICE}")


def open_store(settings: Settings) -> PaperStore:
    """The store the settings name: a Chroma server when chroma_url is set, else the embedded folder."""
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    chroma_settings = ChromaSettings(anonymized_telemetry=False)
    if settings.chroma_url:
        url = urlparse(settings.chroma_url)
        if not url.hostname:
            raise ConfigError(f"ASSISTANT_CHROMA_URL {settings.chroma_url!r} is not a URL like http://127.0.0.1:8000")
        port = url.port or (443 if url.scheme == "https" else 8000)
        try:
            client = chromadb.HttpClient(
                host=url.hostname, port=port, ssl=url.scheme == "https", settings=chroma_settings
            )
            client.heartbeat()
        except Exception as exc:  # noqa: BLE001 - any client failure means the same thing to the user
            raise StoreError(unreachable(f"{url.scheme}://{url.hostname}:{port}", exc)) from None
        location = f"{url.scheme}://{url.hostname}:{port}"
        return PaperStore(ChromaGuard(client, location, remote=True), location)
    settings.store_dir.mkdir(parents=True, exist_ok=True)
    path = str(settings.store_dir)
    check_catalogue(settings.store_dir)
    try:
        disk_space.create_catalogue(settings.store_dir)
        client = _persistent_client(path, chroma_settings)
    except Exception as exc:  # noqa: BLE001
        advice = REBUILD_ADVICE if any(sign in str(exc) for sign in DAMAGE_SIGNS) else ""
        raise StoreError(f"cannot open the store in {settings.store_dir}: {exc}{advice}") from exc
    return PaperStore(
        ChromaGuard(client, path, remote=False), path, folder=settings.store_dir,
        reopen=lambda: ChromaGuard(_persistent_client(path, chroma_settings, fresh=True), path, False),
    )
