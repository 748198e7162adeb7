"""Names refuse control and invisible characters, but keep the joiners some scripts need."""
import pytest

from academy.text import JOINERS, has_hidden_characters, is_hidden_character

from .helpers import audit_events

HIDDEN = ["N\u202eame\x07", "A\u200bB", "Ana\x00", "Ana\tFerreira", "\u2066Ana\u2069", "Ana\u00ad", "\ufeffAna",
          "Ana\U000e0041"]


@pytest.mark.parametrize("name", HIDDEN)
def test_the_shared_rule_finds_hidden_characters(name):
    assert has_hidden_characters(name)


def test_the_joiners_and_ordinary_letters_pass():
    assert not any(is_hidden_character(char) for char in JOINERS)
    for name in ("می\u200cخواهم", "क्\u200dष", "Ana Ferreira", "José Núñez", "李小龍", "Nguyễn"):
        assert not has_hidden_characters(name)


@pytest.mark.parametrize("name", HIDDEN)
def test_profile_refuses_names_with_hidden_characters(client, make, login_as, db, name):
    user = make.trainee(display_name="Ana")
    login_as(user)
    response = client.post("/profile", data={"display_name": name, "preferred_language": "en", "time_zone": "UTC"})
    assert response.status_code == 400
    # A NUL is refused for the whole request before the form sees it (tests/test_input_guard.py).
    expected = ("contains a null character" if "\x00" in name
                else "Remove the invisible or control characters from this name.")
    assert expected in response.get_data(as_text=True)
    db.session.refresh(user)
    assert user.display_name == "Ana"
    assert audit_events("account.profile_update") == []


def test_profile_keeps_a_persian_name_with_a_zero_width_non_joiner(client, make, login_as, db):
    user = make.trainee(display_name="Ana")
    login_as(user)
    name = "مهر\u200cآسا"
    response = client.post("/profile", data={"display_name": name, "preferred_language": "en", "time_zone": "UTC"})
    assert response.status_code == 302
    db.session.refresh(user)
    assert user.display_name == name
