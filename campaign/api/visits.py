"""JSON API: visits. The phone's outbox sends batches here; "my visits" reads from here."""

from flask import jsonify, request
from flask_babel import gettext as _
from flask_login import current_user, login_required

from campaign import metrics
from campaign.api import bp
from campaign.api.helpers import invalid, json_object
from campaign.database import reads_first, start_writing
from campaign.errors import RequestError
from campaign.extensions import db
from campaign.query_args import known_args
from campaign.visits import rules, services
from campaign.visits.intake import read_batch
from campaign.visits.storing import write_batch


@bp.post("/visits")
@reads_first
@login_required
def post_visits():
    data = json_object()
    items = data.get("visits")
    if not isinstance(items, list):
        return invalid({"visits": [_('Cần một danh sách lượt thăm: {"visits": [ … ]}.')]})
    if len(items) > rules.MAX_BATCH:
        return invalid({"visits": [_("Tối đa %(n)d lượt thăm mỗi lần gửi.", n=rules.MAX_BATCH)]})
    # The user itself, not the proxy: the rules read it for every item.
    batch = read_batch(current_user._get_current_object(), items)
    start_writing(db.session)
    write_batch(batch)
    db.session.commit()
    metrics.count_visits(batch.results)
    return jsonify(results=batch.results)


@bp.get("/visits")
@login_required
@known_args("mine", "since")
def get_visits():
    if request.args.get("mine") != "1":
        raise RequestError(422, _("Hiện chỉ xem được lượt thăm của chính bạn (mine=1)."), code="invalid")
    since = None
    if request.args.get("since"):
        since = rules.parse_time(request.args["since"])
        if since is None:
            return invalid({"since": [rules.messages()["visited_at"]]})
    visits = db.session.scalars(services.my_visits_query(current_user, since).limit(1000)).all()
    return jsonify(visits=[services.visit_payload(v) for v in visits])
