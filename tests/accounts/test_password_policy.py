"""The password policy (ASVS 5.0 level 2) and argon2id hashing."""
from academy.accounts import passwords
from academy.accounts.passwords import common_passwords, password_problems


def test_common_password_list_is_shipped_large_lower_case_and_loaded_once(app):
    listed = common_passwords()
    assert isinstance(listed, frozenset)
    assert len(listed) >= 10_000
    assert all(entry == entry.lower() and entry == entry.strip() for entry in listed)
    assert common_passwords() is listed  # cached: read from disk once per process
    assert passwords.COMMON_PASSWORDS_FILE.with_name("COMMON_PASSWORDS_LICENSE.txt").is_file()


def test_password_of_twelve_characters_is_accepted_and_eleven_refused(app):
    assert password_problems("tangerine-ox") == []
    assert password_problems("tangerine-o")


def test_long_passphrases_are_accepted_up_to_128_characters(app):
    assert password_problems("a quiet river " * 5) == []  # 70 characters
    assert password_problems(("x7 words and more " * 8)[:128]) == []
    assert password_problems(("x7 words and more " * 8)[:129])


def test_common_password_is_refused_in_any_letter_case(app):
    common = sorted(entry for entry in common_passwords() if len(entry) >= 12)[0]
    assert password_problems(common)
    assert password_problems(common.upper())


def test_password_equal_to_email_or_name_is_refused(app):
    email = "amina.longname@example.org"
    assert password_problems("Amina.Longname@example.org", email=email, name="Amina")
    assert password_problems("amina.longname", email=email, name="Amina")
    assert password_problems("Amina Diallo Sow", email=email, name="amina diallo sow")
    assert password_problems("a different passphrase", email=email, name="Amina Diallo Sow") == []


def test_hash_is_argon2id_and_verifies_only_the_right_password(app):
    hashed = passwords.hash_password("river stones and moss")
    assert hashed.startswith("$argon2id$")
    assert "m=19456,t=2,p=1" in hashed
    assert passwords.verify_password(hashed, "river stones and moss")
    assert not passwords.verify_password(hashed, "river stones and mosss")
    assert not passwords.verify_password(None, "anything at all")
    assert not passwords.verify_password("not-a-hash", "anything at all")
