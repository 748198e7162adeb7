"""Error pages in the reader's language, as HTML or JSON; never a stack trace."""
from __future__ import annotations

from flask import jsonify, render_template
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, InternalServerError

from ..access import wants_json

TITLES = {
    400: _l("Bad request"),
    401: _l("Please sign in"),
    403: _l("Access denied"),
    404: _l("Page not found"),
    405: _l("Method not allowed"),
    413: _l("Upload too large"),
    429: _l("Too many requests"),
    500: _l("Something went wrong"),
}

MESSAGES = {
    400: _l("The request could not be understood. Please check what you sent and try again."),
    401: _l("You need to sign in to do this."),
    403: _l("You do not have permission to see this page."),
    404: _l("We could not find this page. It may have moved or never existed."),
    405: _l("This address does not accept that kind of request."),
    413: _l("What you sent is larger than this site accepts. Please send a smaller file."),
    429: _l("You have made too many attempts. Please wait a few minutes and try again."),
    500: _l("An unexpected error happened on our side. It has been logged; please try again later."),
}


def render_error(code: int, message=None):
    """Answer ``code`` with a translated page (or JSON for API clients)."""
    title = TITLES.get(code, TITLES[500] if code >= 500 else TITLES[400])
    text = message or MESSAGES.get(code, MESSAGES[500] if code >= 500 else MESSAGES[400])
    if wants_json():
        return jsonify(error=str(title), message=str(text)), code
    return render_template("errors/error.html", code=code, title=title, message=text), code


def register_error_handlers(app) -> None:
    """Route every HTTP error and every unexpected exception to ``render_error``."""

    @app.errorhandler(CSRFError)
    def csrf_error(error):
        return render_error(400, _l("Your form has expired or was not sent from this site. "
                                    "Please reload the page and try again."))

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        code = error.code or 500
        if code in (301, 302, 303, 307, 308):
            return error
        return render_error(code if code in TITLES else (500 if code >= 500 else 400))

    @app.errorhandler(Exception)
    def unexpected_error(error: Exception):
        from ..extensions import db

        app.logger.exception("unhandled error", exc_info=error)
        db.session.rollback()
        return render_error(500)

    @app.errorhandler(InternalServerError)
    def internal_error(error):
        return render_error(500)
