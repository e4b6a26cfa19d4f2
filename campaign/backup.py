"""`flask --app campaign backup`: a consistent copy of the SQLite database while the site runs.

SQLite's online backup API copies the database page by page from one read snapshot, so the copy
is consistent even while gunicorn workers keep writing (WAL lets them go on). The copy is a
single self-contained file (rollback journal, not WAL) in instance/backups/, checked with
`PRAGMA integrity_check` before it gets its final name. PostgreSQL is backed up with pg_dump.
"""

import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import click
from flask import current_app

from campaign.extensions import db

PAGES_PER_STEP = 1024  # copy in steps so that writers are never held up for long


class BackupError(RuntimeError):
    pass


def backup_sqlite(source: Path, folder: Path, now: datetime | None = None) -> Path:
    """Copy the database at `source` into `folder`; returns the new file's path."""
    if not source.exists():
        raise BackupError(f"No database at {source}. Run `flask --app campaign init` first.")
    folder.mkdir(parents=True, exist_ok=True)
    stamp = (now or datetime.now(UTC)).strftime("%Y%m%d-%H%M%S")
    target = folder / f"campaign-{stamp}.sqlite3"
    n = 1
    while target.exists():
        n += 1
        target = folder / f"campaign-{stamp}-{n}.sqlite3"
    partial = target.with_suffix(".partial")
    partial.unlink(missing_ok=True)
    src = sqlite3.connect(source, timeout=30)  # reads only; WAL readers never wait for writers
    dst = sqlite3.connect(partial)
    try:
        src.backup(dst, pages=PAGES_PER_STEP)
        dst.execute("PRAGMA journal_mode=DELETE")  # one file, no -wal beside it
        problems = dst.execute("PRAGMA integrity_check").fetchall()
        if problems != [("ok",)]:
            raise BackupError(f"The copy failed its integrity check: {problems[:3]}")
    finally:
        dst.close()
        src.close()
    partial.rename(target)
    return target


def table_counts(path: Path, tables=("user", "visit", "household", "hamlet")) -> dict[str, int]:
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as conn:
        return {t: conn.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0] for t in tables}


@click.command("backup")
@click.option(
    "--to",
    "folder",
    type=click.Path(file_okay=False, path_type=Path),
    help="Folder for the copy (default: instance/backups/).",
)
def backup_command(folder: Path | None):
    """Copy the SQLite database, consistently and online, into instance/backups/."""
    url = db.engine.url
    if url.get_backend_name() != "sqlite":
        raise click.ClickException(
            "This database is PostgreSQL: back it up with pg_dump, for example "
            '`pg_dump --format=custom --file=campaign.dump "$DATABASE_URL"`, '
            "and restore with pg_restore (see README, Backups)."
        )
    if not url.database or url.database == ":memory:":
        raise click.ClickException("An in-memory database cannot be backed up.")
    folder = folder or Path(current_app.instance_path) / "backups"
    try:
        target = backup_sqlite(Path(url.database), folder)
    except (BackupError, sqlite3.Error) as error:
        raise click.ClickException(str(error)) from error
    counts = table_counts(target)
    size = target.stat().st_size / 1024 / 1024
    click.echo(f"Backup written: {target} ({size:.1f} MB)")
    click.echo(", ".join(f"{count} {table}" for table, count in counts.items()))
