"""Who may see or change what. Every view and API route asks this package; nowhere else decides.

Roles nest by area: an admin sees the country, a coordinator one province, a lead one ward,
a volunteer the hamlets their team is assigned to in a campaign (and their own visits).

One module a job, each name re-exported here (`access.can_claim(...)`):
- `roles`: the view guards (`roles_required`, `require`) and where a user works;
- `campaigns`: which campaigns a user takes part in, and who runs them;
- `areas`: which hamlets, wards and provinces a user sees;
- `visits`: who logs visits, and in which hamlets (the API, the form and the claims);
- `management`: who sets up a ward's hamlets, teams and people, and onboards a province;
- `review`: who reviews which visits, and sees the audit;
- `coverage`: who sees an area's coverage and imports its official figures;
- `activity`: who sees which lines of this week's activity;
- `board`: who publishes a public ranking board;
- `nav`: the menu, by the rules above.
"""

from campaign.access.activity import ActivityScope, activity_scope, can_see_activity
from campaign.access.areas import (
    can_see_country,
    can_see_hamlet,
    can_see_national_ranking,
    can_see_province,
    can_see_ward,
    hamlet_ids_query,
    open_hamlets,
)
from campaign.access.board import can_publish_board
from campaign.access.campaigns import (
    campaigns_query,
    can_end_campaign,
    can_manage_campaign,
    can_manage_campaigns,
    can_manage_national_campaigns,
    can_manage_province_leads,
    can_see_campaign,
)
from campaign.access.coverage import (
    can_import_population,
    can_see_area,
    can_see_breakdowns,
    can_set_coverage_thresholds,
    home_area,
    official_import_scope,
    official_importers_only,
    population_scope,
)
from campaign.access.management import (
    MANAGES,
    can_manage_leads,
    can_manage_person,
    can_manage_team,
    can_manage_user,
    can_manage_volunteer,
    can_manage_ward,
    can_onboard_province,
    can_onboard_ward,
    can_reissue_join_code,
)
from campaign.access.nav import (
    NavItem,
    nav_items,
)
from campaign.access.review import (
    RANK,
    REVIEWERS,
    can_review_visit,
    can_see_visit_review,
    can_see_ward_audit,
    is_reviewer,
    review_hamlet_ids_query,
    review_team_ids_query,
    reviewers_only,
)
from campaign.access.roles import (
    own_ward_code,
    require,
    roles_required,
    user_province_code,
    user_ward_code,
)
from campaign.access.visits import (
    LOGGING_ROLES,
    campaign_hamlet_ids,
    can_claim,
    can_log_in_hamlet,
    can_see_revisits,
    loggable_hamlet_ids,
    loggable_hamlets_query,
    logs_visits,
)

__all__ = [
    "roles_required",
    "require",
    "user_province_code",
    "user_ward_code",
    "own_ward_code",
    "campaigns_query",
    "can_see_campaign",
    "can_manage_campaign",
    "can_manage_campaigns",
    "can_manage_national_campaigns",
    "can_manage_province_leads",
    "can_end_campaign",
    "hamlet_ids_query",
    "can_see_hamlet",
    "can_see_ward",
    "can_see_province",
    "can_see_country",
    "can_see_national_ranking",
    "open_hamlets",
    "LOGGING_ROLES",
    "logs_visits",
    "campaign_hamlet_ids",
    "loggable_hamlet_ids",
    "loggable_hamlets_query",
    "can_log_in_hamlet",
    "can_see_revisits",
    "can_claim",
    "MANAGES",
    "can_manage_ward",
    "can_manage_user",
    "can_manage_team",
    "can_manage_volunteer",
    "can_manage_leads",
    "can_manage_person",
    "can_onboard_province",
    "can_onboard_ward",
    "can_reissue_join_code",
    "REVIEWERS",
    "is_reviewer",
    "reviewers_only",
    "review_hamlet_ids_query",
    "RANK",
    "can_see_visit_review",
    "can_review_visit",
    "can_see_ward_audit",
    "review_team_ids_query",
    "can_see_area",
    "can_see_breakdowns",
    "can_set_coverage_thresholds",
    "population_scope",
    "can_import_population",
    "official_importers_only",
    "official_import_scope",
    "home_area",
    "ActivityScope",
    "activity_scope",
    "can_see_activity",
    "can_publish_board",
    "NavItem",
    "nav_items",
]
