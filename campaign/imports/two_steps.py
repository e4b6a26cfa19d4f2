"""A province-wide file (every hamlet of a province, a roster of thousands): previewed first,
applied after. `stage` keeps the uploaded bytes for the apply step, `Preview` holds the counts per
group and the errors, and `apply_all_or_nothing` stores everything or nothing."""

import os
import re
import secrets
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from flask import current_app, request
from flask_babel import gettext as _

from campaign.extensions import db
from campaign.imports.reading import PROVINCE_MAX_BYTES, ImportFileError

STAGE_SECONDS = 24 * 3600  # a preview not applied within a day is forgotten


def allow_upload(max_bytes: int = PROVINCE_MAX_BYTES) -> None:
    """Let this request carry a file up to `max_bytes` (the app's limit is 1 MB for every other
    request). Call before reading `request.files` or `request.form`."""
    request.max_content_length = max_bytes + 64 * 1024  # the multipart envelope
    request.max_form_memory_size = max_bytes + 64 * 1024  # a pasted roster is a form field


def _stage_dir() -> Path:
    path = Path(current_app.instance_path) / "imports"
    path.mkdir(parents=True, exist_ok=True)
    return path


TOKEN = re.compile(r"[0-9a-f]{32}")


def _stage_path(token: str, kind: str, user_id: int) -> Path:
    if not isinstance(token, str) or not TOKEN.fullmatch(token):
        raise ImportFileError(_("Bản xem trước đã hết hạn. Hãy tải tệp lên lại."))
    return _stage_dir() / f"{kind}-{user_id}-{token}.bin"


def stage(data: bytes, kind: str, user_id: int) -> str:
    """Keep a previewed file for its apply step; only the same user and kind can read it back.
    Files (not the session): a province's file is megabytes, and every worker sees instance/."""
    folder = _stage_dir()
    cutoff = time.time() - STAGE_SECONDS
    for old in folder.glob("*.bin"):
        if old.stat().st_mtime < cutoff:
            old.unlink(missing_ok=True)
    token = secrets.token_hex(16)
    path = _stage_path(token, kind, user_id)
    tmp = path.with_suffix(f".{os.getpid()}.tmp")
    tmp.write_bytes(data)
    tmp.replace(path)
    return token


def staged(token: str, kind: str, user_id: int) -> bytes:
    path = _stage_path(token, kind, user_id)
    try:
        if path.stat().st_mtime < time.time() - STAGE_SECONDS:
            raise FileNotFoundError(path)
        return path.read_bytes()
    except FileNotFoundError as error:
        raise ImportFileError(_("Bản xem trước đã hết hạn. Hãy tải tệp lên lại.")) from error


def unstage(token: str, kind: str, user_id: int) -> None:
    _stage_path(token, kind, user_id).unlink(missing_ok=True)


@dataclass
class Group:
    """One ward (or team) of a preview: what applying would do to it."""

    key: object
    label: str
    new: int = 0
    changed: int = 0
    unchanged: int = 0
    notes: list[str] = field(default_factory=list)


@dataclass
class Preview:
    """What an import would do, per group, and every error with its line: apply only if `ok`."""

    errors: list[str] = field(default_factory=list)
    groups: dict = field(default_factory=dict)
    rows: int = 0
    plan: dict = field(default_factory=lambda: defaultdict(list))  # what apply will write

    @property
    def ok(self) -> bool:
        return not self.errors

    def group(self, key, label: str) -> Group:
        if key not in self.groups:
            self.groups[key] = Group(key, label)
        return self.groups[key]

    def totals(self) -> dict:
        return {
            name: sum(getattr(g, name) for g in self.groups.values())
            for name in ("new", "changed", "unchanged")
        }


class ApplyFailed(ImportFileError):
    """The apply step failed part way; nothing it wrote was kept."""


def apply_all_or_nothing(write, *args, **kwargs):
    """Run `write` inside a savepoint: any error undoes every row it wrote and becomes one
    message for a person. The request still commits once, after."""
    savepoint = db.session.begin_nested()
    try:
        result = write(*args, **kwargs)
        db.session.flush()
    except Exception as error:
        savepoint.rollback()
        current_app.logger.exception("import apply failed")
        raise ApplyFailed(_("Không nhập được tệp; không có gì được lưu. Hãy thử lại.")) from error
    savepoint.commit()
    return result
