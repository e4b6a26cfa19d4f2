"""User text never becomes markup: markup planted in every free-text column, then every GET page
of the URL map rendered as each role, and no planted tag arrives unescaped in HTML or SVG.

Found this way: a campaign's app name in the visit edit form's labels (a lazy gettext string
passes for markup), which could send a lead who opened the page to another site.
"""

import re
from pathlib import Path

import pytest
from markupsafe import escape

from tests.planting import FREE_TEXT, NOT_FREE_TEXT, get_pages, page_queries, planted_world, text_columns

PAYLOADS = [
    '<meta http-equiv=refresh content="0;url=https://evil.example">',
    '"><img src=x onerror=alert(1)>',
    "<script>x</script>",
]
TAGS = ("<script>x</script>", "<img src=x onerror=alert(1)>", "<meta http-equiv=refresh")
ROLES = ("admin", "coordinator", "lead", "volunteer")
# What people see on some page; the rest (an app's code, a resent visit's raw values) may only
# travel in JSON or forms' values, and is checked wherever it does appear.
SHOWN = {
    "campaign.name",
    "campaign_app.name",
    "hamlet.name",
    "team.name",
    "user.display_name",
    "household.label",
    "visit.review_reason",
    "audit_log.after",
}
STATIC = Path(__file__).resolve().parent.parent / "static"


def test_every_text_column_is_known_to_the_hostile_text_tests(db):
    unknown = text_columns() - set(FREE_TEXT) - set(NOT_FREE_TEXT)
    assert not unknown, f"say who writes these, in tests/planting.py: {sorted(unknown)}"
    assert not (set(FREE_TEXT) | set(NOT_FREE_TEXT)) - text_columns()


@pytest.mark.parametrize("role", ROLES)
def test_no_planted_markup_reaches_a_page_unescaped(app, field, db, client, auth, role):
    world = planted_world(field, PAYLOADS)
    assert auth.login(getattr(field, role)).status_code == 302
    unescaped, seen, rendered = [], set(), 0
    for _rule, path, _values in get_pages(app, world):
        for query in page_queries(world):
            response = client.get(path, query_string=query)
            assert response.status_code < 500, path
            if response.mimetype not in ("text/html", "image/svg+xml"):
                continue
            rendered += 1
            body = response.get_data(as_text=True)
            unescaped += [f"{path} {query}: {tag}" for tag in TAGS if tag in body]
            seen |= {column for value, column in world.planted.values.items() if str(escape(value)) in body}
    assert rendered > 20
    assert not unescaped, unescaped
    if role == "admin":  # sees every page, so the planted text is really on the pages walked
        assert seen >= SHOWN, SHOWN - seen


def test_edit_form_label_escapes_the_app_name(field, db, client, auth):
    world = planted_world(field, PAYLOADS)
    app_name = field.campaign.apps[0].name
    auth.login(field.lead)
    page = client.get(f"/review/visits/{world.visit.id}/edit").get_data(as_text=True)
    assert f"Cài mới {escape(app_name)}" in page and "<meta http-equiv" not in page


def test_scripts_build_text_nodes_never_html():
    """The phone's scripts put text in the page with textContent: no API parses a string as HTML."""
    sinks = re.compile(
        r"\.(innerHTML|outerHTML)\s*\+?=|insertAdjacentHTML|document\.write|createContextualFragment"
    )
    found = [
        f"{path.relative_to(STATIC)}:{n}"
        for path in [*STATIC.glob("js/*.js"), STATIC / "sw.js"]
        for n, line in enumerate(path.read_text().splitlines(), start=1)
        if sinks.search(line)
    ]
    assert not found, found
