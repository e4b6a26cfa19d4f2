"""The volunteer's pages: home, the visit form (also without JavaScript), my visits, the app shell."""

import re

import sqlalchemy as sa

from campaign.auth.models import Role
from campaign.visits.models import ReviewStatus, Visit


def form_data(field, **overrides):
    data = {
        "client_id": "3f2b8a34-6b0e-4c7a-9a57-1f2c3d4e5f60",
        "campaign_id": str(field.campaign.id),
        "hamlet_id": str(field.hamlet.id),
        "site_kind": "household",
        "household": "Số 21",
        "outcome": "installed",
        "residents": "3",
        "smartphones": "2",
        "already_installed": "0",
        "install_bluezone": "2",
        "install_ncovi": "0",
        "note": "",
    }
    data.update(overrides)
    return data


def test_volunteer_home_shows_hamlets_progress_today_and_the_big_button(field, client, auth, db):
    auth.login(field.volunteer)
    client.post("/visits/new", data=form_data(field))
    page = client.get("/").get_data(as_text=True)
    assert "Ghi lượt thăm" in page
    assert field.hamlet.name in page
    assert "1/100 hộ đã thăm (1 %) · 2 lượt cài" in page
    assert re.search(r"<b>1</b><span>lượt thăm hôm nay", page)
    assert "data-outbox-count" in page and "manifest.webmanifest" in page


def test_other_roles_keep_their_home(field, client, auth):
    auth.login(field.coordinator)
    page = client.get("/").get_data(as_text=True)
    assert "Chiến dịch" in page and "lượt thăm hôm nay" not in page


def test_form_without_javascript_stores_the_visit_once(field, client, auth, db):
    auth.login(field.volunteer)
    page = client.get("/visits/new").get_data(as_text=True)
    assert field.hamlet.name in page and field.other_hamlet.name not in page
    for _ in range(2):  # a double tap on "Lưu" resends the same client_id
        response = client.post("/visits/new", data=form_data(field), follow_redirects=True)
        assert "Đã lưu lượt thăm Số 21" in response.get_data(as_text=True)
    visit = db.session.scalars(sa.select(Visit)).one()
    assert (visit.residents, visit.installs_total, visit.household.label) == (3, 2, "Số 21")


def test_form_shows_vietnamese_errors_and_stores_nothing(field, client, auth, db):
    auth.login(field.volunteer)
    response = client.post(
        "/visits/new", data=form_data(field, household="Bà Tư", residents="1", install_bluezone="2")
    )
    page = response.get_data(as_text=True)
    assert "Ghi số nhà (ví dụ: Số 12, 12/3). Không ghi tên người." in page
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Visit)) == 0
    response = client.post("/visits/new", data=form_data(field, residents="1", install_bluezone="2"))
    assert "không được vượt quá số người" in response.get_data(as_text=True)
    response = client.post("/visits/new", data=form_data(field, hamlet_id=str(field.other_hamlet.id)))
    assert "Bạn không được ghi lượt thăm ở thôn/ấp/khu phố này." in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Visit)) == 0


def test_form_defaults_to_the_last_hamlet_used(field, client, auth, db, make_hamlet):
    from campaign.campaigns.models import TeamHamlet

    second = make_hamlet(name="Khu vực Z")
    db.session.add(TeamHamlet(campaign_id=field.campaign.id, team_id=field.team.id, hamlet_id=second.id))
    db.session.commit()
    auth.login(field.volunteer)
    client.post("/visits/new", data=form_data(field, hamlet_id=str(second.id)))
    page = client.get("/visits/new").get_data(as_text=True)
    assert f'<option value="{second.id}" selected>' in page


def test_flagged_visit_comes_back_with_its_reason_and_a_correction(field, client, auth, db):
    auth.login(field.volunteer)
    client.post("/visits/new", data=form_data(field))
    visit = db.session.scalars(sa.select(Visit)).one()
    visit.review_status = ReviewStatus.FLAGGED
    visit.review_reason = "Số người đã cài nhiều hơn số điện thoại?"
    db.session.commit()
    page = client.get("/visits/mine").get_data(as_text=True)
    assert "Cần xem lại" in page and "Số người đã cài nhiều hơn số điện thoại?" in page
    assert f"corrects={visit.client_id}" in page
    form = client.get(f"/visits/new?campaign_id={field.campaign.id}&corrects={visit.client_id}").get_data(
        as_text=True
    )
    assert "Sửa lượt thăm" in form and 'value="Số 21"' in form
    assert f'name="corrects" value="{visit.client_id}"' in form
    fixed = form_data(
        field, client_id="9d1c2b3a-0000-4000-8000-000000000001", corrects=visit.client_id, residents="4"
    )
    client.post("/visits/new", data=fixed)
    correction = db.session.scalars(sa.select(Visit).where(Visit.corrects_id == visit.id)).one()
    assert correction.residents == 4 and correction.review_status == ReviewStatus.PENDING


def test_someone_elses_visit_cannot_be_corrected(field, client, auth, db, make_user):
    auth.login(field.volunteer)
    client.post("/visits/new", data=form_data(field))
    client_id = db.session.scalars(sa.select(Visit.client_id)).one()
    auth.logout()
    teammate = make_user(Role.VOLUNTEER, team=field.team)
    auth.login(teammate)
    assert client.get(f"/visits/new?corrects={client_id}").status_code == 404


def test_app_shell_is_served(client):
    worker = client.get("/service-worker.js")
    assert worker.status_code == 200 and worker.mimetype == "text/javascript"
    body = worker.get_data(as_text=True)
    assert "__" not in body and "import * as outbox from '/static/js/outbox.js'" in body
    assert '"timeoutMs":30000' in body and "/static/js/net.js" in body
    # The old (classic) address only clears the old shell, so that the module worker takes over.
    retired = client.get("/sw.js")
    assert retired.mimetype == "text/javascript" and "import" not in retired.get_data(as_text=True)
    manifest = client.get("/manifest.webmanifest")
    assert manifest.mimetype == "application/manifest+json"
    data = manifest.get_json()
    assert data["name"] == "Gõ cửa từng nhà" and data["display"] == "standalone"
    assert {i["sizes"] for i in data["icons"]} == {"192x192", "512x512"}
    assert any(i["purpose"] == "maskable" for i in data["icons"])
    for icon in data["icons"]:
        assert client.get(icon["src"]).status_code == 200
    assert "Ghi lượt thăm" in client.get("/offline").get_data(as_text=True)


def test_a_second_tap_a_few_seconds_later_is_the_same_visit(field, client, auth, db, monkeypatch):
    """Without JavaScript the server stamps the time: a resend in a later second keeps the first
    time, so it is a duplicate, never a conflict."""
    from datetime import datetime, timedelta

    class Later(datetime):
        @classmethod
        def now(cls, tz=None):
            return datetime.now(tz) + timedelta(seconds=5)

    auth.login(field.volunteer)
    client.post("/visits/new", data=form_data(field), follow_redirects=True)
    monkeypatch.setattr("campaign.visits.views.datetime", Later)
    response = client.post("/visits/new", data=form_data(field), follow_redirects=True)
    assert "Đã lưu lượt thăm Số 21" in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Visit)) == 1
