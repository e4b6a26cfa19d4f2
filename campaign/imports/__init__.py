"""CSV and XLSX imports, one machinery for every list uploaded (hamlets, households, rosters).

A file is read whole, every row is checked, and the errors come back with their line numbers.
The caller changes nothing unless `errors` is empty. One module a job, each name re-exported
here (`imports.parse(...)`):
- `reading`: a CSV or XLSX into rows keyed by column (`parse`, `Column`, the size limits);
- `cells`: one cell into a number, or a message (`whole_number`, `decimal`, `shown`);
- `one_step`: a file checked and stored in one request, all or nothing (`all_or_nothing`,
  `preview_or_apply` for official user counts);
- `two_steps`: a province-wide file previewed first and applied after (`stage`, `Preview`,
  `apply_all_or_nothing`).
"""

from campaign.imports.cells import (
    decimal,
    shown,
    whole_number,
)
from campaign.imports.one_step import (
    ImportRejected,
    Plan,
    all_or_nothing,
    preview_or_apply,
)
from campaign.imports.reading import (
    FIELD_LIMIT,
    MAX_BYTES,
    MAX_ROWS,
    PROVINCE_MAX_BYTES,
    PROVINCE_MAX_ROWS,
    XLSX_MAGIC,
    Column,
    ImportFileError,
    Parsed,
    fold,
    parse,
    read_bytes,
    size_text,
)
from campaign.imports.two_steps import (
    STAGE_SECONDS,
    TOKEN,
    ApplyFailed,
    Group,
    Preview,
    allow_upload,
    apply_all_or_nothing,
    stage,
    staged,
    unstage,
)

__all__ = [
    "MAX_BYTES",
    "MAX_ROWS",
    "PROVINCE_MAX_BYTES",
    "PROVINCE_MAX_ROWS",
    "FIELD_LIMIT",
    "XLSX_MAGIC",
    "ImportFileError",
    "Column",
    "Parsed",
    "fold",
    "size_text",
    "read_bytes",
    "parse",
    "shown",
    "whole_number",
    "decimal",
    "ImportRejected",
    "all_or_nothing",
    "Plan",
    "preview_or_apply",
    "STAGE_SECONDS",
    "allow_upload",
    "TOKEN",
    "stage",
    "staged",
    "unstage",
    "Group",
    "Preview",
    "ApplyFailed",
    "apply_all_or_nothing",
]
