"""The topic map and comparison tables through the faces: the app's `/map` and `/compare` endpoints (gradio_client
against `python app.py`, small real listing) and the `assistant map` / `assistant compare` commands (real
processes, the shipped listing's store)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from gradio_client import Client
from gradio_client.exceptions import AppError

from assistant.analysis.compare import DEFAULT_COLUMNS, NOT_STATED

from . import test_cli
from .conftest import OVERSQUASHING_ID

IQL = "68n2s9ZJWF8"
cli_main = test_cli.cli_main  # the same fixture: `assistant ARGS` run in this process


@pytest.fixture(scope="module")
def client(small_app: Any) -> Client:
    return Client(small_app.url, verbose=False)


def test_map_endpoint_returns_every_paper_and_labelled_clusters(client: Client) -> None:
    result = client.predict(api_name="/map")
    points, clusters = result["points"], result["clusters"]
    assert len(points) == 41 and OVERSQUASHING_ID in {p["id"] for p in points}
    assert all(set(p) == {"id", "x", "y", "cluster"} for p in points)
    assert {c["id"] for c in clusters} == {p["cluster"] for p in points}
    assert all(c["label"] and c["terms"] and c["size"] > 0 for c in clusters)


def test_map_endpoint_names_a_missing_listing(client: Client) -> None:
    with pytest.raises(AppError, match="does not exist"):
        client.predict(collection="no-such-listing", api_name="/map")


def test_compare_endpoint_returns_cited_cells(client: Client) -> None:
    hits = client.predict("graph neural networks", k=3, api_name="/search")["results"]
    ids = [h["id"] for h in hits]
    result = client.predict(ids=ids, api_name="/compare")
    assert result["columns"] == list(DEFAULT_COLUMNS) and result["mode"] == "offline"
    assert [r["id"] for r in result["rows"]] == ids
    for row in result["rows"]:
        assert set(row["cells"]) == set(DEFAULT_COLUMNS)
        for cell in row["cells"].values():
            assert cell["text"] == NOT_STATED or cell["quote"] == cell["text"]
    custom = client.predict(ids=ids[:1], columns=["uses graphs?"], api_name="/compare")
    assert custom["columns"] == ["uses graphs?"]


def test_compare_endpoint_errors_say_how_to_fix(client: Client) -> None:
    with pytest.raises(AppError, match="none of these paper ids"):
        client.predict(ids=["no-such-id"], api_name="/compare")
    with pytest.raises(AppError, match="at most 30 papers"):
        client.predict(ids=[f"id-{i}" for i in range(31)], api_name="/compare")


def test_cli_map_json(iclr_store: Path, cli_main: Any) -> None:
    out = cli_main("map", "--json", "--store", str(iclr_store))
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    assert len(data["points"]) == 1095 and len(data["clusters"]) >= 2
    text = cli_main("map", "--store", str(iclr_store))
    assert text.returncode == 0 and "1095 papers in" in text.stdout


def test_cli_compare_json_markdown_and_errors(iclr_store: Path, cli_main: Any) -> None:
    out = cli_main("compare", "--ids", IQL, OVERSQUASHING_ID, "--json", "--store", str(iclr_store),
                  "--columns", "method", "code available?")
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    assert data["columns"] == ["Method", "code available?"]
    assert "we propose" in data["rows"][0]["cells"]["Method"]["quote"].lower()
    md = cli_main("compare", "--ids", IQL, "nope", "--store", str(iclr_store))
    assert md.returncode == 0 and "**References**" in md.stdout and "nope" in md.stderr
    bad = cli_main("compare", "--ids", "nope", "--store", str(iclr_store))
    assert bad.returncode == 2 and "none of these paper ids" in bad.stderr
