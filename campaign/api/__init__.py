"""The JSON API at /api/v1. It calls the same services as the HTML pages."""

from flask import Blueprint

bp = Blueprint("api", __name__)

from campaign.api import areas, review, session, setup, visits  # noqa: E402,F401  (routes register on bp)
