"""Command line: `flask --app campaign check-totals | rebuild-totals | import-population FILE`."""

from pathlib import Path

import click
import sqlalchemy as sa

from campaign.campaigns.models import Campaign
from campaign.coverage import recount
from campaign.coverage.population import PopulationImportError, import_population
from campaign.extensions import db


def register(app) -> None:
    for command in (check_totals_command, rebuild_totals_command, import_population_command):
        app.cli.add_command(command)


def _campaign_ids(campaign_id):
    if campaign_id is not None:
        return [campaign_id]
    return db.session.scalars(sa.select(Campaign.id).order_by(Campaign.id)).all()


@click.command("check-totals")
@click.option("--campaign", "campaign_id", type=int, help="Only this campaign.")
def check_totals_command(campaign_id):
    """Recompute the summary tables from raw visits and print every mismatch."""
    problems = []
    ids = _campaign_ids(campaign_id)
    for cid in ids:
        problems += recount.mismatches(cid)
    for problem in problems:
        click.echo(problem)
    if problems:
        raise click.ClickException(f"{len(problems)} mismatch(es) between summary tables and visits.")
    click.echo(f"Totals agree with the visits ({len(ids)} campaign(s)).")


@click.command("rebuild-totals")
@click.option("--campaign", "campaign_id", type=int, help="Only this campaign.")
def rebuild_totals_command(campaign_id):
    """Rebuild the summary tables from raw visits."""
    ids = _campaign_ids(campaign_id)
    for cid in ids:
        recount.rebuild(cid)
    db.session.commit()
    click.echo(f"Rebuilt the totals of {len(ids)} campaign(s).")


@click.command("import-population")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def import_population_command(path):
    """Import official ward/province population figures (cap,ma,dan_so). All or nothing."""
    try:
        changed = import_population(path.read_bytes())
    except PopulationImportError as error:
        db.session.rollback()
        for message in error.errors:
            click.echo(message, err=True)
        raise click.ClickException("Nothing imported.") from error
    db.session.commit()
    click.echo(f"Imported: {changed} area(s) changed.")
