"""The JSON shapes of an area report for the API: the summary and the ranked children."""

from campaign.coverage.numbers import Numbers, official_app_code
from campaign.coverage.report import AreaReport, colour
from campaign.coverage.tree import Area


def _iso(value):
    return value.isoformat() if value is not None else None


def numbers_payload(report: AreaReport, numbers: Numbers) -> dict:
    campaign = report.campaign
    rate = numbers.user_rate
    return {
        "level": numbers.level,
        "code": numbers.code,
        "name": numbers.name,
        "population": numbers.population,
        "households": numbers.households,
        "households_reached": numbers.households_reached,
        "households_reached_rate": numbers.households_reached_rate,
        "visits": numbers.visits,
        "already_installed": numbers.already_installed,
        "installs": numbers.installs,
        "known_users": numbers.known_users,
        "user_rate": rate,
        "target_share": rate / campaign.target_rate if rate is not None else None,
        "colour": colour(campaign, rate),
        "installs_by_app": [
            {
                "app_id": app.id,
                "code": app.code,
                "name": app.name,
                "installs": numbers.installs_by_app.get(app.id, 0),
            }
            for app in report.apps
        ],
        "outcomes": dict(numbers.outcomes),
        "users_per_day": round(numbers.gained_window / report.pace["window_days"], 2),
        # Both bases side by side; `basis` says which one the rank, target and pace use.
        "official_users": numbers.official_users,
        "official_rate": numbers.official_rate,
        "found_share_of_official": numbers.found_share,
        "basis": numbers.basis,
        "basis_rate": numbers.basis_rate,
        "rank": numbers.rank,
        "rank_since": numbers.rank_since,
        "rank_change": numbers.rank_change,
        "ranked_among": numbers.ranked_count,
    }


def _area_payload(area: Area) -> dict:
    return {"level": area.level, "code": area.code, "name": area.name}


def _header(report: AreaReport) -> dict:
    campaign = report.campaign
    return {
        "area": {**_area_payload(report.area), "parents": [_area_payload(a) for a in report.area.chain[:-1]]},
        "campaign": {
            "id": campaign.id,
            "name": campaign.name,
            "target_rate": campaign.target_rate,
            "start_date": campaign.start_date.isoformat(),
            "deadline": campaign.deadline.isoformat(),
            "warn_share": campaign.warn_share,
            "good_share": campaign.good_share,
            "ranking_basis": "official" if campaign.ranking_app_code else "found",
            "ranking_app_code": campaign.ranking_app_code,
            "official_app_code": official_app_code(campaign),
        },
        "as_of": report.as_of.isoformat(),
        "since": report.since.isoformat(),
    }


def summary_payload(report: AreaReport) -> dict:
    pace_figures = {**report.pace, "projected_date": _iso(report.pace["projected_date"])}
    return {
        **_header(report),
        **numbers_payload(report, report.numbers),
        "pace": pace_figures,
        "trend": [{**p, "date": p["date"].isoformat()} for p in report.trend],
    }


def children_payload(report: AreaReport) -> dict:
    return {
        **_header(report),
        "children_level": report.children_level,
        "children": [numbers_payload(report, child) for child in report.children],
        "top5": [child.code for child in report.top5],
        "climbers": [child.code for child in report.climbers],
    }
