"""Who publishes a public ranking board (campaign/board)."""

from campaign.access.campaigns import can_manage_campaign, can_manage_national_campaigns
from campaign.auth.models import User
from campaign.campaigns.models import Campaign


def can_publish_board(user: User, campaign: Campaign, province_code: int | None) -> bool:
    """Publish or unpublish a campaign's public board: the national board (the provinces ranked,
    `province_code` None) of a national campaign by an admin; a province's board (its wards ranked)
    by its coordinator or an admin, in a campaign that covers the province. Leads and volunteers
    never: a board speaks for a whole province."""
    if province_code is None:
        return campaign.province_code is None and can_manage_national_campaigns(user)
    if campaign.province_code not in (None, province_code):
        return False
    return can_manage_campaign(user, None, province_code=province_code)
