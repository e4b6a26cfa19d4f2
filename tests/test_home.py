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


def nav_parts(page: str) -> tuple[str, str]:
    """The links always in the bar, and those folded under "Xem thêm"."""
    nav = page.split('<nav class="nav"', 1)[1].split("</nav>", 1)[0]
    bar, _, more = nav.partition('<details class="nav-more">')
    return bar, more


def test_the_bar_keeps_each_roles_daily_links_and_folds_the_rest(field, client, auth):
    auth.login(field.lead)
    bar, more = nav_parts(client.get("/").get_data(as_text=True))
    for label in ("Trang chủ", "Ghi lượt thăm", "Duyệt lượt thăm", "Độ phủ"):
        assert label in bar
    for label in ("Lượt thăm của tôi", "Cần quay lại", "Thôn/ấp", "Hoạt động đội", "Xuất dữ liệu", "Nhật ký"):
        assert label in more and label not in bar
    assert 'aria-current="page">Trang chủ' in bar
    auth.logout()

    auth.login(field.volunteer)
    bar, more = nav_parts(client.get("/").get_data(as_text=True))
    assert more == ""  # four links, all in the bar
    for label in ("Trang chủ", "Ghi lượt thăm", "Lượt thăm của tôi", "Cần quay lại"):
        assert label in bar
    assert "Duyệt lượt thăm" not in bar
