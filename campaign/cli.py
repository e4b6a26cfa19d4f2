"""Command line: `flask --app campaign init | create-user | demo`."""

import secrets
from contextlib import contextmanager

import click
import sqlalchemy as sa
from flask import Flask
from flask_migrate import upgrade

from campaign.areas.services import area_counts, load_official_areas
from campaign.auth.models import Role
from campaign.backup import backup_command
from campaign.coverage import cli as coverage_cli
from campaign.database import refresh_statistics
from campaign.deploy import deploy_files_command
from campaign.extensions import db


def register(app: Flask) -> None:
    app.cli.add_command(init_command)
    app.cli.add_command(create_user_command)
    app.cli.add_command(demo_command)
    app.cli.add_command(backup_command)
    app.cli.add_command(deploy_files_command)
    coverage_cli.register(app)


# Any fixed number, the same in every server: PostgreSQL's advisory locks are keyed by it.
INIT_LOCK_KEY = 0x43414D50  # "CAMP"


@contextmanager
def init_lock():
    """On PostgreSQL, one `flask init` at a time: servers that start together wait their turn,
    and the later ones find the schema current. The lock is the connection's, so it goes with
    the process if it dies. SQLite is one server's file: nothing to share."""
    if db.engine.dialect.name != "postgresql":
        yield
        return
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(sa.text("SELECT pg_advisory_lock(:key)"), {"key": INIT_LOCK_KEY})
        try:
            yield
        finally:
            conn.execute(sa.text("SELECT pg_advisory_unlock(:key)"), {"key": INIT_LOCK_KEY})


@click.command("init")
def init_command():
    """Bring the database schema up to date and load Vietnam's provinces and wards."""
    with init_lock():
        upgrade()
        changes = load_official_areas()
        db.session.commit()
    provinces, wards = area_counts()
    click.echo(
        f"Database ready: {provinces} provinces, {wards} wards "
        f"({changes['added']} added, {changes['renamed']} renamed)."
    )


@click.command("create-user")
@click.option("--username", required=True)
@click.option("--role", type=click.Choice([r.value for r in Role]), required=True)
@click.option("--display-name", default="")
@click.option("--ward", "ward_code", type=int, help="Ward code (for a lead).")
@click.option("--province", "province_code", type=int, help="Province code (for a coordinator).")
@click.option("--team", "team_id", type=int, help="Team id (for a volunteer).")
@click.password_option()
def create_user_command(username, role, display_name, ward_code, province_code, team_id, password):
    """Create a user account."""
    from campaign.auth.services import UserError, create_user

    try:
        user = create_user(
            username,
            password,
            display_name,
            Role(role),
            ward_code=ward_code,
            province_code=province_code,
            team_id=team_id,
        )
    except UserError as error:
        raise click.ClickException(str(error)) from error
    db.session.commit()
    click.echo(f"Created {user.role.value} {user.username}.")


@click.command("demo")
@click.option("--password", help="Password for every demo user (default: a random one, printed).")
def demo_command(password):
    """Create the demo campaign in Cần Thơ, or reset its users' passwords if it exists."""
    from campaign.auth.passwords import password_problem
    from campaign.demo import build_demo, demo_exists, set_demo_passwords

    password = password or secrets.token_urlsafe(12)
    problem = password_problem(password)
    if problem:
        raise click.ClickException(problem)
    if demo_exists():
        users = set_demo_passwords(password)
        click.echo("The demo campaign exists; its users' passwords were reset.")
    else:
        build_demo()
        users = set_demo_passwords(password)
        click.echo("Demo campaign created in Cần Thơ.")
    db.session.commit()
    refresh_statistics()
    db.session.commit()
    click.echo(f"Demo logins (password for all: {password}):")
    for user in users:
        click.echo(f"  {user.username:<12} {user.role.value:<12} {user.display_name}")
