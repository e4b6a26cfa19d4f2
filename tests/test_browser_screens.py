"""The screens at 360x740, in Chromium, as a volunteer and a lead use them: taps counted, each
tapped element on screen without a scroll, the confirmation in view, tables that fit or scroll
visibly, tap targets of 44 px, and no console error on any page."""

import re
from datetime import datetime, timedelta

import pytest
import sqlalchemy as sa

from campaign.auth.models import Role
from campaign.i18n import VN_TZ
from campaign.visits.models import Visit
from tests.review_helpers import add_visit
from tests.test_browser_visits import log_in, wait_until

pytestmark = pytest.mark.browser

WIDTH, HEIGHT = 360, 740


@pytest.fixture
def phone(browser):
    context = browser.new_context(viewport={"width": WIDTH, "height": HEIGHT}, has_touch=True)
    page = context.new_page()
    page.problems = []
    page.on("console", lambda m: m.type == "error" and page.problems.append(m.text))
    page.on("pageerror", lambda e: page.problems.append(str(e)))
    page.on("response", lambda r: r.status >= 400 and page.problems.append(f"{r.status} {r.url}"))
    yield page
    context.close()


@pytest.fixture
def people(db, make_campaign, make_hamlet, make_team, make_user):
    campaign = make_campaign()
    hamlet = make_hamlet(name="Khu vực 1")
    team = make_team(campaign=campaign, hamlets=[hamlet])
    volunteer = make_user(Role.VOLUNTEER, team=team, username="tnv-360")
    lead = make_user(Role.LEAD, ward=hamlet.ward_code, username="lead-360")
    ids = {"campaign": campaign, "hamlet": hamlet, "volunteer": volunteer, "lead": lead}
    db.session.commit()
    return ids


class Taps:
    """Taps at the centre of an element that must already be on screen and on top there: no
    scroll, ever (the page must stay at the top), and each tap counted."""

    def __init__(self, page):
        self.page, self.count = page, 0

    def _on_screen(self, selector: str) -> dict:
        element = self.page.locator(selector).first
        box = element.bounding_box()
        assert box is not None, f"{selector} is not shown"
        assert box["y"] >= 0 and box["y"] + box["height"] <= HEIGHT, f"{selector} is off screen: {box}"
        assert box["x"] >= 0 and box["x"] + box["width"] <= WIDTH, f"{selector} is off screen: {box}"
        x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
        on_top = element.evaluate(
            "(el, [x, y]) => { const hit = document.elementFromPoint(x, y); return el === hit || el.contains(hit); }",
            [x, y],
        )
        assert on_top, f"{selector} is covered at its centre"
        return {"x": x, "y": y}

    def tap(self, selector: str) -> None:
        point = self._on_screen(selector)
        self.page.mouse.click(point["x"], point["y"])
        self.count += 1
        assert self.page.evaluate("window.scrollY") == 0, f"the page scrolled after tapping {selector}"

    def type_label(self, text: str) -> None:
        """Typing the house label: a tap into the field and the keys (not counted as taps)."""
        point = self._on_screen("#f-household")
        self.page.mouse.click(point["x"], point["y"])
        self.page.keyboard.type(text)


def open_form(page, live_server, username):
    log_in(page, live_server, username)
    page.goto(live_server + "/visits/new")
    page.wait_for_selector("[data-visit-form]")
    page.wait_for_load_state("networkidle")


def stored(db) -> list[Visit]:
    visits = db.session.scalars(sa.select(Visit).order_by(Visit.id)).all()
    db.session.rollback()
    return visits


def wait_for_visits(page, db, n: int, timeout: float = 20) -> list[Visit]:
    deadline = datetime.now() + timedelta(seconds=timeout)
    while len(visits := stored(db)) < n:
        assert datetime.now() < deadline, f"the server never held {n} visits"
        page.wait_for_timeout(200)
    return visits


def undo_window(page, ms: int) -> None:
    """The form as served, with this undo window whatever the test server was started with."""

    def rewrite(route):
        response = route.fetch()
        route.fulfill(response=response, body=re.sub(r'"undoMs": \d+', f'"undoMs": {ms}', response.text()))

    page.route("**/visits/new", rewrite)


def toast(page) -> str:
    return page.locator("[data-save-status]").inner_text()


def wait_for_toast(page, *texts: str) -> None:
    """The save writes to IndexedDB before it confirms: the toast changes a moment after the tap."""
    wanted = " && ".join(f"el.textContent.includes({t!r})" for t in texts)
    wait_until(page, f"(el => {wanted})(document.querySelector('[data-save-status]'))")


def test_the_common_visit_takes_three_taps_and_not_home_two_with_no_scroll(phone, live_server, people, db):
    page, taps = phone, Taps(phone)
    undo_window(page, 3000)
    open_form(page, live_server, "tnv-360")
    taps.type_label("Số 5")
    taps.tap("label.choice:has-text('Đã cài giúp')")
    taps.tap("[data-field='install_bluezone'] [data-step='1']")
    taps.tap(".save-bar button[type=submit]")
    assert taps.count <= 4
    # The confirmation is where the eye is, with the label, and says the visit is not sent yet.
    wait_until(page, "document.querySelector('[data-toast]').getBoundingClientRect().top >= 0")  # slid in
    box = page.locator("[data-toast]").bounding_box()
    assert box["y"] >= 0 and box["y"] + box["height"] <= HEIGHT
    wait_for_toast(page, "Số 5", "chưa gửi")
    assert "Số 5" in toast(page) and "chưa gửi" in toast(page)
    assert page.locator("[data-save-status]").get_attribute("aria-live") == "polite"

    not_home = Taps(page)
    not_home.type_label("Số 6")
    not_home.tap("label.choice:has-text('Không có ai ở nhà')")
    not_home.tap(".save-bar button[type=submit]")
    wait_for_toast(page, "Số 6")
    assert not_home.count <= 3 and "Số 6" in toast(page)

    visits = wait_for_visits(page, db, 2)
    rows = sorted(
        (v.household.label, v.outcome.value, v.installs_total, v.residents, v.smartphones) for v in visits
    )
    assert rows == [("Số 5", "installed", 1, 1, 1), ("Số 6", "not_home", 0, 0, 0)]
    wait_until(page, "document.querySelector('[data-save-status]').textContent.includes('đã gửi')")
    assert page.problems == []


def test_undo_takes_an_unsent_visit_back_out_of_the_outbox(phone, live_server, people, db):
    page, taps = phone, Taps(phone)
    undo_window(page, 8000)
    open_form(page, live_server, "tnv-360")
    taps.type_label("Số 8")
    taps.tap("label.choice:has-text('Hẹn quay lại')")
    taps.tap(".save-bar button[type=submit]")
    wait_for_toast(page, "chưa gửi")
    assert "chưa gửi" in toast(page)
    wait_until(page, "document.querySelector('[data-toast]').getBoundingClientRect().top >= 0")  # slid in
    taps.tap("[data-undo]")
    wait_until(page, "document.querySelector('[data-save-status]').textContent.includes('hoàn tác')")
    assert page.input_value("#f-household") == "Số 8"  # back in the form, to fix or drop
    assert page.locator("[data-undo]").is_hidden()
    page.wait_for_timeout(9000)  # past the undo window: nothing was sent
    assert stored(db) == []
    assert page.locator("[data-outbox-count]").first.inner_text() == "0"


def test_installed_with_no_install_is_asked_inline_and_fixed_in_one_tap(phone, live_server, people, db):
    page, taps = phone, Taps(phone)
    open_form(page, live_server, "tnv-360")
    taps.type_label("Số 9")
    taps.tap("label.choice:has-text('Đã cài giúp')")
    taps.tap(".save-bar button[type=submit]")
    ask = page.locator("[data-installed-none]")
    assert ask.is_visible() and "chưa ghi lượt cài nào" in ask.inner_text()
    assert page.locator("[data-outbox-count]").first.inner_text() == "0"
    taps.tap("[data-fix-install]")
    assert ask.is_hidden() and page.input_value("#f-install_bluezone") == "1"
    taps.tap(".save-bar button[type=submit]")
    visits = wait_for_visits(page, db, 1)
    assert (visits[0].installs_total, visits[0].residents, visits[0].smartphones) == (1, 1, 1)


@pytest.mark.parametrize("language", ["vi", "en"])
def test_the_outbox_shows_times_as_the_server_does(phone, live_server, people, db, language):
    page, taps = phone, Taps(phone)
    open_form(page, live_server, "tnv-360")
    if language == "en":
        page.click("footer button:has-text('English')")
        page.wait_for_selector("[data-visit-form]")
    page.context.set_offline(True)
    taps.type_label("Số 10")
    taps.tap("label.choice:has-text('Từ chối')" if language == "vi" else "label.choice:has-text('Refused')")
    taps.tap(".save-bar button[type=submit]")
    page.wait_for_selector("[data-outbox-list] li")
    shown = page.locator("[data-outbox-list] li .muted").first.inner_text()
    now = datetime.now(VN_TZ)
    server = {(now + timedelta(minutes=d)).strftime("%d/%m/%Y %H:%M") for d in (-1, 0)}
    assert re.fullmatch(r"\d{2}/\d{2}/\d{4} \d{2}:\d{2}", shown) and shown in server
    page.context.set_offline(False)


def test_home_shows_the_visits_to_fix(phone, live_server, people, db):
    from campaign.visits.models import ReviewStatus

    p = people
    for n in (1, 2):
        add_visit(p["campaign"], p["hamlet"], p["volunteer"], label=f"Số {n}", status=ReviewStatus.FLAGGED)
    db.session.commit()
    page = phone
    log_in(page, live_server, "tnv-360")
    banner = page.locator(".fix-banner")
    assert banner.inner_text().startswith("2 lượt cần sửa")
    box = banner.bounding_box()
    assert box["y"] + box["height"] <= HEIGHT and box["height"] >= 44
    banner.click()
    page.wait_for_url(re.compile(r"/visits/mine\?status=needs_fixing"))
    assert page.locator(".my-visit").count() == 2


TARGETS = (
    ".topbar a, .topbar summary, .footer a, .footer button, .hamlets a, .visit a, .visit button, "
    ".visit summary, .children th a, .chips a, .card-links a, .fix-banner, .step, .choice span"
)


def small_targets(page) -> list[str]:
    return page.evaluate(
        """(selector) => [...document.querySelectorAll(selector)]
          .filter((el) => el.getClientRects().length && getComputedStyle(el).visibility !== 'hidden')
          .filter((el) => el.getBoundingClientRect().height < 44)
          .map((el) => `${el.tagName} "${el.textContent.trim().slice(0, 30)}" ${Math.round(el.getBoundingClientRect().height)}px`)""",
        TARGETS,
    )


def test_tap_targets_are_44_px_and_no_page_logs_an_error(phone, live_server, people, db):
    p = people
    add_visit(p["campaign"], p["hamlet"], p["volunteer"], label="Số 1")
    db.session.commit()
    page = phone
    log_in(page, live_server, "tnv-360")
    found = {}
    for path in ("/", "/visits/new", "/visits/mine"):
        page.goto(live_server + path)
        page.wait_for_load_state("networkidle")
        found[path] = small_targets(page)
    page.click("footer button[type=submit]:has-text('Đăng xuất')")
    page.wait_for_url(re.compile(r"/login"))
    found["/login"] = small_targets(page)
    log_in(page, live_server, "lead-360")
    ward = p["hamlet"].ward_code
    for path in ("/review/", f"/coverage/ward/{ward}?campaign_id={p['campaign'].id}"):
        page.goto(live_server + path)
        page.wait_for_load_state("networkidle")
        found[path] = small_targets(page)
    assert {path: small for path, small in found.items() if small} == {}
    assert page.problems == []


def test_wide_tables_fit_or_scroll_in_their_box_with_the_name_in_view(phone, live_server, people, db):
    p = people
    page = phone
    log_in(page, live_server, "lead-360")
    page.goto(live_server + f"/coverage/ward/{p['hamlet'].ward_code}?campaign_id={p['campaign'].id}")
    page.wait_for_selector("table.children")
    assert page.evaluate("document.documentElement.scrollWidth") <= WIDTH  # the page never scrolls sideways
    wrap = page.locator(".table-wrap").first
    overflows = wrap.evaluate("w => w.scrollWidth > w.clientWidth")
    if overflows:
        assert page.locator(".scroll-hint").first.is_visible()
        wrap.evaluate("w => { w.scrollLeft = w.scrollWidth; }")
        name = page.locator("table.children tbody tr td:nth-child(2)").first.bounding_box()
        edge = wrap.bounding_box()
        assert name["x"] >= edge["x"] - 1 and name["x"] + name["width"] <= edge["x"] + edge["width"]
        last = page.locator("table.children thead th").last.bounding_box()
        assert last["x"] + last["width"] <= edge["x"] + edge["width"] + 1  # the last column is reachable
    heights = page.locator("table.children thead th a").evaluate_all(
        "els => els.map(e => e.getBoundingClientRect().height)"
    )
    assert heights and min(heights) >= 44


def test_review_cards_are_compact_and_the_status_filter_reads_whole(phone, live_server, people, db):
    p = people
    for n in range(1, 4):
        add_visit(p["campaign"], p["hamlet"], p["volunteer"], label=f"Số {n}")
    db.session.commit()
    page = phone
    log_in(page, live_server, "lead-360")
    page.goto(live_server + "/review/")
    page.wait_for_selector("article.visit")
    cards = page.locator("article.visit")
    assert cards.count() == 3
    heights = cards.evaluate_all("els => els.map(e => e.getBoundingClientRect().height)")
    assert max(heights) <= 260, heights
    reason = cards.first.locator("input[name=reason]")
    assert reason.is_hidden()  # no reason box until the lead flags or rejects
    cards.first.locator("summary").click()
    assert reason.is_visible()
    # The selected status is not cut off: its text fits the select, less its arrow.
    fits = page.locator("select[name=status]").evaluate(
        """(s) => { const c = document.createElement('canvas').getContext('2d');
             const style = getComputedStyle(s); c.font = `${style.fontWeight} ${style.fontSize} ${style.fontFamily}`;
             const text = c.measureText(s.options[s.selectedIndex].text).width;
             return text + parseFloat(style.paddingLeft) + 24 <= s.clientWidth; }"""
    )
    assert fits
    # The bulk action still asks once more before it changes anything.
    page.click("button[name=action][value=approve]:has-text('Duyệt tất cả')")
    page.wait_for_selector("text=Xác nhận")
    assert all(v.review_status.value == "pending" for v in stored(db))
