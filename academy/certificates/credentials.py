"""Open Badges 3.0: each certificate as an ``OpenBadgeCredential`` signed as a VC-JWT (EdDSA).

The credential is built from the certificate's snapshot (what was printed, at issuance), so it
never changes after issuance; whether it still stands is published separately at the URL of
its ``credentialStatus`` (``/certificates/status/<code>``), which reflects revocation.

Signing follows Open Badges 3.0 §8.2 (VC-JWT): the JWT payload is the credential itself, with
the registered claims ``iss`` (issuer id), ``jti`` (credential id) and ``nbf`` (validFrom). The
header names the key by ``kid``; the public key is published as a JWKS at
``/.well-known/jwks.json``. JWS compact serialisation is short enough to write here (RFC 7515):
``base64url(header) . base64url(payload) . base64url(Ed25519 signature of the first two)``.

The signing key is generated into ``instance/`` on first use (mode 0600). Several workers may
start at once: each writes a complete key to a temporary file and links it into place; link
refuses to replace an existing file, so the first key wins and every worker reads that one.
"""
from __future__ import annotations

import base64
import hashlib
import json
import os
import threading
import uuid
from datetime import datetime, timezone
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from ..files import create_once
from .codes import format_code

VC_CONTEXT = "https://www.w3.org/ns/credentials/v2"
OB_CONTEXT = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
STATUS_TYPE = "1EdTechRevocationList"
ALGORITHM = "EdDSA"


class CredentialError(ValueError):
    """A token that is malformed or whose signature does not verify."""


# --- base64url and JWS ---------------------------------------------------------------------

def b64url_encode(data: bytes) -> str:
    """Base64url without padding (RFC 7515 §2)."""
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_decode(text: str) -> bytes:
    """Inverse of ``b64url_encode``; raises ``CredentialError`` on anything else."""
    if not isinstance(text, str) or not text.isascii():
        raise CredentialError("not base64url")
    try:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except ValueError as error:
        raise CredentialError("not base64url") from error


def _json_bytes(value: dict) -> bytes:
    # Sorted keys and no spaces: the same credential always gives the same token.
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def sign_jws(payload: dict, key: Ed25519PrivateKey, kid: str, typ: str = "JWT") -> str:
    """``payload`` as a JWS compact serialisation signed with Ed25519 (alg EdDSA)."""
    header = {"alg": ALGORITHM, "kid": kid, "typ": typ}
    signing_input = f"{b64url_encode(_json_bytes(header))}.{b64url_encode(_json_bytes(payload))}"
    return f"{signing_input}.{b64url_encode(key.sign(signing_input.encode('ascii')))}"


def verify_jws(token: str, jwks: dict) -> dict:
    """The payload of ``token`` if its EdDSA signature verifies with the JWKS key it names."""
    parts = token.split(".") if isinstance(token, str) else []
    if len(parts) != 3:
        raise CredentialError("not a JWS compact serialisation")
    try:
        header = json.loads(b64url_decode(parts[0]))
        payload = json.loads(b64url_decode(parts[1]))
    except (ValueError, UnicodeDecodeError) as error:
        raise CredentialError("malformed header or payload") from error
    if not isinstance(header, dict) or header.get("alg") != ALGORITHM:
        raise CredentialError("unexpected algorithm")
    jwk = next((item for item in jwks.get("keys", []) if item.get("kid") == header.get("kid")), None)
    if jwk is None or jwk.get("kty") != "OKP" or jwk.get("crv") != "Ed25519":
        raise CredentialError("unknown key")
    public_key = Ed25519PublicKey.from_public_bytes(b64url_decode(jwk["x"]))
    try:
        public_key.verify(b64url_decode(parts[2]), f"{parts[0]}.{parts[1]}".encode("ascii"))
    except InvalidSignature as error:
        raise CredentialError("signature does not verify") from error
    return payload


# --- the key -------------------------------------------------------------------------------

_keys: dict[str, Ed25519PrivateKey] = {}
_keys_lock = threading.Lock()


def load_signing_key(path: str | os.PathLike) -> Ed25519PrivateKey:
    """The Ed25519 key kept at ``path``, generated there (mode 0600) on first use."""
    path = Path(path)
    with _keys_lock:
        cached = _keys.get(str(path))
        if cached is not None:
            return cached
        if not path.exists():
            _create_key_file(path)
        key = serialization.load_pem_private_key(path.read_bytes(), password=None)
        if not isinstance(key, Ed25519PrivateKey):
            raise ValueError(f"{path} does not hold an Ed25519 private key")
        _keys[str(path)] = key
        return key


def _create_key_file(path: Path) -> None:
    # Never replaces a key another worker made a moment ago.
    create_once(path, Ed25519PrivateKey.generate().private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))


def public_jwk(key: Ed25519PrivateKey) -> dict:
    """The public half of ``key`` as a JWK, its ``kid`` the RFC 7638 thumbprint."""
    raw = key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    x = b64url_encode(raw)
    thumbprint = b64url_encode(hashlib.sha256(_json_bytes({"crv": "Ed25519", "kty": "OKP", "x": x})).digest())
    return {"kty": "OKP", "crv": "Ed25519", "x": x, "kid": thumbprint, "use": "sig", "alg": ALGORITHM}


def jwks(key: Ed25519PrivateKey) -> dict:
    """The JSON Web Key Set published at ``/.well-known/jwks.json``."""
    return {"keys": [public_jwk(key)]}


# --- the credential ------------------------------------------------------------------------

def credential_urls(base_url: str, code: str) -> dict[str, str]:
    """The credential's own id (its JSON form) and its status address, under ``base_url``."""
    base_url = base_url.rstrip("/")
    return {"id": f"{base_url}/verify/{format_code(code)}/credential.json",
            "status": f"{base_url}/certificates/status/{format_code(code)}"}


def _timestamp(text: str) -> int:
    return int(datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=timezone.utc).timestamp())


def build_credential(snapshot: dict) -> dict:
    """The ``OpenBadgeCredential`` (VC Data Model 2.0) of a certificate snapshot, unsigned.

    The recipient is identified by the name as printed (an ``IdentityObject`` of type ``name``,
    not hashed): the same and only personal fact the certificate and its public page show.
    """
    base_url = snapshot["issuer"]["url"].rstrip("/")
    urls = credential_urls(base_url, snapshot["code"])
    issuer = {"id": base_url + "/", "type": ["Profile"], "name": snapshot["texts"]["academy"], "url": base_url + "/"}
    # A module is named by its slug, an edition (a whole programme) by its id.
    kind_path = "editions" if snapshot.get("kind") == "edition" else "modules"
    achievement_id = uuid.uuid5(uuid.NAMESPACE_URL, f"{base_url}/{kind_path}/{snapshot['achievement_slug']}")
    achievement = {
        "id": f"urn:uuid:{achievement_id}",
        "type": ["Achievement"],
        "achievementType": "LearningProgram" if kind_path == "editions" else "Course",
        "name": snapshot["achievement_title"],
        "description": snapshot.get("achievement_summary") or snapshot["achievement_title"],
        "criteria": {"narrative": snapshot["texts"]["completed"] + " " + snapshot["achievement_title"]},
        "inLanguage": snapshot["language"],
        "creator": issuer,
    }
    if snapshot.get("partners"):
        achievement["tag"] = [partner["name"] for partner in snapshot["partners"]]
    return {
        "@context": [VC_CONTEXT, OB_CONTEXT],
        "id": urls["id"],
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "name": f"{snapshot['texts']['heading']}: {snapshot['achievement_title']}",
        "issuer": issuer,
        "validFrom": snapshot["issued_at"],
        "credentialSubject": {
            "type": ["AchievementSubject"],
            "identifier": [{"type": "IdentityObject", "identityType": "name", "hashed": False,
                            "identityHash": snapshot["holder_name"]}],
            "achievement": achievement,
        },
        "credentialStatus": {"id": urls["status"], "type": STATUS_TYPE},
    }


def signed_credential(snapshot: dict, key: Ed25519PrivateKey) -> str:
    """The credential as a VC-JWT: the credential is the payload, with ``iss``, ``jti``, ``nbf``."""
    credential = build_credential(snapshot)
    payload = dict(credential, iss=credential["issuer"]["id"], jti=credential["id"],
                   nbf=_timestamp(snapshot["issued_at"]))
    return sign_jws(payload, key, public_jwk(key)["kid"])
