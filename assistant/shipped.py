"""Where the files that ship with the product are: the prompt templates and the default listing.

In a checkout (or an editable install) they are the repo's own `prompts/` and `data/iclr2022/` folders; a wheel
carries them as the data packages `assistant.shipped_prompts` and `assistant.shipped_listing` (pyproject.toml maps
those folders there). The default store follows the same rule: `vectorstore/` in a checkout, else the user's data
folder, so an installed `assistant` works from any folder.
"""

from __future__ import annotations

import os
from pathlib import Path

from .files import package_dir

CHECKOUT = Path(__file__).resolve().parent.parent  # the repo, when running from a checkout


def _shipped(folder_in_checkout: Path, package: str) -> Path:
    if folder_in_checkout.is_dir():
        return folder_in_checkout
    return package_dir(package) or folder_in_checkout  # neither: the loader names this path in its error


def prompts_dir() -> Path:
    return _shipped(CHECKOUT / "prompts", "assistant.shipped_prompts")


def default_listing() -> Path:
    return _shipped(CHECKOUT / "data" / "iclr2022", "assistant.shipped_listing") / "accepted.jsonl"


def default_store_dir() -> Path:
    """`vectorstore/` beside the code in a checkout; elsewhere $XDG_DATA_HOME/paper-assistant/vectorstore."""
    if (CHECKOUT / "pyproject.toml").is_file():
        return CHECKOUT / "vectorstore"
    data_home = Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share")
    return data_home / "paper-assistant" / "vectorstore"
