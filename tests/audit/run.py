"""`make audit`: the app with the demo data (a fresh SQLite file) under gunicorn, then Lighthouse and
axe-core (tests/audit/audit.mjs) in Debian's Chromium. Prints the table; exits non-zero when a
score is under 98 or axe finds a serious or critical violation. Not part of `make test`."""

import os
import secrets
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def main() -> int:
    chrome = os.environ.get("CHROME_PATH", "/usr/bin/chromium")
    if not Path(chrome).exists():
        print(f"{chrome} is missing: apt-get install chromium, or set CHROME_PATH", file=sys.stderr)
        return 2
    password = secrets.token_urlsafe(12)
    with tempfile.TemporaryDirectory(prefix="audit-") as tmp:
        env = {
            **os.environ,
            "DATABASE_URL": f"sqlite:///{tmp}/audit.sqlite3",
            "SECRET_KEY": secrets.token_hex(16),
        }
        flask = [str(BIN / "flask"), "--app", "campaign"]
        subprocess.run([*flask, "init"], cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL)
        subprocess.run(
            [*flask, "demo", "--password", password], cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL
        )
        port = free_port()
        server = subprocess.Popen(
            [str(BIN / "gunicorn"), "--workers", "2", "--bind", f"127.0.0.1:{port}", "wsgi:app"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        base = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + 30
            while True:
                try:
                    urllib.request.urlopen(base + "/login", timeout=2)
                    break
                except OSError:
                    if server.poll() is not None or time.monotonic() > deadline:
                        print("the app did not start", file=sys.stderr)
                        return 2
                    time.sleep(0.2)
            audit_env = {**os.environ, "BASE": base, "AUDIT_PASSWORD": password, "CHROME_PATH": chrome}
            return subprocess.run(["node", str(HERE / "audit.mjs")], cwd=HERE, env=audit_env).returncode
        finally:
            server.terminate()
            server.wait(timeout=10)


if __name__ == "__main__":
    sys.exit(main())
