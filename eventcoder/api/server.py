"""``eventcoder serve``: the API and dashboard under uvicorn."""
from __future__ import annotations

from pathlib import Path

import uvicorn

from eventcoder.api.app import create_app

LOOPBACK_NAMES = ("127.0.0.1", "localhost", "::1", "[::1]")


def serve(db: str, host: str = "127.0.0.1", port: int = 8000, allow_store: bool = False) -> None:
    """Serve ``db`` until interrupted. Without ``allow_store`` the database must already exist."""
    if not allow_store and not Path(db).exists():
        raise SystemExit(f"{db}: no such database (code some articles first, or pass --allow-store)")
    # on loopback, answer only to loopback names (a rebinding domain gets 400); elsewhere the
    # operator chose the exposure
    hosts = LOOPBACK_NAMES if host in LOOPBACK_NAMES else None
    app = create_app(db, allow_store=allow_store, allowed_hosts=hosts)
    # limit_concurrency sheds load with 503s instead of queueing without bound; an idle keep-alive
    # connection is closed after 15 s: shorter, and a client that reuses a pooled connection under
    # load races the close and loses its request (seen once at 5 s with 200 clients)
    uvicorn.run(app, host=host, port=port, log_level="info", limit_concurrency=256,
                timeout_keep_alive=15, server_header=False)
