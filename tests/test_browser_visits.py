"""The phone, for real: Chromium logs visits offline, the outbox keeps them, and they arrive once."""

import json
import shutil
import tempfile
import time

import pytest
import sqlalchemy as sa

from campaign.auth.models import Role
from campaign.visits.models import Visit
from tests.conftest import CHROMIUM, CHROMIUM_ARGS, PASSWORD

ARGS = CHROMIUM_ARGS

pytestmark = pytest.mark.browser


@pytest.fixture
def chromium(browser):
    """A fresh context (a phone's browser with nothing stored) in the module's Chromium."""
    context = browser.new_context(viewport={"width": 360, "height": 800})
    yield context
    context.close()


@pytest.fixture
def installable_chromium(browser):
    """A Chromium of its own with a persistent profile: Chromium says an off-the-record context
    (what `chromium` is) is never installable."""
    profile = tempfile.mkdtemp(prefix="visits-browser-")
    context = browser.browser_type.launch_persistent_context(
        profile,
        executable_path=CHROMIUM,
        args=ARGS,
        headless=True,
        viewport={"width": 360, "height": 800},
    )
    yield context
    context.close()
    shutil.rmtree(profile, ignore_errors=True)


def wait_until(page, expression: str, timeout: int = 10000) -> None:
    """Poll a JS expression through the DevTools protocol.

    Playwright's wait_for_function evaluates with `new Function`, which the app's CSP
    (no 'unsafe-eval') rightly forbids; page.evaluate goes through CDP and is not blocked.
    """
    deadline = time.monotonic() + timeout / 1000
    while not page.evaluate(expression):
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for: {expression}")
        page.wait_for_timeout(100)


@pytest.fixture
def world(db, make_campaign, make_hamlet, make_team, make_user):
    campaign = make_campaign()
    hamlet = make_hamlet(name="Khu vực 1")
    team = make_team(campaign=campaign, hamlets=[hamlet])
    volunteer = make_user(Role.VOLUNTEER, team=team, username="tnv-browser")
    teammate = make_user(Role.VOLUNTEER, team=team, username="tnv-browser-2")
    ids = {
        "teammate": teammate.username,
        "campaign": campaign.id,
        "hamlet": hamlet.id,
        "volunteer": volunteer.id,
        "username": volunteer.username,
    }
    db.session.rollback()  # hold no SQLite lock while gunicorn writes
    return ids


def stored(db) -> list[str]:
    client_ids = db.session.scalars(sa.select(Visit.client_id).order_by(Visit.client_id)).all()
    db.session.rollback()
    return list(client_ids)


def wait_for_rows(db, n: int, timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while len(stored(db)) < n:
        if time.monotonic() > deadline:
            raise AssertionError(f"the server never held {n} visits")
        time.sleep(0.2)


def outbox_count(page) -> str:
    return page.locator("[data-outbox-count]").first.inner_text()


def sign_in(page, live_server: str, username: str) -> None:
    page.goto(live_server + "/login")
    page.fill("#username", username)
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(live_server + "/")


def log_visit(page, label: str):
    page.fill("#f-household", label)
    page.click("label.choice:has-text('Đã cài giúp')")
    plus = page.locator("[data-field='install_bluezone'] [data-step='1']")
    plus.click()
    plus.click()
    page.click("button[type=submit]")


def test_offline_visits_wait_in_the_outbox_and_arrive_once(installable_chromium, live_server, world, db):
    context = installable_chromium
    page = context.pages[0] if context.pages else context.new_page()
    sign_in(page, live_server, world["username"])

    page.goto(live_server + "/visits/new")
    wait_until(page, "navigator.serviceWorker && navigator.serviceWorker.controller !== null", timeout=90000)
    # the shell is precached once the worker is active
    # Once controlled, an online load refreshes the cached copy of the form.
    page.reload()
    page.wait_for_selector("[data-visit-form]")
    page.wait_for_timeout(500)
    online_token = page.get_attribute("meta[name=csrf-token]", "content")
    cdp = context.new_cdp_session(page)
    assert cdp.send("Page.getInstallabilityErrors")["installabilityErrors"] == []

    # Offline, including the service worker's own requests: set_offline does not cut those.
    context.route("**/*", lambda route: route.abort("internetdisconnected"))
    context.set_offline(True)
    assert page.evaluate("fetch('/api/v1/csrf').then(() => 'online', () => 'offline')") == "offline"

    for n in (1, 2, 3):
        log_visit(page, f"Số {n}")
        wait_until(page, f"document.querySelector('[data-outbox-count]').textContent === '{n}'")
    assert "Số 3" in page.locator("[data-save-status]").inner_text()

    page.reload()
    page.wait_for_selector("[data-visit-form]")
    # The service worker could not reach the server either: the form is the cached copy
    # (a page rendered now would carry a newer token).
    assert page.get_attribute("meta[name=csrf-token]", "content") == online_token
    wait_until(page, "document.querySelector('[data-outbox-count]').textContent === '3'")
    rows = page.locator("[data-outbox-list] li")
    assert rows.count() == 3
    assert sorted(rows.all_inner_texts())[0].startswith("Số 1")
    assert stored(db) == []
    items = page.evaluate("import('/static/js/outbox.js').then(o => o.all()).then(r => r.map(x => x.item))")
    assert [i["household"] for i in items] == ["Số 1", "Số 2", "Số 3"]
    assert all(i["installs"] == {"bluezone": 2} and i["residents"] == 2 for i in items)

    # Back online: the outbox drains by itself and the server holds exactly those three.
    context.unroute("**/*")
    context.set_offline(False)
    wait_until(page, "document.querySelector('[data-outbox-count]').textContent === '0'", timeout=20000)
    assert stored(db) == sorted(i["client_id"] for i in items)

    # The same outbox again (as an exported file): nothing new is stored.
    page.evaluate("document.querySelector('[data-outbox-status]').textContent = ''")
    export = {"format": "campaign-outbox", "version": 1, "user": str(world["volunteer"]), "visits": items}
    page.set_input_files(
        "[data-import]",
        files=[
            {"name": "outbox.json", "mimeType": "application/json", "buffer": json.dumps(export).encode()}
        ],
    )
    # The import sends at once, so its "3 imported" message may already have given way to the
    # send's; any message shows the file was read.
    wait_until(page, "document.querySelector('[data-outbox-status]').textContent !== ''")
    page.click("[data-send-now]")
    wait_until(page, "document.querySelector('[data-outbox-count]').textContent === '0'", timeout=20000)
    assert stored(db) == sorted(i["client_id"] for i in items)


def log_in(page, base, username):
    page.goto(base + "/login")
    page.fill("#username", username)
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(base + "/")


def test_refused_visits_stay_editable_and_an_expired_session_keeps_the_outbox(
    chromium, live_server, world, db
):
    context = chromium
    page = context.pages[0] if context.pages else context.new_page()
    log_in(page, live_server, world["username"])
    page.goto(live_server + "/visits/new")
    page.wait_for_selector("[data-visit-form]")

    # A visit the phone let through but the server refuses (a name, not a house number).
    bad = {
        "client_id": "0b7f6a55-3c1d-4e2f-9a8b-7c6d5e4f3a21",
        "campaign_id": world["campaign"],
        "hamlet_id": world["hamlet"],
        "household": "Bà Tư",
        "site_kind": "household",
        "outcome": "refused",
        "residents": 2,
        "smartphones": 1,
        "already_installed": 0,
        "installs": {},
        "visited_at": "2026-01-01T00:00:00+07:00",
    }
    bad["visited_at"] = page.evaluate("new Date(Date.now() - 60000).toISOString()")
    page.evaluate("item => import('/static/js/outbox.js').then(o => o.put(item))", bad)
    page.click("[data-send-now]")
    row = page.locator("[data-outbox-list] li[data-state='invalid']")
    row.wait_for()
    assert "Không ghi tên người" in row.inner_text()
    assert stored(db) == []

    # "Sửa" opens the form with the visit; fixed, it goes through under the same client_id.
    row.locator("a.button").click()
    wait_until(page, "document.querySelector('#f-household').value === 'Bà Tư'")
    assert "Không ghi tên người" in page.locator("[data-field='household']").inner_text()
    page.fill("#f-household", "Số 9")
    page.click("button[type=submit]")
    wait_for_rows(db, 1)
    wait_until(page, "document.querySelector('[data-outbox-count]').textContent === '0'", timeout=20000)
    assert stored(db) == [bad["client_id"]]

    # The session ends (cookie gone): the visit waits, the volunteer is asked to log in again.
    context.clear_cookies()
    page.fill("#f-household", "Số 10")
    page.click("label.choice:has-text('Không có ai ở nhà')")
    page.click("button[type=submit]")
    page.locator("[data-outbox] a[data-login-link]").first.wait_for()
    assert "đăng nhập lại" in page.locator("[data-outbox-status]").first.inner_text().lower()
    assert outbox_count(page) == "1"
    log_in(page, live_server, world["username"])  # the home page sends on load
    wait_for_rows(db, 2)
    wait_until(page, "document.querySelector('[data-outbox-count]').textContent === '0'", timeout=20000)
    assert len(stored(db)) == 2


def test_logout_warns_and_the_next_user_does_not_see_the_outbox(chromium, live_server, world, db):
    context = chromium
    page = context.pages[0] if context.pages else context.new_page()
    log_in(page, live_server, world["username"])
    page.goto(live_server + "/visits/new")
    page.wait_for_selector("[data-visit-form]")
    context.route("**/api/v1/visits", lambda route: route.abort("internetdisconnected"))
    page.fill("#f-household", "Số 4")
    page.click("label.choice:has-text('Hẹn quay lại')")
    page.click("button[type=submit]")
    wait_until(page, "document.querySelector('[data-outbox-count]').textContent === '1'")

    messages = []

    def answer(dialog, accept):
        messages.append(dialog.message)
        dialog.accept() if accept else dialog.dismiss()

    page.once("dialog", lambda d: answer(d, False))
    page.click("form[data-logout] button")
    page.wait_for_timeout(300)
    assert "Còn 1 lượt thăm chưa gửi" in messages[0]
    assert page.url.startswith(live_server + "/visits/new")  # still logged in

    page.once("dialog", lambda d: answer(d, True))
    page.click("form[data-logout] button")
    page.wait_for_url("**/login")
    log_in(page, live_server, world["teammate"])
    wait_until(page, "document.documentElement.dataset.outboxShown !== undefined")
    assert outbox_count(page) == "0"  # the teammate sees nothing of the first volunteer's outbox
    page.click("form[data-logout] button")
    page.wait_for_url("**/login")

    context.unroute("**/api/v1/visits")
    log_in(page, live_server, world["username"])
    # The page starts at 0 before the outbox is read, so wait for the server to hold the visit.
    wait_for_rows(db, 1)
    wait_until(page, "document.querySelector('[data-outbox-count]').textContent === '0'", timeout=20000)
    assert len(stored(db)) == 1


def test_counts_in_the_outbox_take_the_page_languages_plural(chromium, live_server, world, db):
    """The logout warning is built in the browser: one visit is "1 visit hasn't", two are
    "2 visits haven't" (the page gives a sentence per plural category, app.js picks one)."""
    context = chromium
    context.add_cookies([{"name": "lang", "value": "en", "url": live_server}])
    page = context.pages[0] if context.pages else context.new_page()
    log_in(page, live_server, world["username"])
    page.goto(live_server + "/visits/new")
    page.wait_for_selector("[data-visit-form]")
    context.route("**/api/v1/visits", lambda route: route.abort("internetdisconnected"))
    messages = []

    def dismiss(dialog):
        messages.append(dialog.message)
        dialog.dismiss()

    for n, label in enumerate(("No 4", "No 5"), start=1):
        page.fill("#f-household", label)
        page.click("label.choice:has(input[value=come_back_later])")
        page.click("button[type=submit]")
        wait_until(page, f"document.querySelector('[data-outbox-count]').textContent === '{n}'")
        page.once("dialog", dismiss)
        page.click("form[data-logout] button")
        page.wait_for_timeout(300)
    assert messages[0].startswith("1 visit hasn't been sent yet."), messages
    assert messages[1].startswith("2 visits haven't been sent yet."), messages


def test_the_phones_rules_answer_every_case_of_the_table(
    chromium, live_server, world, db, make_hamlet, make_team
):
    """static/js/visit-rules.js, with the limits and messages the page gives it, answers every
    case of visit_rule_cases.json as the server does (test_visit_rule_cases.py)."""
    from campaign.campaigns.models import Campaign
    from campaign.visits import rules
    from tests import visit_rule_cases

    campaign = db.session.get(Campaign, world["campaign"])
    elsewhere = make_hamlet(name="Khu vực 2")
    make_team(campaign=campaign, hamlets=[elsewhere])
    ids = {"campaign": campaign.id, "hamlet": world["hamlet"], "other_hamlet": elsewhere.id}
    items = visit_rule_cases.items(ids, campaign.start_date)
    want = visit_rule_cases.expected(rules.messages())
    db.session.rollback()

    page = chromium.pages[0] if chromium.pages else chromium.new_page()
    sign_in(page, live_server, world["username"])
    page.goto(live_server + "/visits/new")
    got = page.evaluate(
        """async (items) => {
          const { checkVisit } = await import('/static/js/visit-rules.js');
          const cfg = JSON.parse(document.querySelector('[data-visit-form]').dataset.config);
          return items.map((item) => checkVisit(item, cfg));
        }""",
        items,
    )
    names = [case["name"] for case in visit_rule_cases.CASES]
    assert dict(zip(names, got, strict=True)) == dict(zip(names, want, strict=True))
