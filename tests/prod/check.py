"""`make prod-check`: the app as deployed, on this machine, and a table of checks.

nginx (Debian's, installed if missing) with a self-signed certificate, in front of two app
"hosts" (gunicorn with the deployment's config, each on its own port) that share a throwaway
PostgreSQL database and Redis (DB PROD_REDIS_DB, default 7). The nginx site and the systemd
units are the ones `flask deploy-files` writes. Every connection goes to 127.0.0.1 (the XFF
check connects from 127.0.0.2, also loopback). Bounded: each phase has a timeout, and
everything started here is stopped on the way out. Exit status 1 if any check fails.
"""

import contextlib
import gzip
import http.client
import os
import re
import shutil
import signal
import ssl
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import redis
import requests
import sqlalchemy as sa

from tests import soak

ROOT = soak.ROOT
BIN = soak.VENV_BIN
PG_SERVER = os.environ.get("SOAK_PG_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
PG_DB = "prod_check_run"
REDIS_URL = f"redis://127.0.0.1:6379/{os.environ.get('PROD_REDIS_DB', '7')}"
SECRET = "prod-check-secret-key-" + uuid.uuid4().hex
WORKERS = int(os.environ.get("PROD_WORKERS", "2"))
RELOAD_VISITS = int(os.environ.get("PROD_RELOAD_VISITS", "2000"))
CLOSED_PORT_DB = "postgresql://postgres@127.0.0.1:1/nothing?connect_timeout=2"

results: list[tuple[str, bool, str]] = []


def check(name: str, ok: bool, detail: str = "") -> bool:
    results.append((name, bool(ok), detail))
    print(f"   [{'PASS' if ok else 'FAIL'}] {name}: {detail}", flush=True)
    return bool(ok)


def ensure_systemd_analyze() -> None:
    """The tool only (Debian's systemd package); nothing here runs systemd itself."""
    if not shutil.which("systemd-analyze"):
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        subprocess.run(["apt-get", "install", "-y", "-q", "systemd"], env=env, check=True, timeout=600)


def ensure_nginx() -> str:
    found = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)
    if found:
        return found
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    subprocess.run(["apt-get", "install", "-y", "-q", "nginx"], env=env, check=False, timeout=600)
    if not Path("/usr/sbin/nginx").exists():
        subprocess.run(["apt-get", "update", "-q"], check=True, timeout=600)
        subprocess.run(["apt-get", "install", "-y", "-q", "nginx"], env=env, check=True, timeout=600)
    return "/usr/sbin/nginx"


def self_signed(tmp: Path) -> tuple[Path, Path]:
    cert, key = tmp / "cert.pem", tmp / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=localhost",
         "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost", "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True, timeout=60,
    )  # fmt: skip
    return cert, key


class Host:
    """One app server: gunicorn with the deployment's config, in its own process group."""

    def __init__(self, name: str, tmp: Path, db_url: str, port: int | None = None):
        self.name, self.tmp, self.db_url = name, tmp, db_url
        self.port = port or soak.free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.metrics_dir = tmp / f"metrics-{name}"  # kept across a crash, as RuntimeDirectoryPreserve=restart
        self.log_path = tmp / f"host-{name}.log"
        self.proc: subprocess.Popen | None = None

    def env(self) -> dict:
        return {
            **os.environ,
            "PYTHONPATH": str(ROOT),
            "DATABASE_URL": self.db_url,
            "SECRET_KEY": SECRET,
            "PRODUCTION": "1",
            "TRUSTED_PROXIES": "1",
            "RATELIMIT_STORAGE_URI": REDIS_URL,
            "GUNICORN_BIND": f"127.0.0.1:{self.port}",
            "GUNICORN_WORKERS": str(WORKERS),
            "PROMETHEUS_MULTIPROC_DIR": str(self.metrics_dir),
        }

    def init(self) -> subprocess.Popen:
        return subprocess.Popen(
            [str(BIN / "flask"), "--app", "campaign", "init"], env=self.env(), cwd=ROOT,
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        )  # fmt: skip

    def start(self) -> None:
        self.metrics_dir.mkdir(exist_ok=True)
        log = open(self.log_path, "a")  # noqa: SIM115 - closed with the process
        self.proc = subprocess.Popen(
            [str(BIN / "gunicorn"), "-c", "python:campaign.deploy.gunicorn_conf", "wsgi:app"],
            env=self.env(), cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
        log.close()

    def wait_up(self, seconds: int = 90) -> bool:
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            if self.proc.poll() is not None:
                return False
            try:
                if requests.get(self.base + "/healthz", timeout=5).status_code in (200, 503):
                    return len(soak.children(self.proc.pid)) == WORKERS
            except requests.RequestException:
                pass
            time.sleep(0.3)
        return False

    def workers(self) -> set[int]:
        return set(soak.children(self.proc.pid))

    def kill(self) -> None:
        """A crash: the master and every worker at once."""
        os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait(10)

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(40)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)

    def visits_counted(self) -> float:
        text = requests.get(self.base + "/metrics", timeout=10).text
        match = re.search(r'^campaign_visits_total\{result="created"\} ([0-9.e+]+)$', text, re.M)
        return float(match.group(1)) if match else 0.0


def start_nginx(
    nginx: str, tmp: Path, hosts: list[Host], cert: Path, key: Path
) -> tuple[subprocess.Popen, int]:
    port, http_port = soak.free_port(), soak.free_port()
    out = tmp / "deploy"
    subprocess.run(
        [str(BIN / "flask"), "--app", "campaign", "deploy-files", "--out", str(out), "--domain", "localhost",
         "--app-dir", str(ROOT), "--venv", str(BIN.parent), "--user", "root", "--listen-address", "127.0.0.1",
         "--https-port", str(port), "--http-port", str(http_port), "--tls-cert", str(cert), "--tls-key", str(key),
         "--nginx-log-dir", str(tmp), *[a for h in hosts for a in ("--upstream", f"127.0.0.1:{h.port}")]],
        env=hosts[0].env(), cwd=ROOT, check=True, capture_output=True, timeout=60,
    )  # fmt: skip
    units = sorted(str(p) for p in out.iterdir() if p.suffix in (".service", ".timer"))
    verify = subprocess.run(["systemd-analyze", "verify", *units], capture_output=True, text=True, timeout=60)
    check(
        "systemd units verify",
        verify.returncode == 0,
        (verify.stdout + verify.stderr).strip()[:200] or "clean",
    )
    for sub in ("body", "proxy", "fastcgi", "uwsgi", "scgi"):
        (tmp / sub).mkdir(exist_ok=True)
    main = tmp / "nginx.conf"
    main.write_text(
        f"""user root;
worker_processes 1;
pid {tmp}/nginx.pid;
error_log {tmp}/nginx-main.error.log;
events {{ worker_connections 1024; }}
http {{
    include /etc/nginx/mime.types;
    client_body_temp_path {tmp}/body;
    proxy_temp_path {tmp}/proxy;
    fastcgi_temp_path {tmp}/fastcgi;
    uwsgi_temp_path {tmp}/uwsgi;
    scgi_temp_path {tmp}/scgi;
    gzip on;  # as Debian's nginx.conf has it: the site must turn it off
    include {out}/nginx-campaign.conf;
}}
"""
    )
    test = subprocess.run([nginx, "-t", "-c", str(main)], capture_output=True, text=True, timeout=30)
    check("nginx -t accepts the site", test.returncode == 0, test.stderr.strip().splitlines()[-1][:120])
    proc = subprocess.Popen(
        [nginx, "-c", str(main), "-g", "daemon off;"], stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT
    )
    end, probe = time.monotonic() + 20, trust(requests.Session(), cert)
    while time.monotonic() < end:
        try:
            probe.get(f"https://127.0.0.1:{port}/healthz", timeout=5)
            break
        except requests.RequestException:
            time.sleep(0.2)
    return proc, port


def trust(session: requests.Session, cert: Path) -> requests.Session:
    """Verify against our certificate only. Without trust_env=False, REQUESTS_CA_BUNDLE in the
    environment overrides session.verify (and proxy variables could send traffic elsewhere)."""
    session.trust_env = False
    session.verify = str(cert)
    return session


def https(port: int, cert: Path, path: str, headers=None, source="127.0.0.1", method="GET", body=None):
    """One raw request (no decoding, no header merging), to see exactly what nginx sends."""
    context = ssl.create_default_context(cafile=str(cert))
    conn = http.client.HTTPSConnection(
        "127.0.0.1", port, context=context, timeout=20, source_address=(source, 0)
    )
    try:
        conn.request(method, path, body=body, headers=headers or {})
        response = conn.getresponse()
        return response.status, response.getheaders(), response.read()
    finally:
        conn.close()


def header_values(headers, name: str) -> list[str]:
    return [v for k, v in headers if k.lower() == name.lower()]


def two_hosts_start_on_an_empty_database(a: Host, b: Host) -> None:
    procs = [a.init(), b.init()]  # what campaign-migrate.service does on each server at boot
    outputs = [p.communicate(timeout=300)[0] for p in procs]
    loaded = [bool(re.search(r"\((?!0 added)\d+ added", out)) for out in outputs]
    ok = [p.returncode for p in procs] == [0, 0] and sorted(loaded) == [False, True]
    check(
        "two hosts init an empty database at once", ok, f"exit {[p.returncode for p in procs]}, one migrated"
    )
    a.start()
    b.start()
    up = [a.wait_up(), b.wait_up()]
    healthy = [requests.get(h.base + "/healthz", timeout=10).status_code for h in (a, b)]
    check("both hosts then serve", all(up) and healthy == [200, 200], f"/healthz {healthy}")


def database_size(db_url: str) -> tuple[int, int]:
    """Bytes of the database, and the connections open to it now."""
    engine = sa.create_engine(db_url)
    with engine.connect() as conn:
        size = conn.execute(sa.text("SELECT pg_database_size(current_database())")).scalar()
        conns = conn.execute(
            sa.text("SELECT count(*) - 1 FROM pg_stat_activity WHERE datname = current_database()")
        ).scalar()
    engine.dispose()
    return size, conns


def soak_through_nginx(base: str, cert: Path, db_url: str, a: Host, setup) -> None:
    campaign_id, hamlet_ids, names = setup
    size_before, peak_connections = database_size(db_url)[0], 0
    stats = soak.Stats()
    deadline = time.monotonic() + soak.TIMEOUT
    threads = soak.volunteers(base, names, soak.TOTAL, campaign_id, hamlet_ids, stats, deadline)
    for t in threads:
        trust(t.http, cert)
    t0 = time.perf_counter()
    for t in threads:
        t.start()
    killed = restarted = False
    while any(t.is_alive() for t in threads) and time.monotonic() < deadline + 60:
        if not killed and stats.visits_done >= soak.TOTAL * 0.4:
            a.kill()
            killed = True
            print(
                f"   host {a.name} killed (SIGKILL, master and workers) at {stats.visits_done} visits",
                flush=True,
            )
            time.sleep(2)
            a.start()
            restarted = a.wait_up()
            print(f"   host {a.name} restarted: {restarted}", flush=True)
        peak_connections = max(peak_connections, database_size(db_url)[1])
        time.sleep(0.5)
    elapsed = time.perf_counter() - t0
    errors = [t.error for t in threads if t.error]
    rows, lost, duplicated = soak.stored(db_url, stats)
    totals = soak.check_totals(db_url)
    check(
        "soak via nginx+TLS: 0 lost, 0 duplicated",
        not errors and lost == 0 and duplicated == 0 and rows == len(stats.sent_ids) == soak.TOTAL,
        f"{rows} stored of {len(stats.sent_ids)} sent, {lost} lost, {duplicated} duplicated, "
        f"{stats.replays} replays, {len(stats.sent_ids) / elapsed:.0f} visits/s, {elapsed:.0f} s"
        + (f"; {errors[:2]}" if errors else ""),
    )
    check(
        "every 5xx retried, then stored",
        stats.unretried == 0 and not stats.bad_results,
        f"{stats.errors_5xx} 5xx and {stats.conn_errors} connection errors retried, {stats.unretried} unretried",
    )
    check("a host killed mid-run came back", killed and restarted, f"host {a.name}")
    check("check-totals clean", totals.returncode == 0, (totals.stdout + totals.stderr).strip()[-120:])
    grown = database_size(db_url)[0] - size_before
    print(
        f"   measured: database grew {grown / 1e6:.1f} MB for {rows} visits ({grown / max(rows, 1):.0f} bytes "
        f"a visit, with indexes, summaries, audit); at most {peak_connections} connections "
        f"for {2 * WORKERS} workers",
        flush=True,
    )


def rolling_reload(base: str, cert: Path, hosts: list[Host], setup) -> None:
    campaign_id, hamlet_ids, names = setup
    stats = soak.Stats()
    deadline = time.monotonic() + 300
    threads = soak.volunteers(
        base, names[:16], RELOAD_VISITS, campaign_id, hamlet_ids, stats, deadline, seed=1000
    )
    for t in threads:
        trust(t.http, cert)
        t.start()
    replaced = []
    time.sleep(2)
    for host in hosts:
        old = host.workers()
        host.proc.send_signal(signal.SIGHUP)  # what `systemctl reload campaign` sends
        end = time.monotonic() + 60
        while time.monotonic() < end and (host.workers() & old or len(host.workers()) < WORKERS):
            time.sleep(0.2)
        replaced.append(not (host.workers() & old))
        time.sleep(1)
    for t in threads:
        t.join(max(1, deadline - time.monotonic()))
    errors = [t.error for t in threads if t.error]
    check(
        "rolling reload (SIGHUP each host) fails no request",
        all(replaced)
        and not errors
        and stats.errors_5xx == 0
        and stats.conn_errors == 0
        and not stats.bad_results,
        f"workers replaced {replaced}, {stats.requests} posts, {stats.errors_5xx} 5xx, "
        f"{stats.conn_errors} connection errors",
    )


class Phone:
    """A client that talks to the app hosts straight, as nginx would (its X-Forwarded-* headers),
    carrying its cookies by hand: they are Secure, and this hop is plain HTTP."""

    def __init__(self, proxy_headers: dict):
        self.cookies: dict[str, str] = {}
        self.proxy_headers = proxy_headers

    def send(self, host: "Host", method: str, path: str, headers=None, **kwargs) -> requests.Response:
        cookie = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        headers = {**self.proxy_headers, **(headers or {}), **({"Cookie": cookie} if cookie else {})}
        response = requests.request(method, host.base + path, headers=headers, timeout=30, **kwargs)
        self.cookies.update(response.cookies.get_dict())
        return response


def shared_state(port: int, cert: Path, a: Host, b: Host, tmp: Path, names: list[str]) -> None:
    proxy = {"X-Forwarded-For": "127.0.0.1", "X-Forwarded-Proto": "https"}  # as nginx sends them
    # A session made on one host works on the other (one SECRET_KEY, the user in PostgreSQL).
    phone = Phone(proxy)
    token = phone.send(a, "GET", "/api/v1/csrf").json()["csrf_token"]
    login = phone.send(a, "POST", "/api/v1/session", json={"username": names[0], "password": soak.PASSWORD},
                       headers={"X-CSRFToken": token})  # fmt: skip
    me = phone.send(b, "GET", "/api/v1/me")
    check("a session made on host A works on host B", login.status_code == 201 and me.status_code == 200,
          f"login {login.status_code} on A, /me {me.status_code} on B")  # fmt: skip

    # The sign-in throttle counts across both hosts (Redis): 10 failures per account a minute.
    name = f"nobody-{uuid.uuid4().hex[:8]}"
    codes = []
    for n in range(11):
        host, other = (a, b) if n % 2 else (b, a)
        phone = Phone(proxy)
        t = phone.send(other, "GET", "/api/v1/csrf").json()[
            "csrf_token"
        ]  # made on one host, used on the other
        r = phone.send(host, "POST", "/api/v1/session", json={"username": name, "password": "wrong-password"},
                       headers={"X-CSRFToken": t})  # fmt: skip
        codes.append(r.status_code)
    check("the sign-in throttle counts across hosts", codes[:10] == [401] * 10 and codes[10] == 429,
          f"alternating A/B: {codes}")  # fmt: skip

    # X-Forwarded-For: the app sees the phone's address (127.0.0.2 here), not nginx's, and not
    # what the phone claims.
    status, headers, _ = https(
        port, cert, "/login", headers={"X-Forwarded-For": "203.0.113.7"}, source="127.0.0.2"
    )
    rid = header_values(headers, "X-Request-ID")[0] if header_values(headers, "X-Request-ID") else "?"
    lines = [
        ln for h in (a, b) for ln in h.log_path.read_text(errors="replace").splitlines() if f" {rid} " in ln
    ]
    seen = lines[0].split(f" {rid} ", 1)[1].split()[0] if lines else "?"
    check("X-Forwarded-For honoured (TRUSTED_PROXIES=1)", status == 200 and seen == "127.0.0.2",
          f"request {rid[:12]}… logged from {seen}")  # fmt: skip
    check("the request id of nginx reaches the client and the log", bool(lines), f"{len(lines)} log line")

    hsts = header_values(headers, "Strict-Transport-Security")
    check("HSTS sent exactly once, by the app", len(hsts) == 1, f"{hsts}")

    status, headers, body = https(port, cert, "/login", headers={"Accept-Encoding": "gzip"})
    encoding = header_values(headers, "Content-Encoding")
    once = False
    with contextlib.suppress(OSError):
        once = gzip.decompress(body).lstrip().lower().startswith(b"<!doctype html")
    check("text compressed once (gzip by the app, not again by nginx)", encoding == ["gzip"] and once,
          f"Content-Encoding {encoding}, {len(body)} bytes")  # fmt: skip

    status, headers, _ = https(port, cert, "/static/css/app.css?v=1")
    cache = header_values(headers, "Cache-Control")
    check(
        "versioned static files cached a year",
        status == 200 and "max-age=31536000" in "".join(cache),
        f"{cache}",
    )
    status, headers, _ = https(port, cert, "/sw.js")
    cache = header_values(headers, "Cache-Control")
    check("the service worker is never cached", status == 200 and cache == ["no-cache"], f"{cache}")

    status, _, _ = https(port, cert, "/metrics")
    direct = requests.get(a.base + "/metrics", timeout=10).status_code
    check(
        "/metrics is 404 through nginx", status == 404 and direct == 200, f"nginx {status}, loopback {direct}"
    )

    big = https(port, cert, "/api/v1/visits", method="POST", body=b"x" * (1024 * 1024 + 10),
                headers={"Content-Type": "application/json"})[0]  # fmt: skip
    check("nginx refuses a body over the app's limit", big == 413, f"{big}")

    status, _, _ = https(port, cert, "/healthz")
    check("/healthz through nginx", status == 200, f"{status}")

    broken = Host("no-db", tmp, CLOSED_PORT_DB)
    broken.start()
    try:
        broken.wait_up()
        r = requests.get(broken.base + "/healthz", timeout=20)
        body = r.json() if r.headers.get("Content-Type", "").startswith("application/json") else {}
        check("/healthz 503 on a host whose database is unreachable",
              r.status_code == 503 and body.get("failing") == ["database"], f"{r.status_code} {body.get('failing')}")  # fmt: skip
    finally:
        broken.stop()


def metrics_match(db_url: str, hosts: list[Host]) -> None:
    engine = sa.create_engine(db_url)
    with engine.connect() as conn:
        rows = conn.execute(sa.text("SELECT count(*) FROM visit")).scalar()
    engine.dispose()
    counted = [h.visits_counted() for h in hosts]
    check("visits counter (both hosts, all workers) == visits stored", sum(counted) == rows,
          f"{' + '.join(f'{c:.0f}' for c in counted)} = {sum(counted):.0f}; {rows} rows")  # fmt: skip


def main() -> int:
    started = time.monotonic()
    nginx = ensure_nginx()
    ensure_systemd_analyze()
    redis.Redis.from_url(REDIS_URL).flushdb()  # this check's own DB number: its throttle counts
    hosts: list[Host] = []
    proxy = None
    with (
        tempfile.TemporaryDirectory(prefix="prod-check-") as tmp_name,
        soak.throwaway_pg_database(PG_SERVER, PG_DB) as db_url,
    ):
        tmp = Path(tmp_name)
        try:
            cert, key = self_signed(tmp)
            a, b = Host("A", tmp, db_url), Host("B", tmp, db_url)
            hosts = [a, b]
            print("== two hosts start on an empty database", flush=True)
            two_hosts_start_on_an_empty_database(a, b)
            proxy, port = start_nginx(nginx, tmp, hosts, cert, key)
            base = f"https://127.0.0.1:{port}"
            setup = soak.prepare(db_url)
            print(f"== soak through {base}: {soak.VOLUNTEERS} volunteers, {soak.TOTAL} visits", flush=True)
            soak_through_nginx(base, cert, db_url, a, setup)
            print("== rolling reload under load", flush=True)
            rolling_reload(base, cert, hosts, setup)
            print("== shared state and the proxy", flush=True)
            shared_state(port, cert, a, b, tmp, setup[2])
            metrics_match(db_url, hosts)
        except Exception as exc:  # noqa: BLE001 - a crash of the check is a failed check
            check("the check ran to the end", False, repr(exc)[:200])
        finally:
            for host in hosts:
                host.stop()
            if proxy:
                proxy.send_signal(signal.SIGQUIT)
                try:
                    proxy.wait(20)
                except subprocess.TimeoutExpired:
                    proxy.kill()
    redis.Redis.from_url(REDIS_URL).flushdb()
    width = max(len(name) for name, _, _ in results)
    print(f"\n{'check':<{width}}  result  detail")
    for name, ok, detail in results:
        print(f"{name:<{width}}  {'PASS' if ok else 'FAIL':<6}  {detail}")
    failed = sum(not ok for _, ok, _ in results)
    print(f"\n{len(results) - failed}/{len(results)} checks passed in {time.monotonic() - started:.0f} s")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
