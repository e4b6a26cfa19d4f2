"""The public ranking board: an unauthenticated page and PNG card per published board, and the
form that publishes it (on the country and province pages).

Public responses are the same for every reader: they are rendered without the request's session
or user (no cookie is read or set), in Vietnamese, and served from the cache (`board.cache`) with
an ETag and a short public max-age. Until a board is published its URLs are a 404, the same 404
as for a campaign or province that does not exist.
"""

import hashlib

from flask import Blueprint, abort, current_app, flash, redirect, request, url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required

from campaign import access
from campaign.board import services
from campaign.board.cache import cached
from campaign.board.card import card_png
from campaign.board.forms import PublishForm
from campaign.campaigns.models import Campaign
from campaign.extensions import db
from campaign.i18n import local_today
from campaign.numbers import whole_number
from campaign.types import MAX_ID

bp = Blueprint("board", __name__, url_prefix="/bang-xep-hang")

HIGHLIGHT = "noi-bat"  # ?noi-bat=<code>: the area the card highlights


def _published(campaign_id: int, code: int | None):
    board = services.publication(campaign_id, code)
    if board is None:
        abort(404)
    return board


def _key(kind: str, published, as_of, extra: str = "") -> str:
    """The cache key of a board's data or rendering: campaign, scope, day and when it was
    published (a board published again starts afresh)."""
    scope = published.province_code or "vn"
    stamp = published.published_at.timestamp()
    return f"board:{kind}:{published.campaign_id}:{scope}:{as_of.isoformat()}:{stamp}{extra}"


def _data(published, as_of) -> services.Board:
    return cached(
        _key("data", published, as_of),
        lambda: services.board(published.campaign, published.province_code, as_of),
    )


def _entity(body: bytes) -> tuple[str, bytes]:
    return hashlib.sha256(body).hexdigest()[:32], body


def _public(entity: tuple[str, bytes], mimetype: str):
    """A cacheable response; `If-None-Match` with its ETag gets a 304."""
    etag, body = entity
    response = current_app.response_class(body, mimetype=mimetype)
    response.set_etag(etag)
    response.cache_control.public = True
    response.cache_control.max_age = current_app.config["BOARD_CACHE_SECONDS"]
    return response.make_conditional(request)


def _render_page(published, as_of) -> tuple[str, bytes]:
    with force_locale("vi"):
        board = _data(published, as_of)
        # The environment's own render, not render_template: its context processors would load
        # the reader's session and user, and the page is the same for everyone.
        html = current_app.jinja_env.get_template("board/board.html").render(
            board=board,
            card_url=_public_url(board.campaign_id, board.province_code, card=True),
            refresh_seconds=current_app.config["BOARD_CACHE_SECONDS"],
        )
    return _entity(html.encode())


def _page(campaign_id: int, code: int | None):
    published = _published(campaign_id, code)
    as_of = local_today()
    entity = cached(_key("page", published, as_of), lambda: _render_page(published, as_of))
    return _public(entity, "text/html")


@bp.get("/<int:campaign_id>/")
def national(campaign_id):
    return _page(campaign_id, None)


@bp.get("/<int:campaign_id>/<int:code>")
def province(campaign_id, code):
    return _page(campaign_id, code)


def _highlight_code() -> int | None:
    """The area ?noi-bat= names (None when absent); anything but a code is a 404."""
    value = request.args.get(HIGHLIGHT, "")
    if not value:
        return None
    try:
        return whole_number(value, MAX_ID)
    except ValueError:
        abort(404)


def _card(campaign_id: int, code: int | None):
    """The board as a PNG card: top 5, climbers and one highlighted area of the board (a code
    that is not one of the board's areas is a 404)."""
    published = _published(campaign_id, code)
    as_of = local_today()
    wanted = _highlight_code()
    board = _data(published, as_of)
    highlight = board.row(wanted) if wanted is not None else None
    if wanted is not None and highlight is None:
        abort(404)

    def render():
        with force_locale("vi"):
            return _entity(card_png(board, highlight))

    entity = cached(_key("card", published, as_of, f":{wanted or ''}"), render)
    return _public(entity, "image/png")


@bp.get("/<int:campaign_id>/anh.png")
def national_card(campaign_id):
    return _card(campaign_id, None)


@bp.get("/<int:campaign_id>/<int:code>/anh.png")
def province_card(campaign_id, code):
    return _card(campaign_id, code)


@bp.post("/<int:campaign_id>/cong-bo")
@login_required
def publish(campaign_id):
    campaign = db.get_or_404(Campaign, campaign_id)
    form = PublishForm()
    if not form.validate():
        abort(400)
    code = form.code.data
    access.require(access.can_publish_board(current_user, campaign, code))
    if not services.has_board(campaign, code):
        abort(404)
    if form.unpublish.data:
        services.unpublish(current_user, campaign, code)
        flash(_("Đã ngừng công bố bảng xếp hạng. Địa chỉ công khai giờ báo “Không tìm thấy”."), "info")
    else:
        services.publish(current_user, campaign, code)
        flash(_("Đã công bố bảng xếp hạng tại %(url)s", url=_public_url(campaign.id, code)), "info")
    db.session.commit()
    level, area = ("country", "vn") if code is None else ("province", code)
    return redirect(url_for("coverage.area", level=level, code=area, campaign_id=campaign.id))


def _public_url(campaign_id: int, code: int | None, *, card: bool = False) -> str:
    endpoint = "board.national" if code is None else "board.province"
    args = {"campaign_id": campaign_id} if code is None else {"campaign_id": campaign_id, "code": code}
    return url_for(endpoint + ("_card" if card else ""), **args)


def publishing(report) -> dict | None:
    """The publish form of an area page, for those who may publish its board; else None."""
    level, campaign = report.area.level, report.campaign
    if level not in ("country", "province"):
        return None
    code = None if level == "country" else int(report.area.code)
    if not access.can_publish_board(current_user, campaign, code) or not services.has_board(campaign, code):
        return None
    return {
        "form": PublishForm(formdata=None),
        "campaign_id": campaign.id,
        "code": code,
        "published": services.publication(campaign.id, code) is not None,
        "url": _public_url(campaign.id, code),
        "card_url": _public_url(campaign.id, code, card=True),
    }


@bp.app_context_processor
def publishing_context() -> dict:
    return {"board_publishing": publishing}
