"""Versioned static URLs: /static/css/app.css?v=<hash of the file>, so the proxy may let
browsers keep them for a year (a new file is a new URL).

JavaScript modules are left bare: they import each other by relative path ('./outbox.js'), which
cannot carry the version, and one module under two URLs would run twice. They are revalidated
(ETag, 304) instead.
"""

import hashlib
from functools import lru_cache
from pathlib import Path

from flask import Flask

UNVERSIONED = (".js",)


@lru_cache(maxsize=256)
def _digest(path: str, mtime_ns: int) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()[:12]


def file_version(static_folder: str, filename: str) -> str | None:
    path = Path(static_folder) / filename
    try:
        stat = path.stat()
    except OSError:
        return None
    return _digest(str(path), stat.st_mtime_ns)


def register(app: Flask) -> None:
    @app.url_defaults
    def version_static(endpoint: str, values: dict) -> None:
        filename = values.get("filename")
        if endpoint != "static" or not filename or "v" in values or filename.endswith(UNVERSIONED):
            return
        version = file_version(app.static_folder, filename)
        if version:
            values["v"] = version
