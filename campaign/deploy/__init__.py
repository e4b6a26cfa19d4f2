"""Deployment files for one site: `flask --app campaign deploy-files --out DIR --domain DOMAIN`.

The templates beside this file ({{name}} placeholders) are written out with the site's names
and paths. Nothing is installed: the README's Production section says where each file goes.
"""

import os
import re
import secrets
from pathlib import Path

import click
from flask import current_app

HERE = Path(__file__).parent
# Template file → name written out.
FILES = {
    "nginx.conf": "nginx-campaign.conf",
    "campaign.service": "campaign.service",
    "campaign-migrate.service": "campaign-migrate.service",
    "campaign-backup.service": "campaign-backup.service",
    "campaign-backup.timer": "campaign-backup.timer",
    "campaign.env": "campaign.env",
    "logrotate": "logrotate-campaign",
}
PRIVATE = {"campaign.env"}  # holds the secret key
_PLACEHOLDER = re.compile(r"\{\{(\w+)\}\}")


def render(template: str, values: dict[str, str]) -> str:
    """Fill every {{name}}; a name without a value is a bug in this module, not a blank."""

    def fill(match: re.Match) -> str:
        return str(values[match.group(1)])

    return _PLACEHOLDER.sub(fill, template)


def site_values(
    *,
    domain: str,
    app_dir: str,
    venv: str | None = None,
    user: str = "campaign",
    upstreams: tuple[str, ...] = ("127.0.0.1:8000",),
    bind: str | None = None,
    workers: int = 5,
    database_url: str = "postgresql://campaign@127.0.0.1:5432/campaign",
    redis_url: str = "redis://127.0.0.1:6379/0",
    tls_cert: str | None = None,
    tls_key: str | None = None,
    http_port: int = 80,
    https_port: int = 443,
    env_file: str = "/etc/campaign/campaign.env",
    log_dir: str = "/var/log/campaign",
    nginx_log_dir: str = "/var/log/nginx",
    backup_dir: str = "/var/backups/campaign",
    keep_days: int = 14,
    max_body: int | None = None,
    secret_key: str | None = None,
    listen_address: str | None = None,
) -> dict[str, str]:
    # Every address (IPv4 and IPv6), or only the one given.
    addresses = [f"{listen_address}:"] if listen_address else ["", "[::]:"]
    return {
        "http_listen": "\n".join(f"    listen {a}{http_port};" for a in addresses),
        "https_listen": "\n".join(f"    listen {a}{https_port} ssl http2;" for a in addresses),
        "domain": domain,
        "app_dir": app_dir,
        "venv": venv or f"{app_dir}/.venv",
        "user": user,
        "upstream_servers": "\n".join(f"    server {u} max_fails=1 fail_timeout=5s;" for u in upstreams),
        "bind": bind or upstreams[0],
        "workers": str(workers),
        "database_url": database_url,
        "redis_url": redis_url,
        "tls_cert": tls_cert or f"/etc/letsencrypt/live/{domain}/fullchain.pem",
        "tls_key": tls_key or f"/etc/letsencrypt/live/{domain}/privkey.pem",
        "http_port": str(http_port),
        "https_port": str(https_port),
        "env_file": env_file,
        "log_dir": log_dir,
        "nginx_log_dir": nginx_log_dir,
        "backup_dir": backup_dir,
        "keep_days": str(keep_days),
        # The body limit of the app, so that nginx refuses the same bodies it would.
        "max_body": str(max_body or current_app.config["MAX_CONTENT_LENGTH"]),
        "secret_key": secret_key or secrets.token_hex(32),
    }


def write_files(out: Path, values: dict[str, str]) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for template, name in FILES.items():
        path = out / name
        path.write_text(render((HERE / template).read_text(), values))
        os.chmod(path, 0o600 if template in PRIVATE else 0o644)
        written.append(path)
    return written


@click.command("deploy-files")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), required=True)
@click.option("--domain", required=True, help="The site's name, e.g. chiendich.example.vn")
@click.option("--app-dir", default="/opt/campaign", show_default=True, help="Where the code is.")
@click.option("--venv", help="The virtualenv (default: APP_DIR/.venv).")
@click.option("--user", default="campaign", show_default=True, help="The system user the app runs as.")
@click.option(
    "--upstream",
    "upstreams",
    multiple=True,
    help="An app server host:port for nginx (repeat for several; default 127.0.0.1:8000).",
)
@click.option("--workers", type=int, default=5, show_default=True, help="gunicorn workers (2 × cores + 1).")
@click.option("--database-url", default="postgresql://campaign@127.0.0.1:5432/campaign", show_default=True)
@click.option("--redis-url", default="redis://127.0.0.1:6379/0", show_default=True)
@click.option("--tls-cert", help="Certificate (default: Let's Encrypt's path for the domain).")
@click.option("--tls-key", help="Its private key.")
@click.option("--http-port", type=int, default=80, show_default=True)
@click.option("--https-port", type=int, default=443, show_default=True)
@click.option("--listen-address", help="Listen on this address only (default: every address).")
@click.option("--env-file", default="/etc/campaign/campaign.env", show_default=True)
@click.option("--log-dir", default="/var/log/campaign", show_default=True)
@click.option("--nginx-log-dir", default="/var/log/nginx", show_default=True)
@click.option("--backup-dir", default="/var/backups/campaign", show_default=True)
def deploy_files_command(out, upstreams, **options):
    """Write nginx, systemd, environment and logrotate files for a site into OUT."""
    values = site_values(upstreams=upstreams or ("127.0.0.1:8000",), **options)
    for path in write_files(out, values):
        click.echo(path)
