"""Take the README's screenshot of the dashboard: serve a database, open it in Debian's
headless chromium (Playwright, a dev dependency), pick the event with the most coded spans,
and save the page as a PNG.

    eventcoder code examples/ --db /tmp/demo.duckdb
    python -m eventcoder.web.screenshot --db /tmp/demo.duckdb --out docs/dashboard.png
"""
from __future__ import annotations

import argparse
import socket
import threading
import time
from pathlib import Path

import uvicorn

from eventcoder.api.app import create_app

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def screenshot(db: str, out: Path, width: int = 1400, height: int = 1000) -> str:
    """Save the dashboard over ``db`` to ``out``; return the id of the event shown as evidence."""
    from playwright.sync_api import sync_playwright  # dev dependency: only this script needs it

    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(create_app(db), host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.05)
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            page = browser.new_page(viewport={"width": width, "height": height})
            # nothing but this server may be asked for anything
            page.route("**/*", lambda r: r.continue_() if r.request.url.startswith(f"http://127.0.0.1:{port}/") else r.abort())
            page.goto(f"http://127.0.0.1:{port}/")
            page.wait_for_selector("#events tbody tr")
            page.wait_for_selector("#map .country")
            rows = page.eval_on_selector_all("#events tbody tr", "rows => rows.map(r => r.dataset.eventId)")
            best, best_n = rows[0], -1
            for event_id in rows[:60]:  # the event whose evidence shows the most coded parts
                page.click(f"#events tbody tr[data-event-id='{event_id}']")
                page.wait_for_function(
                    "id => document.querySelector('#events tbody tr.selected')?.dataset.eventId === id"
                    " && document.querySelector('#article-text')", arg=event_id)
                kinds = page.eval_on_selector_all(
                    "#article-text mark", "ms => new Set(ms.flatMap(m => m.dataset.kinds.split(' '))).size")
                if kinds > best_n:
                    best, best_n = event_id, kinds
            page.click(f"#events tbody tr[data-event-id='{best}']")
            # the table starts at the chosen row (clicking rows scrolled it about)
            page.evaluate("""() => {
                const wrap = document.querySelector('.table-wrap');
                const row = document.querySelector('#events tbody tr.selected');
                wrap.scrollTop = row.offsetTop - wrap.querySelector('thead').offsetHeight;
            }""")
            page.wait_for_timeout(300)
            out.parent.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(out), full_page=True)
            browser.close()
    finally:
        server.should_exit = True
        thread.join(timeout=10)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", required=True)
    parser.add_argument("--out", type=Path, default=Path("docs/dashboard.png"))
    args = parser.parse_args()
    shown = screenshot(args.db, args.out)
    print(f"{args.out}: dashboard over {args.db}, evidence of event {shown}")


if __name__ == "__main__":
    main()
