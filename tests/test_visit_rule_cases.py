"""The server's visit rules answer every case of visit_rule_cases.json as the table says (the
phone's copy answers the same table in test_browser_visits.py)."""

from campaign.visits import rules
from tests import visit_rule_cases


def test_the_server_answers_every_case_of_the_table(app, field, auth, client):
    auth.api_login(field.volunteer)
    ids = {"campaign": field.campaign.id, "hamlet": field.hamlet.id, "other_hamlet": field.other_hamlet.id}
    items = visit_rule_cases.items(ids, field.campaign.start_date)
    response = client.post("/api/v1/visits", json={"visits": items})
    assert response.status_code == 200
    got = [r["errors"] for r in response.get_json()["results"]]
    with app.test_request_context():
        want = visit_rule_cases.expected(rules.messages())
    names = [case["name"] for case in visit_rule_cases.CASES]
    assert dict(zip(names, got, strict=True)) == dict(zip(names, want, strict=True))


def test_the_page_and_the_api_send_the_same_limits_and_choices(field, auth, client):
    """The phone reads the limits from the server, in the form's data-config and in /api/v1/me."""
    import json
    import re

    auth.login(field.volunteer)
    page = client.get("/visits/new").get_data(as_text=True)
    config = json.loads(re.search(r"data-config='([^']*)'", page).group(1).replace("&#34;", '"'))
    me = client.get("/api/v1/me").get_json()
    assert config["rules"] == me["visit_rules"]
    assert config["rules"]["max_label"] == rules.MAX_LABEL and config["rules"]["outcomes"]
    assert f'maxlength="{rules.MAX_LABEL}"' in page and f'maxlength="{rules.MAX_NOTE}"' in page
