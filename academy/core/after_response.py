"""Work a request leaves until its response has been sent: nobody waits for it, nobody can time it.

A WSGI server calls the response's ``close()`` once it has written the last byte (gunicorn's
workers do so before they take the next request, as does Werkzeug's server), and Werkzeug then runs
the callbacks given to ``call_on_close``. The request context is gone by then, so the work runs in
one rebuilt from the same WSGI environ: links it builds and the address it audits are the request's
own. Each piece commits its own transaction; what it does to the session cookie or the response is
lost.
"""
from __future__ import annotations

from functools import partial

from flask import current_app, g, request

from ..extensions import db


def after_response(work, *args, **kwargs) -> None:
    """Run ``work(*args, **kwargs)`` once this request's response has been sent."""
    g.setdefault("after_response", []).append(partial(work, *args, **kwargs))


def run_after_response(response):
    """``after_request`` hook: hand the work this request left to the response's ``close()``."""
    work = g.pop("after_response", None)
    if work:
        run = partial(_run, current_app._get_current_object(), request.environ, work)
        if response.direct_passthrough:
            run()  # a file response goes to the server as it is, and Werkzeug skips its callbacks
        else:
            response.call_on_close(run)
    return response


def _run(app, environ, work: list) -> None:
    # A context of its own (its own ``g`` and database session), even where the request's was kept.
    with app.app_context(), app.request_context(environ):
        g.after_response = work  # work that this work leaves joins the queue
        while work:
            try:
                work.pop(0)()
            except Exception:  # the response is gone: log it (undelivered mail is retried by the CLI)
                app.logger.exception("work after the response failed")
            finally:
                db.session.rollback()
