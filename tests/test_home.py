from datetime import UTC, datetime

from campaign.visits.services import submit_visits


def visit(field, n):
    return {
        "client_id": f"00000000-0000-4000-8000-{n:012d}",
        "campaign_id": field.campaign.id,
        "hamlet_id": field.hamlet.id,
        "household": f"Số {n}",
        "site_kind": "household",
        "outcome": "installed",
        "residents": 3,
        "smartphones": 2,
        "already_installed": 0,
        "installs": {"bluezone": 2},
        "visited_at": datetime.now(UTC).isoformat(),
    }


def test_lead_home_shows_visits_waiting_and_the_ward_page(field, client, auth, db):
    results = submit_visits(field.volunteer, [visit(field, 1), visit(field, 2)])
    assert [r["status"] for r in results] == ["created", "created"]
    db.session.commit()
    auth.login(field.lead)
    page = client.get("/").get_data(as_text=True)
    assert "2 lượt chờ duyệt" in page
    assert f"/coverage/ward/31135?campaign_id={field.campaign.id}" in page
    auth.logout()
    auth.login(field.other_lead)
    assert "0 lượt chờ duyệt" in client.get("/").get_data(as_text=True)
