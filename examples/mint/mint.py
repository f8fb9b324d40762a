"""Mints a walletpush card handle and its binding cookie (docs/design.md §2) with `cryptography`.

    python3 mint.py KEY.pem KID ISSUER WIDGET_ORIGIN COOKIE_DOMAIN SUB CARD LAST4 NETWORK PRODUCT WALLETS

Prints one JSON line: {"handle": "...", "set_cookie": "..."}. In a real backend the binding
secret is made once per login session, kept with the session, and the same cookie value is reused
for every handle of that session; here each run is a new session.
"""
import base64
import hashlib
import json
import secrets
import sys
import time
import uuid

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def main(key_file, kid, issuer, widget_origin, cookie_domain, sub, card, last4, network, product, wallets):
    # The binding secret: 32 random bytes. The cookie carries them; the handle their SHA-256.
    secret = secrets.token_bytes(32)
    cookie_value = b64url(secret)
    bnd = b64url(hashlib.sha256(secret).digest())

    now = int(time.time())
    header = {"alg": "ES256", "typ": "walletpush-handle+jwt", "kid": kid}
    claims = {
        "iss": issuer,
        "sub": sub,
        "card": card,
        "aud": widget_origin,
        "iat": now,
        "exp": now + 300,
        "jti": str(uuid.uuid4()),
        "wallets": wallets.split(","),
        "display": {"last4": last4, "network": network, "product": product},
        "bnd": bnd,
    }
    signing_input = (
        b64url(json.dumps(header, separators=(",", ":")).encode())
        + "."
        + b64url(json.dumps(claims, separators=(",", ":")).encode())
    )
    with open(key_file, "rb") as f:
        key = serialization.load_pem_private_key(f.read(), password=None)
    der = key.sign(signing_input.encode("ascii"), ec.ECDSA(hashes.SHA256()))
    # JWS ES256 wants r || s, 32 bytes each, not DER (RFC 7518 §3.4).
    r, s = decode_dss_signature(der)
    handle = signing_input + "." + b64url(r.to_bytes(32, "big") + s.to_bytes(32, "big"))

    secure = "; Secure" if widget_origin.startswith("https:") else ""
    set_cookie = (
        f"walletpush_binding={cookie_value}; Domain={cookie_domain}; Path=/walletpush/; "
        f"HttpOnly; SameSite=Strict; Max-Age=1800{secure}"
    )
    print(json.dumps({"handle": handle, "set_cookie": set_cookie}))


if __name__ == "__main__":
    main(*sys.argv[1:12])
