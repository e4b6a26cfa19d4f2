"""The volunteer's pages: the visit form, my visits, and the installable app's shell."""

import hashlib
import uuid
from datetime import datetime
from functools import cache
from pathlib import Path

import sqlalchemy as sa
from flask import Blueprint, abort, current_app, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from campaign import vocabulary
from campaign.campaigns.models import Campaign
from campaign.database import reads_first, start_writing
from campaign.extensions import db
from campaign.i18n import VN_TZ
from campaign.types import db_id
from campaign.visits import mine as my
from campaign.visits import rules, services
from campaign.visits.hamlets import campaigns_with_hamlets, hamlets_payload
from campaign.visits.intake import CONFLICT, INVALID, read_batch
from campaign.visits.models import SiteKind, Visit
from campaign.visits.storing import write_batch

bp = Blueprint("visits", __name__)

# Files the service worker keeps for offline use besides the pages; their content names the cache.
SHELL_FILES = (
    "css/app.css",
    "css/visits.css",
    "js/app.js",
    "js/net.js",
    "js/outbox.js",
    "js/visit-form.js",
    "js/visit-rules.js",
    "vendor/idb/index.js",
    "icons/icon-192.png",
    "icons/icon-512.png",
    "icons/icon-maskable-512.png",
)


def _item_from_form(form, campaign: Campaign) -> dict:
    item = {name: form.get(name) for name in rules.FIELDS if name != "installs"}
    item["installs"] = {app.code: form.get(f"install_{app.code}") for app in campaign.apps}
    if not item["visited_at"]:
        # Without JavaScript the server stamps the time. A second tap on "Lưu" resends the same
        # client_id: it keeps the first time, or it would differ by a second and be a conflict.
        first = services.stored_visited_at(current_user.id, item.get("client_id"))
        item["visited_at"] = (first or datetime.now(VN_TZ)).astimezone(VN_TZ).isoformat(timespec="seconds")
    return item


@bp.route("/visits/new", methods=["GET", "POST"])
@reads_first
@login_required
def new():
    choices = campaigns_with_hamlets(current_user)
    if not choices:
        return render_template("visits/none.html")
    wanted = request.values.get("campaign_id", type=db_id)
    campaign, hamlets = next(((c, h) for c, h in choices if c.id == wanted), choices[0])
    if request.method == "GET":
        return _form_page(campaign, choices, hamlets, _prefill(campaign), {})
    item, campaign_id = _item_from_form(request.form, campaign), campaign.id
    batch = read_batch(current_user._get_current_object(), [item])
    start_writing(db.session)
    result = write_batch(batch)[0]
    db.session.commit()
    if result["status"] != INVALID:
        return _saved(result["status"], item, campaign_id)
    flash(_("Lượt thăm chưa được lưu. Vui lòng sửa các mục báo lỗi."), "error")
    return _form_page(campaign, choices, hamlets, item, result["errors"])


def _saved(status: str, item: dict, campaign_id: int):
    """Where a stored (or already stored) visit leads: by id, so that nothing is loaded again."""
    if status == CONFLICT:
        flash(_("Lượt thăm này đã được gửi trước đó với nội dung khác; bản đầu tiên được giữ."), "warning")
        return redirect(url_for(".new", campaign_id=campaign_id))
    flash(_("Đã lưu lượt thăm %(label)s.", label=rules.clean_label(item["household"])), "info")
    return redirect(url_for(".new", campaign_id=campaign_id, hamlet_id=item["hamlet_id"]))


def _form_page(campaign: Campaign, choices: list, hamlets: list, values: dict, errors: dict):
    values.setdefault("client_id", str(uuid.uuid4()))
    return render_template(
        "visits/form.html",
        campaign=campaign,
        campaigns=[c for c, _h in choices],
        hamlets=hamlets,
        hamlet_data=hamlets_payload(campaign, hamlets),
        values=values,
        errors=errors,
        outcomes=vocabulary.OUTCOMES,
        sites=vocabulary.SITES,
        rules=rules.client_rules(),
    )


def _prefill(campaign: Campaign) -> dict:
    """A correction starts from the visit it corrects; otherwise from the last hamlet used."""
    corrects = request.args.get("corrects")
    if corrects:
        visit = services.own_visit(current_user, corrects)
        if visit is None:
            abort(404)
        values = services.visit_payload(visit)
        values.update(client_id=str(uuid.uuid4()), corrects=visit.client_id, visited_at="")
        for code, n in values.pop("installs").items():
            values[f"install_{code}"] = n
        return values
    hamlet_id = request.args.get("hamlet_id", type=db_id) or db.session.scalar(
        sa.select(Visit.hamlet_id)
        .where(Visit.volunteer_id == current_user.id, Visit.campaign_id == campaign.id)
        .order_by(Visit.received_at.desc(), Visit.id.desc())
        .limit(1)
    )
    return {"hamlet_id": hamlet_id, "site_kind": SiteKind.HOUSEHOLD.value}


@bp.get("/visits/mine")
@login_required
def mine():
    choices = my.status_choices()
    status = request.args.get("status", "")
    status = status if status in choices else ""
    page = my.page(current_user, status)
    return render_template(
        "visits/mine.html",
        page=page,
        days=my.by_day(page.items),
        status=status,
        status_choices=choices,
        outcomes=vocabulary.OUTCOMES,
        statuses=vocabulary.STATUSES,
        may_correct=my.may_correct,
    )


@bp.get("/offline")
def offline():
    return render_template("visits/offline.html")


def network_settings() -> dict:
    """The phone's timeout and retry delays, for static/js/net.js in the page and the worker."""
    config = current_app.config
    return {
        "timeoutMs": config["CLIENT_TIMEOUT_MS"],
        "retryMinMs": config["CLIENT_RETRY_MIN_MS"],
        "retryMaxMs": config["CLIENT_RETRY_MAX_MS"],
        "undoMs": config["CLIENT_UNDO_MS"],
    }


@bp.app_context_processor
def network_context() -> dict:
    return {"network_settings": network_settings}


@cache
def shell_version(static_folder: str) -> str:
    digest = hashlib.sha256()
    for name in (*SHELL_FILES, "service-worker.js"):
        digest.update((Path(static_folder) / name).read_bytes())
    return digest.hexdigest()[:12]


def javascript(source: str):
    response = current_app.response_class(source, mimetype="text/javascript")
    response.headers["Cache-Control"] = "no-cache"
    return response


@bp.get("/sw.js")
def retired_service_worker():
    """The worker's address while it was a classic script: phones that still have it update to one
    that clears the old shell, so that they load the app.js that registers the module worker."""
    return javascript((Path(current_app.static_folder) / "sw.js").read_text())


@bp.get("/service-worker.js")
def service_worker():
    """Served from the root so that its scope is the whole site; the cache name follows the files."""
    source = (Path(current_app.static_folder) / "service-worker.js").read_text()
    files = [url_for("static", filename=name) for name in SHELL_FILES]
    for name, value in (
        ("__VERSION__", shell_version(current_app.static_folder)),
        ("__SHELL_FILES__", jsonify(files).get_data(as_text=True).strip()),
        ("__NETWORK__", jsonify(network_settings()).get_data(as_text=True).strip()),
    ):
        source = source.replace(name, value)
    return javascript(source)


def _manifest() -> dict:
    icon = lambda name, size, purpose: {  # noqa: E731
        "src": url_for("static", filename=f"icons/{name}"),
        "sizes": size,
        "type": "image/png",
        "purpose": purpose,
    }
    return {
        "name": _("Gõ cửa từng nhà"),
        "short_name": _("Gõ cửa"),
        "description": _("Ghi lượt thăm hộ gia đình, cả khi không có mạng."),
        "lang": "vi",
        "id": "/",
        "start_url": url_for("home.index"),
        "scope": "/",
        "display": "standalone",
        "background_color": "#f5f7f6",
        "theme_color": "#0b6e4f",
        "icons": [
            icon("icon-192.png", "192x192", "any"),
            icon("icon-512.png", "512x512", "any"),
            icon("icon-maskable-512.png", "512x512", "maskable"),
        ],
    }


@bp.get("/manifest.webmanifest")
def manifest():
    response = jsonify(_manifest())
    response.mimetype = "application/manifest+json"
    return response


@bp.get("/favicon.ico")
def favicon():
    """Browsers ask for it whatever the page links; the app icon, not a 404 in the console."""
    return current_app.send_static_file("icons/icon-192.png")
