"""Work a request leaves for after its response: it runs when the server closes the response, in the
request's own context, each piece on its own (one that fails does not stop the others)."""
from __future__ import annotations

import io
import logging

import pytest
from flask import request, send_file, url_for

from academy.access import public
from academy.core.after_response import after_response


@pytest.fixture
def serving(make_app):
    """An application with two pages that leave work for later, and the list that work writes to."""
    application = make_app()
    done = []

    def note(label):
        done.append((label, request.remote_addr, url_for("core.index", _external=True)))

    def fail():
        raise RuntimeError("the mail server is down")

    @public
    def page():
        after_response(note, "first")
        after_response(fail)
        after_response(note, "second")
        return "answered"

    @public
    def download():
        after_response(note, "file")
        return send_file(io.BytesIO(b"contents"), download_name="file.txt")

    application.add_url_rule("/test/after-response", "after_response_page", page)
    application.add_url_rule("/test/after-response/file", "after_response_file", download)
    application.done = done
    return application


def test_work_runs_once_the_response_is_closed_in_the_requests_context(serving, caplog):
    response = serving.test_client().get("/test/after-response")
    assert response.status_code == 200 and response.text == "answered"
    assert serving.done == []
    with caplog.at_level(logging.ERROR):
        response.close()  # what the server does once the answer is sent
    assert serving.done == [("first", "127.0.0.1", "http://localhost/"),
                            ("second", "127.0.0.1", "http://localhost/")]
    assert "work after the response failed" in caplog.text and "mail server is down" in caplog.text


def test_work_left_by_a_file_response_runs_before_the_file_is_handed_over(serving):
    # Werkzeug gives a file response to the server as it is, without the response's close callbacks.
    response = serving.test_client().get("/test/after-response/file")
    assert response.status_code == 200
    assert serving.done == [("file", "127.0.0.1", "http://localhost/")]
    response.close()
    assert len(serving.done) == 1
