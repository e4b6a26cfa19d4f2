from flask import Blueprint, render_template
from flask_login import current_user, login_required

from campaign import access
from campaign.home import services
from campaign.visits import mine as my_visits

bp = Blueprint("home", __name__)


@bp.get("/")
@login_required
def index():
    if access.is_reviewer(current_user):
        return render_template("home/index.html", rows=services.manager_home(current_user))
    return render_template(
        "home/volunteer.html",
        **services.volunteer_home(current_user),
        needs_fixing=my_visits.needs_fixing_count(current_user),
    )
