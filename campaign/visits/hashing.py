"""The fingerprint of a visit's content, so a resend can be told from a conflicting one."""

import hashlib
import json

# The fields a phone sends that make up a visit's content (client_id names it, not part of it).
CONTENT_FIELDS = (
    "campaign_id",
    "hamlet_id",
    "household",
    "site_kind",
    "outcome",
    "residents",
    "smartphones",
    "already_installed",
    "installs",
    "visited_at",
    "lat",
    "lon",
    "accuracy_m",
    "note",
)


def content_hash(normalised: dict) -> str:
    """SHA-256 of the normalised content: ints as ints, visited_at as UTC ISO, installs sorted."""
    content = {name: normalised.get(name) for name in CONTENT_FIELDS}
    content["installs"] = {k: v for k, v in sorted((content["installs"] or {}).items()) if v}
    encoded = json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)
    return hashlib.sha256(encoded.encode()).hexdigest()
