"""Host headers: without ``SERVER_BASE_URL`` links come from the request, so only the allowed
hosts are served; a reset asked for under a foreign name mails nobody a foreign link."""
from __future__ import annotations

import pytest

from academy.config import LOCAL_HOSTS, allowed_hosts


def test_without_a_base_url_only_this_machine_is_trusted():
    assert allowed_hosts(None, "") == list(LOCAL_HOSTS)
    assert allowed_hosts("  ", "") == list(LOCAL_HOSTS)


def test_a_base_url_lets_every_host_through_and_a_list_wins():
    assert allowed_hosts(None, "https://academy.example.org") is None
    assert allowed_hosts("academy.example.org, .example.net", "") == ["academy.example.org", ".example.net"]
    assert allowed_hosts("academy.example.org", "https://academy.example.org") == ["academy.example.org"]


@pytest.mark.parametrize(("language", "expected"), [
    ("fr-FR,fr;q=0.9", "fr"), ("es", "es"), ("ar", "ar"), ("de", "en"),
])
def test_a_foreign_host_is_refused_in_the_browser_s_language(make_app, language, expected):
    client = make_app(SERVER_BASE_URL="").test_client()

    response = client.get("/", headers={"Host": "attacker.example", "Accept-Language": language})

    assert response.status_code == 400
    assert response.headers["Content-Language"] == expected
    assert response.mimetype == "text/plain"
    assert "attacker" not in response.get_data(as_text=True)


def test_the_refusal_is_translated(make_app):
    client = make_app(SERVER_BASE_URL="").test_client()
    english = client.get("/", headers={"Host": "attacker.example", "Accept-Language": "en"}).get_data(as_text=True)
    french = client.get("/", headers={"Host": "attacker.example", "Accept-Language": "fr"}).get_data(as_text=True)
    assert english.startswith("This server does not answer")
    assert french != english and "adresse" in french


def test_a_reset_asked_for_under_a_foreign_host_sends_nothing(make_app, make, outbox):
    person = make.trainee(email="lea@example.org")
    client = make_app(SERVER_BASE_URL="").test_client()

    refused = client.post("/reset-password", data={"email": person.email}, headers={"Host": "attacker.example"})
    served = client.post("/reset-password", data={"email": person.email}, headers={"Host": "127.0.0.1:5000"})
    refused.close(), served.close()  # as a server does once the answer is sent: the reset runs then

    assert refused.status_code == 400 and served.status_code == 302
    [message] = outbox(person.email)
    assert "http://127.0.0.1:5000/reset-password/" in message.body_text
    assert "attacker" not in message.body_text


def test_with_a_base_url_links_ignore_the_host_header(make_app, make, outbox):
    person = make.trainee(email="lea@example.org")
    client = make_app(SERVER_BASE_URL="https://academy.example.org").test_client()

    response = client.post("/reset-password", data={"email": person.email}, headers={"Host": "attacker.example"})
    response.close()

    assert response.status_code == 302
    [message] = outbox(person.email)
    assert "https://academy.example.org/reset-password/" in message.body_text
    assert "attacker" not in message.body_text


def test_listed_hosts_are_served_and_others_refused(make_app):
    client = make_app(ALLOWED_HOSTS=["academy.example.org"]).test_client()
    assert client.get("/healthz", headers={"Host": "academy.example.org"}).status_code == 200
    assert client.get("/healthz", headers={"Host": "localhost"}).status_code == 400
