"""The Activist Academy: a Flask application built by ``create_app``."""
from __future__ import annotations

import os
from pathlib import Path

from flask import Flask
from flask_babel.speaklater import LazyString
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.routing import IntegerConverter

from .config import allowed_hosts, build_config
from .core.hosts import AllowedHosts

PROJECT_ROOT = Path(__file__).resolve().parent.parent


class BoundedIntConverter(IntegerConverter):
    """``<int:…>`` limited to what an integer column holds, so a huge id is a 404, not a 500."""

    def __init__(self, url_map, fixed_digits=0, min=None, max=2**31 - 1, signed=False):
        super().__init__(url_map, fixed_digits=fixed_digits, min=min, max=max, signed=signed)


def create_app(config: dict | None = None) -> Flask:
    """Build the application; ``config`` overrides settings read from the environment.

    Nothing here touches the database: schema changes belong to ``flask db upgrade``.
    """
    app = Flask(
        __name__,
        instance_path=str(PROJECT_ROOT / "instance"),
        static_folder=str(PROJECT_ROOT / "static"),
        instance_relative_config=True,
    )
    app.url_map.converters["int"] = BoundedIntConverter
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    app.config.update(build_config(Path(app.instance_path)))
    if config:
        app.config.update(config)
        if "HTTPS" in config and "SESSION_COOKIE_SECURE" not in config:
            # Over HTTPS the session cookie is never sent in clear, however HTTPS was switched on.
            app.config["SESSION_COOKIE_SECURE"] = bool(config["HTTPS"])
        if "SERVER_BASE_URL" in config and "ALLOWED_HOSTS" not in config:
            app.config["ALLOWED_HOSTS"] = allowed_hosts(os.environ.get("ALLOWED_HOSTS"), config["SERVER_BASE_URL"])

    app.wsgi_app = AllowedHosts(app.wsgi_app, app.config["ALLOWED_HOSTS"], app.config["LANGUAGES"],
                                app.config["BABEL_DEFAULT_LOCALE"])
    hops = app.config["TRUSTED_PROXIES"]
    if not isinstance(hops, int) or hops < 0:
        raise ValueError(f"TRUSTED_PROXIES must be a whole number of proxies, 0 or more, not {hops!r}")
    if hops:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)

    _init_extensions(app)
    _register_blueprints(app)
    _register_hooks(app)
    _register_cli(app)
    return app


def _init_extensions(app: Flask) -> None:
    from . import models  # noqa: F401  (every table registered before Flask-Migrate looks)
    from .accounts.sessions import load_user
    from .db_setup import configure_engines, engine_options
    from .extensions import babel, csrf, db, limiter, login_manager, migrate
    from .i18n import select_locale, select_timezone

    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = engine_options(app)
    db.init_app(app)
    migrate.init_app(app, db, directory=str(PROJECT_ROOT / "migrations"))
    csrf.init_app(app)
    babel.init_app(app, locale_selector=select_locale, timezone_selector=select_timezone,
                   default_translation_directories=str(Path(__file__).parent / "translations"))
    limiter.init_app(app)
    login_manager.init_app(app)
    login_manager.user_loader(load_user)
    login_manager.login_view = "accounts.sign_in"
    login_manager.session_protection = None  # sessions are server-side rows, rotated at sign-in
    configure_engines(app)


def _register_blueprints(app: Flask) -> None:
    from .accounts.views import bp as accounts_bp
    from .admin_users.views import bp as admin_users_bp
    from .audit.views import bp as audit_bp
    from .core.views import bp as core_bp
    from .curriculum.views import bp as curriculum_bp
    from .learning.views import bp as learning_bp
    from .organisations.views import bp as organisations_bp

    for blueprint in (core_bp, accounts_bp, admin_users_bp, organisations_bp, audit_bp):
        app.register_blueprint(blueprint)
    app.register_blueprint(learning_bp)
    app.register_blueprint(curriculum_bp)
    from .live.views import bp as live_bp
    app.register_blueprint(live_bp)
    from .certificates.verification import bp as verification_bp
    from .certificates.views import bp as certificates_bp
    app.register_blueprint(certificates_bp)
    app.register_blueprint(verification_bp)
    from .nominations import editions_views, followup_views, invitation_views, nominate_views, review_views
    for module in (editions_views, nominate_views, review_views, invitation_views, followup_views):
        app.register_blueprint(module.bp)


def _register_hooks(app: Flask) -> None:
    from .access import enforce_access
    from .accounts.enforcement import require_two_factor
    from .core.after_response import run_after_response
    from .core.errors import register_error_handlers
    from .core.input_guard import refuse_nul_characters
    from .core.security import apply_security_headers
    from .i18n import current_language, format_list_html, format_moment, text_direction, LANGUAGE_NAMES

    # Flask-Babel's lazy strings declare themselves safe HTML (``__html__``); a lazy message that
    # interpolates user input would then reach the page unescaped. Render them as plain text.
    app.jinja_env.finalize = _plain_lazy_strings
    app.add_template_filter(format_list_html, "format_list")
    app.add_template_filter(format_moment, "moment")

    app.before_request(enforce_access)
    app.before_request(require_two_factor)  # after the access check, which loads the user
    # After both: a request nobody may make is refused as such, whatever it carries.
    app.before_request(refuse_nul_characters)
    app.after_request(run_after_response)
    app.after_request(apply_security_headers)
    register_error_handlers(app)

    @app.context_processor
    def inject_language():
        language = current_language()
        return {"language": language, "direction": text_direction(language),
                "language_names": LANGUAGE_NAMES}


def _plain_lazy_strings(value):
    return str(value) if isinstance(value, LazyString) else value


def _register_cli(app: Flask) -> None:
    from .cli import academy_cli
    from .curriculum.cli import courses_cli

    app.cli.add_command(academy_cli)
    app.cli.add_command(courses_cli)
    from .certificates.cli import certificates_cli
    app.cli.add_command(certificates_cli)
