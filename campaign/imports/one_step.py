"""A file checked and stored in one request: every row is fine, or nothing is stored.

`all_or_nothing` runs an import service (hamlets and households of a ward, from the pages and
the API); `preview_or_apply` checks a smaller file and, when it is sent again with `apply`,
stores it (official user counts)."""

from collections.abc import Callable
from dataclasses import dataclass, field

from flask_babel import gettext as _

from campaign.imports.reading import MAX_ROWS, Column, ImportFileError, Parsed, parse


class ImportRejected(Exception):
    """Nothing may be stored: the file cannot be read (`unreadable`, one message) or some of its
    rows are wrong (`errors`, by line). The caller rolls back what the import flushed."""

    def __init__(self, errors: list[str], *, unreadable: bool = False):
        super().__init__("; ".join(errors))
        self.errors, self.unreadable = errors, unreadable


def all_or_nothing(run, *args) -> dict:
    """Run an import service (`run(*args)`, which returns its counts and `errors`); its counts
    when every row is fine, else ImportRejected. The pages and the API read uploads through it."""
    try:
        result = run(*args)
    except ImportFileError as error:
        raise ImportRejected([str(error)], unreadable=True) from error
    if result["errors"]:
        raise ImportRejected(result["errors"])
    return result


@dataclass
class Plan:
    """What an import does, line by line: a message per line (shown in the preview), the errors
    (any one of them stops the whole file), and the changes the importer stores on apply."""

    lines: list[tuple[int, str]] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    changes: list = field(default_factory=list)
    applied: bool = False

    def error(self, line: int, message: str) -> None:
        self.errors.append(_("Dòng %(line)d: %(message)s", line=line, message=message))


def preview_or_apply(
    upload,
    columns: list[Column],
    check: Callable[[Parsed, Plan], None],
    store: Callable[[list], None],
    *,
    apply: bool,
    max_rows: int = MAX_ROWS,
) -> Plan:
    """Read and check a file; with `apply`, store its changes, all of them or (on any error) none.

    `check` fills the plan from the parsed rows; `store` writes `plan.changes` (it flushes; the
    view commits once, or rolls back)."""
    plan = Plan()
    try:
        parsed = parse(upload, columns, max_rows)
    except ImportFileError as error:
        plan.errors.append(str(error))
        return plan
    plan.errors.extend(parsed.errors)
    check(parsed, plan)
    if apply and not plan.errors:
        store(plan.changes)
        plan.applied = True
    return plan
