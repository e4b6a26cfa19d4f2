"""The phone on a network that connects but never answers (rural 3G): every send gives up at the
timeout, the visit waits in the outbox where the volunteer can see it, and it arrives once the
network carries again, by the backoff's retry and by "Gửi ngay"."""

import asyncio
import re
import threading
import time

import pytest

from tests import test_browser_visits as visits
from tests.conftest import free_port
from tests.test_browser_visits import log_in, log_visit, stored, wait_until

chromium = visits.chromium  # the fixtures, shared with the other browser tests
world = visits.world
pytestmark = pytest.mark.browser

TIMEOUT_MS = 4000
REQUEST_LINE = re.compile(rb"^(?:GET|POST|HEAD|PUT|PATCH|DELETE) (\S+) HTTP/1\.[01]\r$", re.M)


class HangingProxy:
    """A TCP proxy on 127.0.0.1 in front of the app server. Forwarding, it passes bytes both ways;
    hanging, it accepts every connection and reads every request but never answers, nor closes."""

    def __init__(self, upstream_port: int):
        self.upstream_port = upstream_port
        self.port = free_port()
        self.hanging = False
        self.stalled: list[str] = []  # the path of every request that reached the proxy while hanging
        self.open_stalled: dict[int, list[str]] = {}  # connections held open, with their paths
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()
        self.server = asyncio.run_coroutine_threadsafe(
            asyncio.start_server(self.handle, "127.0.0.1", self.port), self.loop
        ).result(5)

    async def handle(self, reader, writer):
        upstream = None
        held = {"now": False}  # once held, a connection never answers again
        try:
            while data := await reader.read(65536):
                if held["now"] or self.hanging:
                    paths = [m.decode() for m in REQUEST_LINE.findall(data)]
                    self.stalled += paths
                    self.open_stalled.setdefault(id(writer), []).extend(paths)
                    if upstream and not held["now"]:
                        upstream.close()
                    held["now"] = True
                    continue
                if upstream is None:
                    up_reader, upstream = await asyncio.open_connection("127.0.0.1", self.upstream_port)
                    self.loop.create_task(self.pump(up_reader, writer, held))
                upstream.write(data)
                await upstream.drain()
        except ConnectionError:
            pass
        finally:
            self.open_stalled.pop(id(writer), None)
            if upstream:
                upstream.close()
            writer.close()

    @staticmethod
    async def pump(reader, writer, held):
        try:
            while data := await reader.read(65536):
                writer.write(data)
                await writer.drain()
        except ConnectionError:
            pass
        finally:
            if not held["now"]:  # a held connection stays open: the phone sees no answer, no error
                writer.close()

    def api_requests_held_open(self) -> int:
        return sum(p.startswith("/api/v1/") for paths in list(self.open_stalled.values()) for p in paths)

    def close(self):
        async def shut():
            self.server.close()
            for task in asyncio.all_tasks() - {asyncio.current_task()}:
                task.cancel()

        asyncio.run_coroutine_threadsafe(shut(), self.loop).result(5)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(5)
        self.loop.close()


# The send starts at once after a save (no undo window): these tests time the send itself.
FAST = {
    "CLIENT_TIMEOUT_MS": TIMEOUT_MS,
    "CLIENT_RETRY_MIN_MS": 1000,
    "CLIENT_RETRY_MAX_MS": 2000,
    "CLIENT_UNDO_MS": 1,
}
# No timeout nor retry within a test: a send that hangs stays hung until "Gửi ngay".
NEVER = {
    "CLIENT_TIMEOUT_MS": 600_000,
    "CLIENT_RETRY_MIN_MS": 600_000,
    "CLIENT_RETRY_MAX_MS": 600_000,
    "CLIENT_UNDO_MS": 1,
}


@pytest.fixture
def network(request, live_server_with):
    """An app server (gunicorn) behind a HangingProxy; the phone's timeout and retry delays come
    from the test's parameter (FAST unless it says otherwise), in the server's own environment."""
    upstream = live_server_with(getattr(request, "param", FAST))
    proxy = HangingProxy(int(upstream.rsplit(":", 1)[1]))
    yield f"http://127.0.0.1:{proxy.port}", proxy
    proxy.close()


# Whether this page's origin has an active service worker (getRegistration answers at once).
ACTIVE_WORKER = "(async () => !!(await navigator.serviceWorker.getRegistration())?.active)()"


def open_form(context, base, username, worker: bool = False):
    """The visit form; with `worker`, once the service worker controls it (slow on a loaded machine)."""
    page = context.pages[0] if context.pages else context.new_page()
    log_in(page, base, username)
    page.goto(base + "/visits/new")
    page.wait_for_selector("[data-visit-form]")
    if worker:
        # Control comes with the worker's clients.claim() once it is active; on a loaded machine
        # that claim was seen to miss the page, so once the worker is active a reload (which
        # any active worker controls) is the fallback. The send path under test is the same.
        try:
            wait_until(page, "navigator.serviceWorker?.controller != null", timeout=30000)
        except AssertionError:
            wait_until(page, ACTIVE_WORKER, timeout=60000)
            page.reload()
            page.wait_for_selector("[data-visit-form]")
            wait_until(page, "navigator.serviceWorker?.controller != null", timeout=30000)
    return page


def wait_for(page, condition, message: str, timeout: float = 5) -> None:
    """Polls a Python condition; waiting through the page lets Playwright deliver its events."""
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, message
        page.wait_for_timeout(100)


def count_is(n: int) -> str:
    return f"document.querySelector('[data-outbox-count]').textContent === '{n}'"


def status_has(text: str) -> str:
    return f"document.querySelector('[data-outbox-status]').textContent.includes({text!r})"


def outbox_ids(page) -> list[str]:
    return page.evaluate(
        "import('/static/js/outbox.js').then(o => o.all()).then(r => r.map(x => x.client_id))"
    )


def log_while_hanging(context, network, world, label: str, worker: bool = False):
    """Opens the form, hangs the network, logs a visit; returns the page, its client_id and row."""
    base, proxy = network
    page = open_form(context, base, world["username"], worker)
    proxy.hanging = True
    log_visit(page, label)
    wait_until(page, count_is(1))
    [client_id] = outbox_ids(page)
    return page, client_id, page.locator(f"[data-outbox-list] li[data-client-id='{client_id}']")


def test_a_hung_send_times_out_and_the_backoff_sends_it_once(chromium, network, world, db):
    proxy = network[1]
    # The network hangs: the send is attempted, and gives up at the timeout instead of waiting forever.
    page, client_id, row = log_while_hanging(chromium, network, world, "Số 1")
    assert row.get_attribute("data-state") == "pending" and "Chờ gửi" in row.inner_text()
    started = time.monotonic()
    wait_until(page, status_has(f"Mạng không trả lời sau {TIMEOUT_MS // 1000} giây"), timeout=3 * TIMEOUT_MS)
    assert time.monotonic() - started < 2 * TIMEOUT_MS / 1000
    assert "/api/v1/csrf" in proxy.stalled
    assert row.get_attribute("data-state") == "pending" and outbox_ids(page) == [client_id]
    assert stored(db) == []

    # The network carries again: the backoff's next try sends it, with no click.
    proxy.hanging = False
    wait_until(page, count_is(0), timeout=4 * TIMEOUT_MS)
    assert stored(db) == [client_id]


@pytest.mark.parametrize("network", [NEVER], indirect=True)
def test_send_now_abandons_a_hung_send_and_starts_afresh(chromium, network, world, db):
    proxy = network[1]
    page, client_id, row = log_while_hanging(chromium, network, world, "Số 2")
    wait_for(page, lambda: "/api/v1/csrf" in proxy.stalled, "the first send never reached the network")

    tries = proxy.stalled.count("/api/v1/csrf")
    page.click("[data-send-now]")
    wait_for(
        page, lambda: proxy.stalled.count("/api/v1/csrf") > tries, "Gửi ngay did nothing while a send hung"
    )
    # The hung send was abandoned: one request for the outbox is in flight, not two.
    # (Up to 15 s for the abandoned socket to close under load; a send never abandoned stays
    # open for the NEVER timeout of 600 s.)
    wait_for(
        page, lambda: proxy.api_requests_held_open() <= 1, "two sends of the same visit at once", timeout=15
    )
    wait_until(page, status_has("Đang gửi"))
    assert row.get_attribute("data-state") == "pending"
    assert stored(db) == []

    proxy.hanging = False
    page.click("[data-send-now]")
    wait_until(page, count_is(0), timeout=10000)
    assert stored(db) == [client_id]  # exactly once
    # The count follows the outbox as it empties; the status is written once the send returns
    # (seen a moment later, with another worker's tests running).
    wait_until(page, status_has("Đã gửi xong"))


def dispatch_sync(context, page, base: str) -> None:
    """Background Sync's "outbox" event, as the browser fires it when the network comes back."""
    cdp = context.new_cdp_session(page)
    registrations = []
    cdp.on("ServiceWorker.workerRegistrationUpdated", lambda e: registrations.extend(e["registrations"]))
    cdp.send("ServiceWorker.enable")
    wait_for(page, lambda: registrations, "no service worker registration")
    [registration] = {r["registrationId"] for r in registrations if not r["isDeleted"]}
    cdp.send(
        "ServiceWorker.dispatchSyncEvent",
        {"origin": base, "registrationId": registration, "tag": "outbox", "lastChance": False},
    )
    cdp.detach()


def test_with_no_page_open_the_service_worker_sends_as_the_page_does(chromium, network, world, db):
    """The worker's send is outbox.js's: it times out on a hung network, and a refused CSRF token
    is fetched again and the batch sent once more."""
    base, proxy = network
    page, client_id, row = log_while_hanging(chromium, network, world, "Số 3", worker=True)
    wait_until(page, status_has("Mạng không trả lời"), timeout=3 * TIMEOUT_MS)
    page.goto("about:blank")  # no page of the site is open: the worker sends by itself

    held = proxy.stalled.count("/api/v1/me")
    dispatch_sync(chromium, page, base)
    wait_for(page, lambda: proxy.stalled.count("/api/v1/me") > held, "the worker did not try to send")
    wait_for(
        page,
        lambda: proxy.api_requests_held_open() == 0,
        "the worker's send hangs",
        timeout=2 * TIMEOUT_MS / 1000,
    )
    assert stored(db) == []

    # The network is back, and the first send carries a token the server refuses.
    proxy.hanging = False
    posts = []

    def stale_token_first(route):
        posts.append(route.request.headers.get("x-csrftoken"))
        headers = {**route.request.headers, "x-csrftoken": "stale"} if len(posts) == 1 else None
        route.continue_(headers=headers)

    chromium.route("**/api/v1/visits", stale_token_first)
    dispatch_sync(chromium, page, base)
    wait_for(page, lambda: stored(db), "the worker never sent the visit", timeout=10)
    assert stored(db) == [client_id] and len(posts) == 2
    chromium.unroute("**/api/v1/visits")
    page.goto(base + "/visits/mine")
    wait_until(page, count_is(0))


def test_a_phone_with_the_classic_worker_moves_to_the_module_worker(chromium, live_server, world):
    """Before the worker was a module, phones installed /sw.js as a classic script, whose cached
    app.js registers /sw.js again. That address now clears the old shell, so the next page loads
    the current app.js, and the module worker (/service-worker.js) takes over."""
    page = chromium.pages[0] if chromium.pages else chromium.new_page()
    page.goto(live_server + "/login")
    page.evaluate(
        """async () => {
          await (await caches.open('shell-0ld')).put('/static/js/app.js', new Response('// old'));
          await navigator.serviceWorker.register('/sw.js', { scope: '/' });
        }"""
    )
    wait_until(page, "navigator.serviceWorker.controller?.scriptURL.endsWith('/sw.js') === true")
    wait_until(page, "caches.has('shell-0ld').then(has => !has)")
    log_in(page, live_server, world["username"])
    wait_until(
        page,
        "navigator.serviceWorker.controller?.scriptURL.endsWith('/service-worker.js') === true",
        timeout=15000,
    )
    wait_until(page, "caches.keys().then(names => names.some(n => n.startsWith('shell-')))")
