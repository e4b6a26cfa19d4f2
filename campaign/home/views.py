from flask import Blueprint, render_template
from flask_login import current_user, login_required

from campaign.auth.models import Role
from campaign.home import services
from campaign.visits import mine as my_visits
from campaign.visits.services import visits_today

bp = Blueprint("home", __name__)


@bp.get("/")
@login_required
def index():
    if current_user.role == Role.VOLUNTEER:
        return render_template(
            "home/volunteer.html",
            sections=services.volunteer_home(current_user),
            today_count=visits_today(current_user),
            needs_fixing=my_visits.needs_fixing_count(current_user),
        )
    return render_template("home/index.html", rows=services.manager_home(current_user))
