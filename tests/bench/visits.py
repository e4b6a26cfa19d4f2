"""Benchmark: how fast gunicorn (2 workers) serves signed-in requests and stores visits.
Run: python -m tests.bench.visits

It makes a throwaway SQLite database with the demo data, starts gunicorn, logs volunteers in,
and drives wrk (installed from Debian if missing) against:
- a trivial endpoint of the same app (the framework's ceiling),
- a signed-in GET and a signed-in POST that do nothing (session, user load, and for the POST
  CSRF: the fixed cost every page and API call pays),
- single-visit POST /api/v1/visits by logged-in volunteers (CSRF on),
- batches of 50 visits per POST;
then weighs the visit form page with everything it loads (gzip, first load, Debian's Chromium).
Visit times are spread over the last week (see the Lua script). Then it checks that the database
holds exactly the visits the server said it created. The ceiling and the two no-ops run in
BENCH_ROUNDS rounds (default 3), one after the other in each; the table shows their medians.

SQLite commits with synchronous=FULL (durable once acknowledged). To show what that costs, the
visit runs are repeated on a second throwaway file with synchronous=NORMAL.

The same runs follow on PostgreSQL (a throwaway database bench_visits_run, or BENCH_PG_DB, on BENCH_PG_URL, by
default the local server) unless BENCH_DBS=sqlite.
"""

import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from http.cookiejar import CookieJar
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "bench-password-2026"
PG_DB = os.environ.get("BENCH_PG_DB", "bench_visits_run")  # a name of its own on a shared server
VOLUNTEERS = [f"tnv{n}" for n in range(1, 9)]  # the login limit allows 10 a minute per address
DURATION = int(os.environ.get("BENCH_SECONDS", "10"))
CONNECTIONS = int(os.environ.get("BENCH_CONNECTIONS", "8"))
# The ceiling and the signed-in no-ops run in this many rounds, one after the other in each; a
# share is the median of the rounds' shares, each against its own round's ceiling (this machine's
# speed drifts by a third within a minute).
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "3"))

LUA = r"""
local sessions = __SESSIONS__
local batch = __BATCH__
local counter = 0
local created, other = 0, 0

function setup(thread)
  thread:set("id", math.random(1, 1000000))
end

function init(args)
  math.randomseed(os.time() + id)
end

local function uuid()
  local t = "xxxxxxxx-xxxx-4xxx-yxxx-xxxxxxxxxxxx"
  return (t:gsub("[xy]", function(c)
    local v = (c == "x") and math.random(0, 15) or math.random(8, 11)
    return string.format("%x", v)
  end))
end

function request()
  counter = counter + 1
  local s = sessions[(counter % #sessions) + 1]
  local items = {}
  for i = 1, batch do
    -- Spread over the last week, as phones' outboxes are: 8 volunteers stamping every visit "now"
    -- would be hundreds of visits a minute each, and every one would trip the burst check.
    local at = os.date("!%Y-%m-%dT%H:%M:%S+00:00", os.time() - math.random(0, 7 * 86400))
    local hamlet = s.hamlets[math.random(1, #s.hamlets)]
    items[i] = string.format(
      '{"client_id":"%s","campaign_id":%d,"hamlet_id":%d,"household":"Số %d","site_kind":"household",' ..
      '"outcome":"installed","residents":4,"smartphones":3,"already_installed":1,"installs":{"%s":2},' ..
      '"visited_at":"%s"}', uuid(), s.campaign, hamlet, math.random(1, 5000), s.app, at)
  end
  local body = '{"visits":[' .. table.concat(items, ",") .. ']}'
  if "__METHOD__" == "GET" then body = nil end
  return wrk.format("__METHOD__", "__PATH__", {
    ["Content-Type"] = "application/json",
    ["Cookie"] = "session=" .. s.cookie,
    ["X-CSRFToken"] = s.token,
  }, body)
end

function response(status, headers, body)
  if status == 200 then
    local _, n = body:gsub('"created"', "")
    created = created + n
  else
    other = other + 1
  end
end

"""

# wrk's response() counters live in per-thread Lua states; done() adds them up and prints them.
LUA_REPORT = r"""
local threads = {}
local base_setup = setup
function setup(thread)
  base_setup(thread)
  table.insert(threads, thread)
end
local base_response = response
function response(status, headers, body)
  base_response(status, headers, body)
  wrk_created = created
  wrk_other = other
end
function done(summary, latency, requests)
  local c, o = 0, 0
  for _, t in ipairs(threads) do
    c = c + (t:get("wrk_created") or 0)
    o = o + (t:get("wrk_other") or 0)
  end
  io.write(string.format("BENCH %d %d %d %.3f %.3f %d\n", summary.requests, c, o,
    latency:percentile(50) / 1000, latency:percentile(99) / 1000, summary.duration))
end
"""

PING_LUA = r"""
function done(summary, latency, requests)
  io.write(string.format("BENCH %d 0 %d %.3f %.3f %d\n", summary.requests,
    summary.errors.status + summary.errors.connect + summary.errors.read + summary.errors.timeout,
    latency:percentile(50) / 1000, latency:percentile(99) / 1000, summary.duration))
end
"""


# The signed-in no-ops send fixed requests, as the ceiling run does: each wrk thread signs in as
# one volunteer in init() and wrk repeats its request. A request() or response() function in
# Lua costs wrk itself about a fifth of the ceiling's rate on this machine (its two threads share
# the two cores with the server), which would be charged to the runs that use one.
NO_OP_LUA = (
    r"""
local sessions = __SESSIONS__
local threads = 0

function setup(thread)
  threads = threads + 1
  thread:set("number", threads)
end

function init(args)
  local s = sessions[(number - 1) % #sessions + 1]
  wrk.method = "__METHOD__"
  -- A cookie that stopped working is then a 401, which wrk counts as an error (a page's answer
  -- would be a redirect to the sign-in page, which it counts as a success).
  wrk.headers["Accept"] = "application/json"
  wrk.headers["Cookie"] = "session=" .. s.cookie
  wrk.headers["X-CSRFToken"] = s.token
  if wrk.method == "POST" then
    wrk.headers["Content-Type"] = "application/json"
    wrk.body = "{}"
  end
end
"""
    + PING_LUA
)


def bench_app():
    """The real app plus two endpoints: a trivial one (the ceiling of Flask and gunicorn on this
    machine) and a signed-in one that does nothing (what every signed-in GET or POST pays before
    its work)."""
    from flask import jsonify
    from flask_login import current_user, login_required

    from campaign import create_app

    app = create_app()

    @app.get("/bench/ping")
    def ping():
        return "ok"

    @app.route("/bench/signed-in", methods=["GET", "POST"])
    @login_required
    def signed_in():
        return jsonify(user=current_user.id)

    return app


def ensure_wrk() -> str:
    found = shutil.which("wrk")
    if found:
        return found
    print("installing wrk from Debian …", flush=True)
    install = ["apt-get", "install", "-y", "-q", "wrk"]
    if subprocess.run(install, capture_output=True).returncode != 0:
        subprocess.run(["apt-get", "update", "-q"], check=True, capture_output=True)
        subprocess.run(install, check=True, capture_output=True)
    return shutil.which("wrk")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def flask(env, *args):
    subprocess.run(
        [sys.executable, "-m", "flask", "--app", "campaign", *args],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
    )


def volunteer_scopes(env) -> dict:
    """For each bench volunteer: a campaign and the hamlets they may log visits in."""
    os.environ.update({k: env[k] for k in ("DATABASE_URL", "SECRET_KEY")})
    from campaign import create_app
    from campaign.auth.models import User
    from campaign.extensions import db
    from campaign.home.services import loggable_hamlets, me_payload  # noqa: F401

    app = create_app()
    scopes = {}
    with app.app_context():
        import sqlalchemy as sa

        from campaign import access

        for name in VOLUNTEERS:
            user = db.session.scalars(sa.select(User).where(User.username == name)).one()
            for campaign in db.session.scalars(access.campaigns_query(user)):
                hamlets = loggable_hamlets(user, campaign)
                if hamlets:
                    scopes[name] = {
                        "campaign": campaign.id,
                        "hamlets": [h.id for h in hamlets],
                        "app": campaign.apps[0].code,
                    }
                    break
    return scopes


def log_in(base: str, username: str) -> tuple[str, str]:
    jar = CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))

    def token():
        return json.load(opener.open(base + "/api/v1/csrf"))["csrf_token"]

    body = json.dumps({"username": username, "password": PASSWORD}).encode()
    request = urllib.request.Request(
        base + "/api/v1/session",
        data=body,
        headers={"Content-Type": "application/json", "X-CSRFToken": token()},
    )
    opener.open(request)
    csrf = token()
    cookie = next(c.value for c in jar if c.name == "session")
    return cookie, csrf


def run_wrk(wrk: str, url: str, script: str, workdir: Path) -> dict:
    path = workdir / f"script-{time.monotonic_ns()}.lua"
    path.write_text(script)
    out = subprocess.run(
        [wrk, "-t", "2", "-c", str(CONNECTIONS), "-d", f"{DURATION}s", "--latency", "-s", str(path), url],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    line = next(line for line in out.splitlines() if line.startswith("BENCH "))
    requests, created, errors, p50, p99, micros = line.split()[1:]
    seconds = int(micros) / 1e6
    return {
        "requests": int(requests),
        "created": int(created),
        "errors": int(errors),
        "rps": int(requests) / seconds,
        "p50": float(p50),
        "p99": float(p99),
        "seconds": seconds,
    }


def median_run(runs: list[dict], ceilings: list[dict]) -> dict:
    """One run standing for its rounds: the median rate and the median share of each round's
    ceiling; errors add up."""
    shares = sorted(r["rps"] / c["rps"] for r, c in zip(runs, ceilings, strict=True))
    middle = sorted(runs, key=lambda r: r["rps"])[len(runs) // 2]
    return {**middle, "share": shares[len(shares) // 2], "errors": sum(r["errors"] for r in runs)}


def lua_table(sessions: list[dict]) -> str:
    rows = []
    for s in sessions:
        hamlets = ",".join(str(h) for h in s["hamlets"])
        rows.append(
            f'{{cookie="{s["cookie"]}", token="{s["token"]}", campaign={s["campaign"]}, '
            f'hamlets={{{hamlets}}}, app="{s["app"]}"}}'
        )
    return "{" + ",\n".join(rows) + "}"


def visit_form_weight(base: str, cookie: str) -> list[tuple[str, int]]:
    """gzip bytes of the visit form page and everything it loads, on a first visit (no HTTP
    cache, no service worker), as a volunteer on a phone-sized screen. Debian's Chromium."""
    import gzip

    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium")
        context = browser.new_context(viewport={"width": 360, "height": 800}, service_workers="block")
        context.add_cookies([{"name": "session", "value": cookie, "url": base}])
        page = context.new_page()
        cdp = context.new_cdp_session(page)
        cdp.send("Network.enable")
        cdp.send("Network.setCacheDisabled", {"cacheDisabled": True})
        responses = []
        page.on("response", lambda response: responses.append(response))
        page.goto(base + "/visits/new")
        page.wait_for_load_state("networkidle")
        parts = [(r.url.removeprefix(base), len(gzip.compress(r.body(), 6))) for r in responses]
        browser.close()
    return parts


def count_visits(db_url: str) -> int:
    import sqlalchemy as sa

    engine = sa.create_engine(db_url)
    with engine.connect() as conn:
        count = conn.scalar(sa.text("SELECT count(*) FROM visit"))
    engine.dispose()
    return count


RUNS = (
    # label, name in the table, method, path, visits per request (None: the ceiling, no session)
    ("ceiling", "GET trivial endpoint", "GET", "/bench/ping", None),
    ("signed_in_get", "GET signed in, no-op", "GET", "/bench/signed-in", 0),
    ("signed_in", "POST signed in, no-op", "POST", "/bench/signed-in", 0),
    ("single", "POST 1 visit", "POST", "/api/v1/visits", 1),
    ("batch50", "POST 50 visits", "POST", "/api/v1/visits", 50),
)
VISIT_RUNS = ("ceiling", "single", "batch50")
FIXED_COST_RUNS = ("ceiling", "signed_in_get", "signed_in")  # run in ROUNDS interleaved rounds
# The targets in force (issue "one rule, one place"): the fixed cost of a signed-in request, as a
# share of the ceiling measured in the same run. The visit runs' old targets are retired.
TARGETS = {"signed_in_get": 0.45, "signed_in": 0.35}  # what the synchronous=NORMAL comparison repeats


def bench(wrk: str, workdir: Path, db_url: str, weigh: bool, only=None, extra_env=None) -> tuple[dict, dict]:
    """Demo data on `db_url`, gunicorn with 2 workers, then each of RUNS (or those named in `only`)
    with wrk. Returns the results and (when `weigh`) the visit form's weight before and after."""
    env = {
        **os.environ,
        "DATABASE_URL": db_url,
        "SECRET_KEY": "bench-secret-key",
        "PYTHONPATH": str(ROOT),
        **(extra_env or {}),
    }
    flask(env, "init")
    flask(env, "demo", "--password", PASSWORD)
    scopes = volunteer_scopes(env)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    gunicorn = Path(sys.executable).parent / "gunicorn"
    log_path = workdir / f"gunicorn-{port}.log"
    log = open(log_path, "wb")  # noqa: SIM115
    server = subprocess.Popen(
        [str(gunicorn), "--workers", "2", "--bind", f"127.0.0.1:{port}", "tests.bench.visits:bench_app()"],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    weights = {}
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                urllib.request.urlopen(base + "/bench/ping", timeout=2)
                break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(log_path.read_text()[-2000:]) from None
                time.sleep(0.2)
        sessions = []
        for name, scope in scopes.items():
            cookie, token = log_in(base, name)
            sessions.append({**scope, "cookie": cookie, "token": token})
        if weigh:
            weights["demo data"] = visit_form_weight(base, sessions[0]["cookie"])
        before = count_visits(db_url)

        def run(method, path, batch):
            if batch is None:
                return run_wrk(wrk, base + path, PING_LUA, workdir)
            if batch == 0:
                script = NO_OP_LUA.replace("__SESSIONS__", lua_table(sessions)).replace("__METHOD__", method)
                return run_wrk(wrk, base + path, script, workdir)
            script = (
                LUA.replace("__SESSIONS__", lua_table(sessions))
                .replace("__BATCH__", str(batch))
                .replace("__PATH__", path)
                .replace("__METHOD__", method)
            )
            return run_wrk(wrk, base + "/", script + LUA_REPORT, workdir)

        wanted = [r for r in RUNS if only is None or r[0] in only]
        rounds = {label: [] for label, *_ in wanted if label in FIXED_COST_RUNS}
        for _round in range(ROUNDS if len(rounds) > 1 else 1):
            for label, _name, method, path, batch in wanted:
                if label in rounds:
                    rounds[label].append(run(method, path, batch))
        results = {label: median_run(runs, rounds["ceiling"]) for label, runs in rounds.items()}
        for label, _name, method, path, batch in wanted:
            if label not in rounds:
                results[label] = run(method, path, batch)
        results["stored"] = count_visits(db_url) - before
        # The runs add households (labels Số 1…5000 per hamlet), which the form offers as suggestions.
        if weigh:
            weights["after the runs"] = visit_form_weight(base, sessions[0]["cookie"])
    finally:
        server.terminate()
        server.wait(timeout=10)
        log.close()
    return results, weights


def report(database: str, results: dict) -> bool:
    """Print one database's table; True when the stored visits match wrk's count."""
    ceiling = results["ceiling"]
    print()
    print(f"{database}:")
    print(
        f"{'run':<24}{'req/s':>9}{'visits/s':>10}{'p50 ms':>9}{'p99 ms':>9}{'req/s ÷ ceiling':>17}{'errors':>8}"
        f"  target"
    )
    for label, name, _method, _path, batch in RUNS:
        if label not in results:
            continue
        r = results[label]
        visits = "–" if not batch else f"{r['created'] / r['seconds']:,.0f}"
        ratio = r.get("share", r["rps"] / ceiling["rps"])
        target = TARGETS.get(label)
        verdict = "" if target is None else f"  ≥ {target:.0%} {'✓' if ratio >= target else '✗'}"
        print(
            f"{name:<24}{r['rps']:>9,.0f}{visits:>10}{r['p50']:>9.1f}{r['p99']:>9.1f}{ratio:>16.1%}{r['errors']:>8}"
            f"{verdict}"
        )
    if "single" not in results:  # a run of only some of RUNS: nothing stored to check
        return True
    created = results["single"]["created"] + results["batch50"]["created"]
    stored = results["stored"]
    # wrk stops reading at the deadline; requests still in flight then are stored but not counted.
    in_flight = CONNECTIONS * (1 + 50)
    consistent = 0 <= stored - created <= in_flight
    print(
        f"stored {stored:,} visits; wrk read 'created' {created:,} times (≤ {in_flight} in flight at the end)",
        end="",
    )
    print(" ✓" if consistent else " ✗ MISMATCH")
    return consistent


def report_durability_cost(full: dict, normal: dict) -> None:
    """What synchronous=FULL costs against NORMAL, each as a share of its own run's ceiling, so
    that the machine's noise between the two runs cancels out."""
    print()
    print("SQLite synchronous=FULL (durable) against NORMAL, req/s as a share of each run's ceiling:")
    for label in ("single", "batch50"):
        name = next(run[1] for run in RUNS if run[0] == label)
        share_full = full[label]["rps"] / full["ceiling"]["rps"]
        share_normal = normal[label]["rps"] / normal["ceiling"]["rps"]
        print(
            f"  {name:<16} FULL {share_full:>6.1%}   NORMAL {share_normal:>6.1%}"
            f"   FULL keeps {share_full / share_normal:>6.1%} of NORMAL's rate"
        )


def main() -> int:
    wrk = ensure_wrk()
    workdir = Path(tempfile.mkdtemp(prefix="bench-visits-"))
    wanted = os.environ.get("BENCH_DBS", "sqlite,postgresql").split(",")
    print(
        f"wrk -t2 -c{CONNECTIONS} -d{DURATION}s per run; gunicorn with 2 workers; the ceiling and the"
        f" signed-in no-ops in {ROUNDS} rounds (their medians)",
        flush=True,
    )
    tables, weights = {}, {}
    if "sqlite" in wanted:
        tables["SQLite (a throwaway file)"], weights = bench(
            wrk, workdir, f"sqlite:///{workdir / 'bench.sqlite3'}", weigh=True
        )
        normal, _ = bench(
            wrk,
            workdir,
            f"sqlite:///{workdir / 'bench-normal.sqlite3'}",
            weigh=False,
            only=VISIT_RUNS,
            extra_env={"SQLITE_SYNCHRONOUS": "NORMAL"},
        )
    if "postgresql" in wanted:
        from tests.soak import throwaway_pg_database

        server = os.environ.get("BENCH_PG_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
        with throwaway_pg_database(server, PG_DB) as url:
            tables["PostgreSQL (same machine)"], _ = bench(wrk, workdir, url, weigh=False)
    consistent = all([report(database, results) for database, results in tables.items()])
    if "sqlite" in wanted:
        report_durability_cost(tables["SQLite (a throwaway file)"], normal)
    if weights:
        print()
        print("visit form page, first load, gzip KB (budget 60):")
        sizes = {label: dict(parts) for label, parts in weights.items()}
        print(f"  {'':<28}" + "".join(f"{label:>16}" for label in sizes))
        for url in sizes["demo data"]:
            print(f"  {url:<28}" + "".join(f"{s.get(url, 0) / 1024:>16.1f}" for s in sizes.values()))
        print(f"  {'total':<28}" + "".join(f"{sum(s.values()) / 1024:>16.1f}" for s in sizes.values()))
    shutil.rmtree(workdir, ignore_errors=True)
    return 0 if tables and consistent else 1


if __name__ == "__main__":
    sys.exit(main())
