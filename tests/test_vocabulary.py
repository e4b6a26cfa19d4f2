"""One vocabulary: an outcome, a place or a review status has one name on every page and export."""

import ast
from pathlib import Path

from campaign import vocabulary
from campaign.visits.models import Outcome, ReviewStatus, SiteKind

ROOT = Path(__file__).resolve().parent.parent
ENUMS = {"Outcome": Outcome, "ReviewStatus": ReviewStatus, "SiteKind": SiteKind}
VALUES = {member.value for enum in ENUMS.values() for member in enum}


def _label_key(node) -> str | None:
    """The enum value a dict key names: Outcome.NOT_HOME or "not_home"."""
    if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id in ENUMS:
        return ENUMS[node.value.id][node.attr].value
    if isinstance(node, ast.Constant) and node.value in VALUES:
        return node.value
    return None


def _is_gettext(node) -> bool:
    return isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in ("_", "_l")


def test_no_module_but_the_vocabulary_names_outcomes_statuses_or_places():
    """Any dict in campaign/ mapping an outcome, status or place to translated text is a second
    copy of the vocabulary (there were four, with three wordings for "nobody home")."""
    copies = []
    for path in (ROOT / "campaign").rglob("*.py"):
        if path.name == "vocabulary.py" or "migrations" in path.parts:
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Dict) and any(
                _label_key(k) and _is_gettext(v) for k, v in zip(node.keys, node.values, strict=True)
            ):
                copies.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert copies == []


def test_the_vocabulary_names_every_member():
    assert set(vocabulary.OUTCOMES) == set(Outcome)
    assert set(vocabulary.STATUSES) == set(ReviewStatus)
    assert set(vocabulary.SITES) == set(SiteKind)


def test_retired_wordings_are_gone_from_code_and_templates():
    retired = ("Không có nhà", "Vắng nhà", "Cài nhờ hỗ trợ", "Không có smartphone", "Không được tính")
    found = [
        (str(path.relative_to(ROOT)), word)
        for folder in ("campaign", "templates", "static")
        for path in (ROOT / folder).rglob("*")
        if path.suffix in (".py", ".html", ".js")
        for word in retired
        if word in path.read_text()
    ]
    assert found == []


def test_every_screen_names_not_home_the_same_way(client, auth, field):
    """The visit form, my visits, the review queue and the household list."""
    from tests.test_visits_pages import form_data

    name = str(vocabulary.OUTCOMES[Outcome.NOT_HOME])
    auth.login(field.volunteer)
    not_home = form_data(field, outcome="not_home", residents="0", smartphones="0", install_bluezone="0")
    assert client.post("/visits/new", data=not_home).status_code == 302
    assert name in client.get("/visits/new").get_data(as_text=True)
    assert name in client.get("/visits/mine").get_data(as_text=True)
    auth.logout()
    auth.login(field.lead)
    assert name in client.get("/review/").get_data(as_text=True)
    assert name in client.get(f"/hamlets/{field.hamlet.id}/households").get_data(as_text=True)
