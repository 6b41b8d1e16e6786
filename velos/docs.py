"""`velos docs`: generate the dbt docs site and serve it on 127.0.0.1.

The site is dbt's own static page (index.html) reading manifest.json and catalog.json. Those
three files are copied into ``$VELOS_HOME/docs`` and only that folder is served, so the rest
of dbt's target folder (compiled SQL, run results) is never exposed, even on localhost.
"""

from __future__ import annotations

import functools
import shutil
import threading
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from velos.errors import VelosError
from velos.settings import Settings

HOST = "127.0.0.1"
SITE_FILES = ("index.html", "manifest.json", "catalog.json")


def target_dir(settings: Settings) -> Path:
    """dbt's target folder: DBT_TARGET_PATH when set (as dbt reads it), else target/."""
    return settings.dbt_target_path


def generate_docs(settings: Settings, *, force: bool = False) -> Path:
    """Run `dbt docs generate` (unless the site exists and not ``force``); return the site folder.

    Generation describes every relation of the warehouse through the embedded Spark session,
    so the marts must be built first for the catalog to hold their columns.
    """
    target = target_dir(settings)
    if force or not all((target / name).is_file() for name in SITE_FILES):
        from velos.dbt import run_dbt

        run_dbt(["docs", "generate"], settings=settings)
    missing = [name for name in SITE_FILES if not (target / name).is_file()]
    if missing:
        raise VelosError(
            f"dbt docs generate did not write {', '.join(missing)} in {target}: see the dbt log"
        )
    site = settings.home / "docs"
    site.mkdir(parents=True, exist_ok=True)
    for name in SITE_FILES:
        shutil.copyfile(target / name, site / name)
    return site


class _QuietHandler(SimpleHTTPRequestHandler):
    """Static files without a log line per request."""

    def log_message(self, format: str, *args: Any) -> None:
        return


def make_server(site: Path, port: int) -> ThreadingHTTPServer:
    """An HTTP server for ``site`` bound to 127.0.0.1 (port 0 picks a free port)."""
    handler = functools.partial(_QuietHandler, directory=str(site))
    try:
        return ThreadingHTTPServer((HOST, port), handler)
    except OSError as error:
        raise VelosError(
            f"cannot serve the docs on {HOST}:{port} ({error.strerror}): the port is probably "
            "in use; pass another one with --port"
        ) from error


def serve_docs(settings: Settings, port: int = 8080, *, force: bool = False) -> None:
    """Generate the docs site if needed and serve it on http://127.0.0.1:<port>/ until Ctrl-C."""
    site = generate_docs(settings, force=force)
    server = make_server(site, port)
    url = f"http://{HOST}:{server.server_address[1]}/"
    print(f"[velos] docs site: {url}  (Ctrl-C to stop)", flush=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        thread.join()
    except KeyboardInterrupt:
        print("[velos] docs server stopped", flush=True)
    finally:
        server.shutdown()
        server.server_close()
