"""Open Badges 3.0 credentials: shape, signature against the published key, the key file."""
from __future__ import annotations

import base64
import json
import stat
import threading

import pytest

from academy.certificates import credentials
from academy.certificates.credentials import (CredentialError, build_credential, load_signing_key, public_jwk,
                                              sign_jws, verify_jws)


@pytest.fixture
def certificate(make, completed_enrolment):
    foundation = make.organisation(name="Fondation Afrique Solidaire", short_name="FAS")
    module = make.module(title="Online Campaigns", partners=[foundation])
    return make.certificate(completed_enrolment(make.trainee(display_name="Sipho Dlamini"), module))


def _download(client_for, certificate) -> str:
    from academy.accounts.models import User
    from academy.extensions import db

    holder = db.session.get(User, certificate.user_id)
    response = client_for(holder).get(f"/certificates/{certificate.id}.jwt")
    assert response.status_code == 200
    assert response.mimetype == "application/jwt"
    return response.get_data(as_text=True)


def test_the_downloaded_credential_verifies_against_the_published_key(client_for, certificate):
    token = _download(client_for, certificate)
    published = client_for().get("/.well-known/jwks.json")
    assert published.status_code == 200
    payload = verify_jws(token, published.get_json())

    header = json.loads(base64.urlsafe_b64decode(token.split(".")[0] + "=="))
    assert header["alg"] == "EdDSA" and header["kid"] == published.get_json()["keys"][0]["kid"]
    assert payload["@context"] == ["https://www.w3.org/ns/credentials/v2",
                                   "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"]
    assert payload["type"] == ["VerifiableCredential", "OpenBadgeCredential"]
    assert payload["iss"] == payload["issuer"]["id"] and payload["jti"] == payload["id"]
    subject = payload["credentialSubject"]
    assert subject["achievement"]["name"] == "Online Campaigns"
    assert subject["identifier"][0]["identityHash"] == "Sipho Dlamini"
    assert payload["credentialStatus"]["id"].endswith(f"/certificates/status/{certificate.display_code}")
    assert "email" not in json.dumps(payload)


def test_a_tampered_credential_does_not_verify(client_for, certificate):
    token = _download(client_for, certificate)
    keys = client_for().get("/.well-known/jwks.json").get_json()
    header, payload, signature = token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    claims["credentialSubject"]["identifier"][0]["identityHash"] = "Someone Else"
    forged = credentials.b64url_encode(json.dumps(claims).encode())
    with pytest.raises(CredentialError):
        verify_jws(f"{header}.{forged}.{signature}", keys)
    with pytest.raises(CredentialError):
        verify_jws(token[:-4], keys)
    with pytest.raises(CredentialError):
        verify_jws("not.a-token", keys)


def test_the_json_form_matches_the_signed_payload(client_for, certificate):
    token = _download(client_for, certificate)
    signed = verify_jws(token, client_for().get("/.well-known/jwks.json").get_json())
    public = client_for().get(f"/verify/{certificate.display_code}/credential.json")
    assert public.status_code == 200
    assert public.headers["Access-Control-Allow-Origin"] == "*"
    assert {key: value for key, value in signed.items() if key not in ("iss", "jti", "nbf")} == public.get_json()


def test_the_signing_key_is_created_once_private_and_shared(tmp_path):
    path = tmp_path / "instance" / "signing.pem"
    keys = []

    def load():
        credentials._keys.pop(str(path), None)
        keys.append(public_jwk(load_signing_key(path)))
    threads = [threading.Thread(target=load) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert len({key["kid"] for key in keys}) == 1
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert [item.name for item in path.parent.iterdir()] == ["signing.pem"]  # no temporary left over


def test_signing_is_deterministic_and_names_the_key(tmp_path):
    key = load_signing_key(tmp_path / "key.pem")
    kid = public_jwk(key)["kid"]
    assert sign_jws({"a": 1}, key, kid) == sign_jws({"a": 1}, key, kid)


def test_a_credential_names_its_partners_and_language(app):
    from tests.certificates.test_rendering import sample

    credential = build_credential(sample(app, "Ana Silva"))
    achievement = credential["credentialSubject"]["achievement"]
    assert achievement["inLanguage"] == "en"
    assert achievement["tag"] == ["Fundación Horizonte Progresista"]
    assert credential["validFrom"] == "2027-03-05T10:11:12Z"
