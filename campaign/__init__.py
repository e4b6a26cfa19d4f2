"""The campaign field tool: a Flask application factory with no side effects."""

import os
import secrets
from importlib import import_module
from pathlib import Path

from flask import Flask
from werkzeug.exceptions import NotFound
from werkzeug.routing import IntegerConverter

from campaign.config import Config, from_environment
from campaign.numbers import whole_number
from campaign.types import MAX_ID


def create_app(test_config: dict | None = None) -> Flask:
    app = Flask(
        __name__,
        instance_relative_config=True,
        template_folder="../templates",
        static_folder="../static",
    )
    app.config.from_object(Config)
    app.config.from_pyfile("config.py", silent=True)
    app.config.update(from_environment())
    if test_config:
        app.config.update(test_config)
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = _instance_secret_key(Path(app.instance_path))

    import_module("campaign.request_log").register(app)  # first: its id is in every later line
    register_extensions(app)
    register_blueprints(app)
    register_errors(app)
    register_templates(app)
    register_cli(app)
    import_module("campaign.security").register(app)
    import_module("campaign.metrics").register(app)
    import_module("campaign.health").register(app)
    import_module("campaign.static_files").register(app)
    app.json.ensure_ascii = False  # Vietnamese text stays readable and shorter on the wire
    return app


def _instance_secret_key(instance: Path) -> str:
    """A random key made once and kept in instance/, shared by every worker."""
    path = instance / "secret_key"
    if not path.exists():
        instance.mkdir(parents=True, exist_ok=True)
        tmp = instance / f"secret_key.{os.getpid()}.tmp"
        tmp.write_text(secrets.token_hex(32))
        os.chmod(tmp, 0o600)
        try:
            os.link(tmp, path)  # atomic: the first worker wins, the others read its key
        except FileExistsError:
            pass
        finally:
            tmp.unlink()
    return path.read_text().strip()


def register_extensions(app: Flask) -> None:
    from campaign import database, models  # noqa: F401  (models register their tables)
    from campaign.auth.services import load_user
    from campaign.auth.views import unauthorized
    from campaign.board.cache import PublicSessionInterface, cache_config
    from campaign.extensions import babel, cache, compress, csrf, db, limiter, login_manager, migrate
    from campaign.i18n import select_locale, select_timezone

    app.config["SQLALCHEMY_DATABASE_URI"] = database.database_url(app)
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = database.engine_options(
        app.config["SQLALCHEMY_DATABASE_URI"],
        app.config["SQLALCHEMY_ENGINE_OPTIONS"],
        app.config["DATABASE_CONNECT_TIMEOUT_S"],
    )
    db.init_app(app)
    with app.app_context():
        if db.engine.dialect.name == "sqlite":
            database.tune_sqlite(db.engine, app.config["SQLITE_SYNCHRONOUS"])
        elif db.engine.dialect.name == "postgresql":
            database.tune_postgresql(db.engine)
    database.register(app)
    migrate.init_app(app, db, directory=str(Path(__file__).parent / "migrations"), render_as_batch=True)
    csrf.init_app(app)
    babel.init_app(
        app,
        locale_selector=select_locale,
        timezone_selector=select_timezone,
        default_translation_directories=str(Path(__file__).parent / "translations"),
    )
    limiter.init_app(app)
    cache.init_app(app, config=cache_config(app.config))
    app.session_interface = PublicSessionInterface()
    compress.init_app(app)
    login_manager.init_app(app)
    login_manager.user_loader(load_user)
    login_manager.unauthorized_handler(unauthorized)


FEATURES = ("auth", "home", "areas", "campaigns", "visits", "coverage", "review", "onboarding", "board")


class IdConverter(IntegerConverter):
    """`<int:…>` in a URL: ids and codes are 32-bit columns, so a bigger number is a 404, not a 500,
    and so are digits other than ASCII ("１２"), which the default converter reads."""

    def to_python(self, value: str) -> int:
        try:
            return whole_number(value, MAX_ID)
        except ValueError:
            raise NotFound() from None


def register_blueprints(app: Flask) -> None:
    from campaign.api import bp as api_bp
    from campaign.api import docs as api_docs

    app.url_map.converters["int"] = IdConverter

    for feature in FEATURES:
        app.register_blueprint(import_module(f"campaign.{feature}.views").bp)
    app.register_blueprint(api_bp, url_prefix="/api/v1")
    app.register_blueprint(api_docs)


def register_errors(app: Flask) -> None:
    from campaign.errors import register

    register(app)


def register_templates(app: Flask) -> None:
    from campaign import vocabulary
    from campaign.access import nav_items
    from campaign.i18n import register_filters

    register_filters(app)
    vocabulary.register(app)
    app.jinja_env.globals["nav_items"] = nav_items  # the menu asks access, never restates it


def register_cli(app: Flask) -> None:
    from campaign.cli import register

    register(app)
