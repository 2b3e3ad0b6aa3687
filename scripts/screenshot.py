"""Take docs/screenshot.png: the running app answering a question, in Debian's chromium.

Usage: python app.py &   then   python scripts/screenshot.py [URL] [--question Q] [--out docs/screenshot.png]
       python scripts/screenshot.py --map --out docs/map.png   (the topic map, with the answer's papers lit)"""

from __future__ import annotations

import argparse
from pathlib import Path

from playwright.sync_api import expect, sync_playwright

CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync",
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("url", nargs="?", default="http://127.0.0.1:7860/")
    parser.add_argument("--question", default="which papers study over-squashing?")
    parser.add_argument("--out", type=Path, default=Path(__file__).resolve().parent.parent / "docs" / "screenshot.png")
    parser.add_argument("--width", type=int, default=1400)
    parser.add_argument("--height", type=int, default=1000)
    parser.add_argument("--map", action="store_true", help="open ?view=map and take the topic map panel only")
    args = parser.parse_args()
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": args.width, "height": args.height}, device_scale_factor=1)
        page.goto(args.url + ("?view=map" if args.map else ""))
        expect(page.locator("#pa-status")).to_contain_text("papers ·", timeout=600_000)
        page.locator("#pa-question textarea").fill(args.question)
        page.locator("#pa-question textarea").press("Enter")
        expect(page.locator("#pa-chat [data-testid='bot']").first.locator("sub")).to_be_visible(timeout=120_000)
        first_card = page.locator("#pa-sources .pa-card").first
        first_card.locator(".pa-abstract summary").click()
        page.mouse.move(0, 0)
        page.wait_for_timeout(800)
        if args.map:
            expect(page.locator("#pa-map .pa-lit").first).to_be_attached(timeout=120_000)
            page.locator("#pa-map-panel").screenshot(path=str(args.out))
        else:
            page.screenshot(path=str(args.out))
        browser.close()
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
