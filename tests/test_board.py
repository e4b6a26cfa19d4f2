"""The public ranking board: off until published, published by the right people, aggregates only,
cacheable (ETag, 304, public max-age), served from its cache without reading the visit tables,
and its PNG card set in a font that has every character of it."""

import io
import re
from datetime import timedelta

import flask
import pytest
import sqlalchemy as sa
from fontTools.ttLib import TTFont
from PIL import Image

from campaign.areas.models import Province, Ward
from campaign.auth.models import Role
from campaign.board import card, services
from campaign.board.models import PublishedBoard
from campaign.campaigns.models import Team, TeamHamlet
from campaign.coverage.models import OfficialCount
from campaign.coverage.report import area_report
from campaign.coverage.tree import country_area
from campaign.extensions import cache
from campaign.extensions import db as _db
from campaign.i18n import local_today
from campaign.visits.models import Outcome
from tests.conftest import CAI_KHE, CAN_THO, HA_NOI, NINH_KIEU, AuthActions
from tests.test_coverage import add_visit

# Names that exist in the data below and must never reach a public board.
HAMLET, TEAM, PERSON, USERNAME, HOUSEHOLD = (
    "Ấp Kín Đáo Xyz",
    "Đội Kín Đáo Xyz",
    "Người Kín Đáo Xyz",
    "kindao-xyz",
    "Nhà Kín Đáo 7",
)
SECRETS = (HAMLET, TEAM, PERSON, USERNAME, HOUSEHOLD, "Kín Đáo")
# Official users of six provinces of 1.000 people, a week ago and today (see test_the_board_…):
# today 40, 35, 30, 26, 21, 16 %; a week ago the fourth, first, fifth, second, third, sixth.
BEFORE_NOW = ((100, 400), (300, 350), (120, 300), (250, 260), (200, 210), (150, 160))
# Tables a cached board must not read: visits and everything summed from them.
VISIT_TABLES = (
    "visit",
    "visit_install",
    "visit_conflict",
    "household",
    "hamlet_day",
    "hamlet_day_app",
    "hamlet_total",
    "hamlet_app_total",
    "province_day",
    "province_day_app",
    "breakdown_day",
    "breakdown_total",
)


@pytest.fixture(autouse=True)
def empty_cache(app):
    """The suite's app lives for the whole session, and so would its cache."""
    with app.app_context():
        cache.clear()
    yield


class World:
    pass


@pytest.fixture
def world(db, make_campaign, make_hamlet, make_user):
    """A national campaign ranked on official Bluezone users: six provinces with figures (Cần
    Thơ third, up 2; the first up 5), one with a population and no figure, and in Cần Thơ two
    ranked wards, a hamlet, a team, a volunteer and a household named with SECRETS."""
    w = World()
    today = local_today()
    w.campaign = make_campaign(None, start=today - timedelta(days=20), ranking_app_code="bluezone")
    others = db.session.scalars(
        sa.select(Province.code).where(Province.code.not_in([CAN_THO, HA_NOI])).order_by(Province.code)
    ).all()
    w.codes = [others[0], HA_NOI, CAN_THO, others[1], others[2], others[3]]
    w.unranked = others[4]
    for code, (before, now) in zip(w.codes, BEFORE_NOW, strict=True):
        db.session.get(Province, code).population_official = 1000
        for day, users in ((today - timedelta(days=8), before), (today, now)):
            db.session.add(
                OfficialCount(level="province", code=code, day=day, app_code="bluezone", users=users)
            )
    db.session.get(Province, w.unranked).population_official = 1000
    for ward, users in ((NINH_KIEU, 50), (CAI_KHE, 80)):
        db.session.get(Ward, ward).population_official = 200
        db.session.add(OfficialCount(level="ward", code=ward, day=today, app_code="bluezone", users=users))
    w.hamlet = make_hamlet(NINH_KIEU, name=HAMLET, population=400)
    team = Team(ward_code=NINH_KIEU, name=TEAM, org_kind="youth_union")
    db.session.add(team)
    db.session.flush()
    db.session.add(TeamHamlet(campaign_id=w.campaign.id, team_id=team.id, hamlet_id=w.hamlet.id))
    db.session.commit()
    w.volunteer = make_user(Role.VOLUNTEER, team=team, username=USERNAME)
    w.volunteer.display_name = PERSON
    db.session.commit()
    add_visit(
        w.campaign,
        w.hamlet,
        HOUSEHOLD,
        Outcome.INSTALLED,
        today,
        installs={"bluezone": 2},
        volunteer=w.volunteer,
    )
    w.admin = make_user(Role.ADMIN)
    w.coordinator = make_user(Role.COORDINATOR, province=CAN_THO)
    w.other_coordinator = make_user(Role.COORDINATOR, province=HA_NOI)
    w.lead = make_user(Role.LEAD, ward=NINH_KIEU)
    w.names = {code: db.session.get(Province, code).name for code in [*w.codes, w.unranked]}
    w.campaign_id, w.coordinator_name = w.campaign.id, w.coordinator.username
    db.session.commit()  # no transaction left open (SQLite: its writer lock) for a second app
    return w


def national_url(campaign) -> str:
    return f"/bang-xep-hang/{campaign.id}/"


def province_url(campaign, code=CAN_THO) -> str:
    return f"/bang-xep-hang/{campaign.id}/{code}"


def publish(user, campaign, code=None):
    services.publish(user, campaign, code)
    _db.session.commit()


def without_token(html: str) -> str:
    """An error page without its per-visitor CSRF token and the path its language switch returns
    to, to compare two 404s."""
    return re.sub(r'name="csrf-token" content="[^"]*"|name="(csrf_token|next)" value="[^"]*"', "", html)


def text_of(response) -> str:
    return response.get_data(as_text=True)


# --- off until published ---------------------------------------------------------------------


def test_a_board_is_a_404_until_published_the_same_404_as_for_no_such_board(world, client):
    campaign = world.campaign
    unknown = client.get("/bang-xep-hang/999999/")
    assert unknown.status_code == 404
    for url in (
        national_url(campaign),
        province_url(campaign),
        national_url(campaign) + "anh.png",
        province_url(campaign) + "/anh.png",
    ):
        response = client.get(url)
        assert response.status_code == 404, url
        assert without_token(text_of(response)) == without_token(text_of(unknown))
    publish(world.coordinator, campaign, CAN_THO)
    assert client.get(province_url(campaign)).status_code == 200
    # Cần Thơ's board is public; the national one and Hà Nội's are not.
    assert client.get(national_url(campaign)).status_code == 404
    assert client.get(province_url(campaign, HA_NOI)).status_code == 404
    assert client.get(province_url(campaign, 999999)).status_code == 404


# --- who may publish -------------------------------------------------------------------------


def post_publish(client, campaign, code=None, *, unpublish=False):
    data = {"unpublish": "1"} if unpublish else {"publish": "1"}
    if code is not None:
        data["code"] = str(code)
    return client.post(f"/bang-xep-hang/{campaign.id}/cong-bo", data=data)


def test_a_coordinator_publishes_and_unpublishes_their_own_provinces_board_only(world, client, auth):
    auth.login(world.coordinator)
    assert post_publish(client, world.campaign, HA_NOI).status_code == 403
    assert post_publish(client, world.campaign).status_code == 403  # the national board
    response = post_publish(client, world.campaign, CAN_THO)
    assert response.status_code == 302
    assert response.headers["Location"].endswith(
        f"/coverage/province/{CAN_THO}?campaign_id={world.campaign.id}"
    )
    auth.logout()
    assert client.get(province_url(world.campaign)).status_code == 200
    auth.login(world.coordinator)
    assert post_publish(client, world.campaign, CAN_THO, unpublish=True).status_code == 302
    assert _db.session.scalar(sa.select(sa.func.count()).select_from(PublishedBoard)) == 0
    auth.logout()
    assert client.get(province_url(world.campaign)).status_code == 404


def test_an_admin_publishes_the_national_board_twice_and_it_is_one_board(world, client, auth):
    auth.login(world.admin)
    assert post_publish(client, world.campaign).status_code == 302
    assert post_publish(client, world.campaign).status_code == 302
    assert _db.session.scalar(sa.select(sa.func.count()).select_from(PublishedBoard)) == 1
    actions = _db.session.execute(sa.text("SELECT action FROM audit_log")).scalars().all()
    assert actions == ["board.publish"]
    auth.logout()
    assert client.get(national_url(world.campaign)).status_code == 200


@pytest.mark.parametrize("who", ["lead", "volunteer", "other_coordinator"])
def test_leads_volunteers_and_other_coordinators_cannot_publish(world, client, auth, who):
    auth.login(getattr(world, who))
    assert post_publish(client, world.campaign, CAN_THO).status_code == 403
    assert post_publish(client, world.campaign).status_code == 403
    assert _db.session.scalar(sa.select(sa.func.count()).select_from(PublishedBoard)) == 0


def test_a_provincial_campaign_has_no_national_board(world, client, auth, make_campaign):
    provincial = make_campaign(CAN_THO)
    auth.login(world.admin)
    assert post_publish(client, provincial).status_code == 403
    assert post_publish(client, provincial, HA_NOI).status_code == 403
    assert post_publish(client, provincial, CAN_THO).status_code == 302


def test_the_publish_form_is_on_the_province_page_for_its_coordinator_only(world, client, auth):
    page = f"/coverage/province/{CAN_THO}?campaign_id={world.campaign.id}"
    auth.login(world.coordinator)
    html = text_of(client.get(page))
    assert f'action="/bang-xep-hang/{world.campaign.id}/cong-bo"' in html
    assert f'name="code" value="{CAN_THO}"' in html and "Công bố bảng xếp hạng" in html
    post_publish(client, world.campaign, CAN_THO)
    html = text_of(client.get(page))
    assert f'href="{province_url(world.campaign)}"' in html and "Ngừng công bố" in html
    auth.logout()
    auth.login(world.lead)
    assert "cong-bo" not in text_of(client.get(f"/coverage/ward/{NINH_KIEU}?campaign_id={world.campaign.id}"))


def test_publishing_needs_the_csrf_token(world, csrf_client):
    AuthActions(csrf_client).login(world.coordinator_name)
    # The fixture's app context outlives each request, and Flask-WTF keeps the token of the
    # session before the sign-in in its `g`; a browser would load a page and get the new one.
    flask.g.pop("csrf_token", None)
    url = f"/bang-xep-hang/{world.campaign_id}/cong-bo"
    bare = csrf_client._send(
        "POST", url, data={"code": str(CAN_THO), "publish": "1"}, headers={"X-CSRFToken": ""}
    )
    assert bare.status_code == 400
    assert _db.session.scalar(sa.select(sa.func.count()).select_from(PublishedBoard)) == 0
    response = csrf_client.post(url, data={"code": str(CAN_THO), "publish": "1"})
    assert response.status_code == 302, response.get_data(as_text=True)


# --- what a board shows ----------------------------------------------------------------------


def test_the_board_shows_the_country_pages_ranks_changes_top5_and_climbers(world, client):
    publish(world.admin, world.campaign)
    html = text_of(client.get(national_url(world.campaign)))
    first, second, cantho, fourth, fifth, sixth = (world.names[c] for c in world.codes)
    top = re.search(r'id="top-h".*?</ol>', html, re.S).group(0)
    assert re.findall(r"<li><span>(.*?)</span> <b>(.*?)</b>", top) == [
        (first, "40,00 %"),
        (second, "35,00 %"),
        (cantho, "30,00 %"),
        (fourth, "26,00 %"),
        (fifth, "21,00 %"),
    ]
    climbers = re.search(r'id="climb-h".*?</ol>', html, re.S).group(0)
    assert re.findall(r"<li><span>(.*?)</span> <b class=\"up\">(.*?)</b>", climbers) == [
        (first, "▲5"),
        (cantho, "▲2"),
    ]
    rows = re.findall(r"<tr><td class=\"num\">(.*?)</td><td>(.*?)</td><td class=\"num\">(.*?)</td>", html)
    assert rows[-1] == ("–", world.names[world.unranked], "chưa có số")
    assert (str(6), sixth, "16,0 %") in rows
    # The same numbers as the country page's service.
    report = area_report(world.campaign, country_area(), local_today(), local_today() - timedelta(days=7))
    assert [(str(c.rank or "–"), c.name) for c in report.children] == [r[:2] for r in rows]


def test_a_province_board_ranks_its_wards_and_shows_its_rank_in_the_country(world, client):
    publish(world.coordinator, world.campaign, CAN_THO)
    html = text_of(client.get(province_url(world.campaign)))
    ninh_kieu, cai_khe = (_db.session.get(Ward, c).name for c in (NINH_KIEU, CAI_KHE))
    rows = re.findall(r"<tr><td class=\"num\">(.*?)</td><td>(.*?)</td><td class=\"num\">(.*?)</td>", html)
    assert rows[:2] == [("1", cai_khe, "40,0 %"), ("2", ninh_kieu, "25,0 %")]
    assert "Hạng 3/6 cả nước" in html and "▲2" in html


def test_no_hamlet_team_household_or_person_reaches_a_board(world, client):
    publish(world.admin, world.campaign)
    publish(world.coordinator, world.campaign, CAN_THO)
    pages = [
        text_of(client.get(national_url(world.campaign))),
        text_of(client.get(province_url(world.campaign))),
    ]
    assert world.names[CAN_THO] in pages[0] and _db.session.get(Ward, NINH_KIEU).name in pages[1]
    cards = []
    for code in (None, CAN_THO):
        board = services.board(world.campaign, code, local_today())
        for highlight in (None, *board.rows):
            cards.append(" ".join(i.text for i in card.layout(board, highlight) if isinstance(i, card.Text)))
    assert world.names[CAN_THO] in cards[0]
    for text in pages + cards:
        assert not [s for s in SECRETS if s.lower() in text.lower()]


def test_the_public_board_sets_no_cookie_and_speaks_vietnamese(world, client, app):
    publish(world.admin, world.campaign)
    response = client.get(national_url(world.campaign))
    assert "Set-Cookie" not in response.headers
    assert "cookie" not in response.headers.get("Vary", "").lower()  # one copy for every reader
    # A reader who chose English (a session cookie) gets the same board, and no cookie either.
    english = app.test_client()
    english.post("/lang/en")
    again = english.get(national_url(world.campaign))
    assert "Set-Cookie" not in again.headers and again.data == response.data
    assert "Bảng xếp hạng các tỉnh, thành phố" in text_of(again) and "40,00 %" in text_of(again)


# --- cacheable and cheap ---------------------------------------------------------------------


@pytest.mark.parametrize("suffix", ["", "anh.png"])
def test_the_board_has_an_etag_and_if_none_match_gets_a_304(world, client, suffix):
    publish(world.admin, world.campaign)
    url = national_url(world.campaign) + suffix
    first = client.get(url)
    assert first.status_code == 200
    assert first.headers["Cache-Control"] in ("public, max-age=60", "max-age=60, public")
    etag = first.headers["ETag"]
    again = client.get(url, headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.data == b""
    assert client.get(url, headers={"If-None-Match": '"something-else"'}).status_code == 200


class Statements:
    """Every SQL statement the engine runs while counting."""

    def __init__(self, engine):
        self.engine, self.seen = engine, []

    def __enter__(self):
        sa.event.listen(self.engine, "before_cursor_execute", self._record)
        return self

    def __exit__(self, *exc):
        sa.event.remove(self.engine, "before_cursor_execute", self._record)

    def _record(self, conn, cursor, statement, *args):
        self.seen.append(statement.lower())

    def touching(self, tables) -> list[str]:
        return [s for s in self.seen if any(re.search(rf"\b{t}\b", s) for t in tables)]


@pytest.mark.parametrize("suffix", ["", "anh.png?noi-bat={code}"])
def test_a_cached_board_reads_no_visit_table(world, client, suffix):
    publish(world.admin, world.campaign)
    url = national_url(world.campaign) + suffix.format(code=CAN_THO)
    with Statements(_db.engine) as miss:
        assert client.get(url).status_code == 200
    assert miss.touching(VISIT_TABLES)  # the first reader's render reads the summaries
    with Statements(_db.engine) as hit:
        for _ in range(3):
            assert client.get(url).status_code == 200
    assert hit.touching(VISIT_TABLES) == []
    assert len(hit.seen) == 3  # one read of the publication per request, nothing else
    assert hit.touching(["published_board"]) == hit.seen


def test_unpublishing_takes_the_cached_board_down_at_once(world, client):
    publish(world.admin, world.campaign)
    assert client.get(national_url(world.campaign)).status_code == 200
    services.unpublish(world.admin, world.campaign, None)
    _db.session.commit()
    assert client.get(national_url(world.campaign)).status_code == 404


# --- the PNG card ----------------------------------------------------------------------------


def cmaps() -> dict[bool, set[int]]:
    return {bold: set(TTFont(str(path)).getBestCmap()) for bold, path in card.FONT_FILES.items()}


def test_every_character_of_the_card_is_in_its_fonts_character_map(world):
    fonts = cmaps()
    for code in (None, CAN_THO):
        board = services.board(world.campaign, code, local_today())
        for highlight in (None, board.rows[0]):
            texts = [i for i in card.layout(board, highlight) if isinstance(i, card.Text)]
            missing = {(ch, i.text) for i in texts for ch in i.text if ord(ch) not in fonts[i.bold]}
            assert missing == set()
            # Printed as they are: the Vietnamese letters were not replaced to pass the check.
            joined = " ".join(i.text for i in texts)
            assert "Tăng hạng nhanh nhất" in joined and "Chiến dịch thử" in joined
    assert world.names[CAN_THO] in joined or "…" in joined


def test_the_card_is_a_1200_by_630_png_with_the_highlighted_area(world, client):
    publish(world.admin, world.campaign)
    response = client.get(national_url(world.campaign) + f"anh.png?noi-bat={CAN_THO}")
    assert response.status_code == 200 and response.mimetype == "image/png"
    image = Image.open(io.BytesIO(response.data))
    image.load()
    assert image.format == "PNG" and image.size == (card.WIDTH, card.HEIGHT) == (1200, 630)
    board = services.board(world.campaign, None, local_today())
    texts = [i.text for i in card.layout(board, board.row(CAN_THO)) if isinstance(i, card.Text)]
    assert f"{world.names[CAN_THO]}: " in texts and "hạng 3/6 · 30,00 %" in texts
    plain = client.get(national_url(world.campaign) + "anh.png")
    assert plain.status_code == 200 and plain.headers["ETag"] != response.headers["ETag"]


@pytest.mark.parametrize("value", ["abc", "１２", "-1", "9" * 30, "0", str(HA_NOI * 1000), "%00"])
def test_a_highlight_that_is_not_one_of_the_boards_areas_is_a_404(world, client, value):
    publish(world.admin, world.campaign)
    response = client.get(national_url(world.campaign) + "anh.png", query_string={"noi-bat": value})
    assert response.status_code in (400, 404)


def test_long_or_strange_names_stay_inside_the_card(world):
    board = services.board(world.campaign, None, local_today())
    long_name = "Thành phố " + "Rất Dài Và Có Dấu Ưởng " * 12
    strange = board.rows[0].__class__(1, "Tỉnh 🇻🇳 \u0301Lạ\tquá\n" + long_name, 1, 3, 0.4)
    board = board.__class__(
        **{**board.__dict__, "campaign_name": long_name, "area_name": long_name, "top5": (strange,) * 5}
    )
    items = card.layout(board, strange)
    fonts = cmaps()
    for item in items:
        if isinstance(item, card.Text):
            assert all(ord(ch) in fonts[item.bold] for ch in item.text), item.text
            size = card.width(item.text, item.size, item.bold)
            left = item.x - size if item.anchor.startswith("r") else item.x
            assert left >= 0 and left + size <= card.WIDTH - card.MARGIN + 1, item.text
    texts = [i.text for i in items if isinstance(i, card.Text)]
    assert any(t.endswith("…") for t in texts) and any("?" in t for t in texts)
    Image.open(io.BytesIO(card.paint(items))).load()


def test_a_redis_that_never_answers_costs_a_render_not_the_page():
    """A network that connects but never answers: the cache gives up after its timeout and the
    board is made without it."""
    import socket
    import threading
    import time

    from flask import Flask
    from flask_caching import Cache

    from campaign.board import cache as board_cache

    listener = socket.create_server(("127.0.0.1", 0))
    held = []
    threading.Thread(target=lambda: [held.append(listener.accept()) for _ in range(4)], daemon=True).start()
    app = Flask(__name__)
    url = f"redis://127.0.0.1:{listener.getsockname()[1]}/0"
    settings = board_cache.cache_config({"BOARD_CACHE_SECONDS": 60, "REDIS_URL": url})
    silent = Cache(app, config=settings)
    started = time.monotonic()
    with app.app_context():
        original, board_cache.cache = board_cache.cache, silent
        try:
            assert board_cache.cached("board:k", lambda: "made") == "made"
        finally:
            board_cache.cache = original
    assert time.monotonic() - started < 3 * board_cache.REDIS_TIMEOUT_S + 1
    listener.close()
