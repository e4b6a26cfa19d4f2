"""The table of visit-rule cases (visit_rule_cases.json), made concrete for one field of test data,
so that the server's rules and the phone's copy answer the very same items."""

import json
import uuid
from datetime import UTC, datetime, time, timedelta
from pathlib import Path

from campaign.i18n import VN_TZ
from campaign.visits import rules

TABLE = json.loads((Path(__file__).parent / "visit_rule_cases.json").read_text())
CASES = TABLE["cases"]


def items(ids: dict, start_date) -> list[dict]:
    """Every case's item. `ids`: campaign, hamlet (the volunteer logs there), other_hamlet (not)."""
    now = datetime.now(UTC)
    named = {
        "campaign": ids["campaign"],
        "hamlet": ids["hamlet"],
        "other_hamlet": ids["other_hamlet"],
        "hour_ago": (now - timedelta(hours=1)).isoformat(),
        "hour_ago_naive": (now - timedelta(hours=1)).replace(tzinfo=None).isoformat(timespec="seconds"),
        "hour_ahead": (now + timedelta(hours=1)).isoformat(),
        "two_minutes_ahead": (now + timedelta(minutes=2)).isoformat(),
        "before_start": datetime.combine(start_date - timedelta(days=1), time(12), VN_TZ).isoformat(),
    }
    # The limits, by name, for values such as "$max_count+1".
    limits = {k: v for k, v in rules.client_rules().items() if k.startswith("max_")} | {"str": str}

    def value(text):
        if not (isinstance(text, str) and text.startswith("$")):
            return text
        name = text[1:]
        if name == "uuid":
            return str(uuid.uuid4())
        if name == "braced_uuid":
            return "{" + str(uuid.uuid4()).upper() + "}"
        if name in named:
            return named[name]
        return eval(name, {"__builtins__": {}}, limits)  # noqa: S307 (our own table's arithmetic)

    made = []
    for case in CASES:
        item = {**TABLE["base"], **case["item"]}
        made.append({k: value(v) for k, v in item.items() if v != "$delete"})
    return made


def expected(messages: dict) -> list[dict]:
    """Every case's field errors, as the server words them."""
    return [{name: [messages[key]] for name, key in case["errors"].items()} for case in CASES]
