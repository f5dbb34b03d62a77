"""A fake OAuth token endpoint (JWT-bearer grant, RFC 7523) and service-account key files.

Keys are generated at test time; the fake keeps each public key and checks the assertion's
RS256 signature, expiry and scope like Google's token server does. As with google-auth against
the real server, the JWT's `aud` is Google's token URL whatever `token_uri` says, so it is not
compared with this server's address.
"""

from __future__ import annotations

import base64
import json
import secrets
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

GRANT_TYPE = "urn:ietf:params:oauth:grant-type:jwt-bearer"
SHEETS_SCOPE = "https://www.googleapis.com/auth/spreadsheets"


class TokenError(Exception):
    def __init__(self, error: str, description: str) -> None:
        super().__init__(description)
        self.error = error
        self.description = description


@dataclass
class TokenServer:
    public_keys: dict[str, rsa.RSAPublicKey] = field(default_factory=dict)  # client_email -> key
    tokens: dict[str, str] = field(default_factory=dict)  # access token -> client_email
    issued: int = 0

    def new_key_file(self, directory: Path, client_email: str, token_uri: str) -> Path:
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.public_keys[client_email] = key.public_key()
        pem = key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        ).decode()
        info = {
            "type": "service_account",
            "project_id": "fake-project",
            "private_key_id": secrets.token_hex(8),
            "private_key": pem,
            "client_email": client_email,
            "client_id": "1234567890",
            "token_uri": token_uri,
        }
        path = directory / f"{client_email.split('@')[0]}.json"
        path.write_text(json.dumps(info))
        return path

    def exchange(self, form: dict[str, str]) -> dict[str, Any]:
        if form.get("grant_type") != GRANT_TYPE:
            raise TokenError("unsupported_grant_type", "Invalid grant_type.")
        claims = self._verified_claims(form.get("assertion", ""))
        now = time.time()
        if not claims.get("iat", 0) - 300 <= now <= claims.get("exp", 0):
            raise TokenError(
                "invalid_grant",
                "Invalid JWT: Token must be a short-lived token (60 minutes) and in a reasonable "
                "timeframe. Check your iat and exp values in the JWT claim.",
            )
        if SHEETS_SCOPE not in str(claims.get("scope", "")).split():
            raise TokenError("invalid_scope", "Invalid OAuth scope or ID token audience provided.")
        token = f"ya29.fake-{secrets.token_urlsafe(16)}"
        self.tokens[token] = str(claims["iss"])
        self.issued += 1
        return {"access_token": token, "expires_in": 3599, "token_type": "Bearer"}

    def _verified_claims(self, assertion: str) -> dict[str, Any]:
        try:
            header_b64, claims_b64, signature_b64 = assertion.split(".")
            claims: dict[str, Any] = json.loads(_unb64(claims_b64))
            signature = _unb64(signature_b64)
        except ValueError:
            raise TokenError("invalid_grant", "Invalid JWT.") from None
        key = self.public_keys.get(str(claims.get("iss")))
        if key is None:
            raise TokenError("invalid_grant", "Invalid JWT Signature.")
        try:
            key.verify(signature, f"{header_b64}.{claims_b64}".encode(), padding.PKCS1v15(), hashes.SHA256())
        except InvalidSignature:
            raise TokenError("invalid_grant", "Invalid JWT Signature.") from None
        return claims


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
