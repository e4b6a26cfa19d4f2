"""The JSON API at /api/v1: one module per feature it serves, each calling the same services as
the HTML pages; their OpenAPI descriptions are in campaign/api/schemas/, served at
/api/openapi.json."""

from flask import Blueprint, jsonify
from flask_babel import gettext as _

from campaign.errors import RequestError, json_error
from campaign.extensions import db
from campaign.imports import ImportRejected

bp = Blueprint("api", __name__)
# The document sits beside the versioned API, not inside it.
docs = Blueprint("api_docs", __name__)


@bp.errorhandler(RequestError)
def request_error(error: RequestError):
    return json_error(error.status, error.message, code=error.code, fields=error.fields)


@bp.errorhandler(ImportRejected)
def import_rejected(error: ImportRejected):
    """An upload refused whole: nothing the import flushed is kept."""
    db.session.rollback()
    if error.unreadable:
        return json_error(422, error.errors[0], code="bad_file")
    message = _("Tệp có lỗi nên chưa có gì thay đổi.")
    return json_error(422, message, code="invalid", fields={"rows": error.errors})


@docs.get("/api/openapi.json")
def openapi():
    from campaign.api.schemas import document

    return jsonify(document())


from campaign.api import (  # noqa: E402,F401  (routes register on bp)
    coverage,
    hamlets,
    people,
    review,
    revisits,
    session,
    teams,
    visits,
)
