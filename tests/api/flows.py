"""The issuer API's answers that generated requests cannot reach, checked against
server/openapi.yaml with schemathesis' own checks.

Generated requests carry no valid handle, so they stop at the first checks. This script mints
real handles through the sandbox's test hooks and drives each answer of
`POST /walletpush/v1/credentials` that needs one: the card payload (200), a replay (409), the
binding cookie missing or foreign (401 HANDLE_UNBOUND), a rate limit (429 with Retry-After),
an inactive card (422), and the other refusals; Google's, Apple's and Token Connect's
credentials and the adapter origin's preflight; then the other operations. Every answer must
match the description (status, content type, headers, body schema) and have the expected code.

Usage: python flows.py SCHEMA WIDGET_ORIGIN ADAPTER_ORIGIN HOST_ORIGIN WIDGET_PORT HOST_PORT
The sandbox must run with --test-hooks, --card-rate 1:3 (three redemptions a card a minute),
Google and Apple (--google-script-url, --apple-script-url and their ids) and Token Connect
(--token-connect-url, --token-connect-requestor 50123197929).
Prints `N passed, N failed` last; exits 1 on any failure.
"""

import json
import sys
import urllib.request

import schemathesis
from schemathesis.checks import not_a_server_error

SCHEMA, WIDGET, ADAPTER, HOST, WIDGET_PORT, HOST_PORT = sys.argv[1:7]
REQUESTOR = "50123197929"
API = f"http://127.0.0.1:{WIDGET_PORT}"
schema = schemathesis.openapi.from_path(SCHEMA)
credentials = schema["/walletpush/v1/credentials"]["POST"]

passed = 0
failed = 0


def mint(**claims):
    """A handle from the sandbox's hook: {handle, binding, jti, ...}."""
    request = urllib.request.Request(
        f"http://127.0.0.1:{HOST_PORT}/__sandbox/handle",
        data=json.dumps(claims).encode(),
        headers={"content-type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=10) as answer:
        return json.load(answer)


def caller(binding=None, origin=WIDGET, site="same-origin"):
    headers = {"Sec-Fetch-Site": site}
    if origin is not None:
        headers["Origin"] = origin
    if binding is not None:
        headers["Cookie"] = f"walletpush_binding={binding}"
    return headers


def state(n):
    return f"flowstate{n:013d}"


def expect(name, operation, status, code=None, server_error=False, **case):
    """Sends one case; the answer must conform and have `status` (and `code`)."""
    global passed, failed
    response = operation.Case(**case).call(base_url=API)
    problems = []
    try:
        operation.Case(**case).validate_response(
            response, excluded_checks=[not_a_server_error] if server_error else None
        )
    except BaseExceptionGroup as group:  # schemathesis' failures: report, go on
        # Titles and messages only: the full report would print the answer, card data included.
        for failure in group.exceptions:
            title = getattr(failure, "title", type(failure).__name__)
            problems.append(f"{title}: {str(failure).strip().splitlines()[0][:160]}")
    if response.status_code != status:
        problems.append(f"status {response.status_code}, expected {status}: {response.text[:200]}")
    if code is not None:
        try:
            got = response.json().get("code")
        except ValueError:
            got = None
        if got != code:
            problems.append(f"code {got}, expected {code}")
    if problems:
        failed += 1
        print(f"not ok - {name}: {problems}")
    else:
        passed += 1
        print(f"ok - {name}")
    return response


# The card payload, then the same handle again.
minted = mint(card="gift-1")
body = {"handle": minted["handle"], "wallet": "sandbox", "state": state(1)}
answer = expect("redirect: the card payload", credentials, 200, body=body,
                headers=caller(minted["binding"]))
expect("the same handle again: HANDLE_REPLAYED", credentials, 409, "HANDLE_REPLAYED",
       body=body, headers=caller(minted["binding"]))

# The binding cookie.
minted = mint(card="gift-1")
body = {"handle": minted["handle"], "wallet": "sandbox", "state": state(2)}
expect("no binding cookie: HANDLE_UNBOUND", credentials, 401, "HANDLE_UNBOUND",
       body=body, headers=caller())
other = "A" * 43
expect("another session's cookie: HANDLE_UNBOUND", credentials, 401, "HANDLE_UNBOUND",
       body=body, headers=caller(other))

# The caller.
expect("no Origin: ORIGIN_NOT_ALLOWED", credentials, 403, "ORIGIN_NOT_ALLOWED",
       body=body, headers=caller(minted["binding"], origin=None))
expect("cross-site: ORIGIN_NOT_ALLOWED", credentials, 403, "ORIGIN_NOT_ALLOWED",
       body=body, headers=caller(minted["binding"], site="cross-site"))

# The handle.
expired = mint(card="gift-1", iat=1_000_000_000)
expect("expired handle: HANDLE_EXPIRED", credentials, 401, "HANDLE_EXPIRED",
       body={**body, "handle": expired["handle"]}, headers=caller(expired["binding"]))
rogue = mint(card="gift-1", signer="rogue")
expect("forged handle: HANDLE_INVALID", credentials, 401, "HANDLE_INVALID",
       body={**body, "handle": rogue["handle"]}, headers=caller(rogue["binding"]))
expect("a body without state or session: ISSUER_REJECTED", credentials, 400, "ISSUER_REJECTED",
       body={"handle": minted["handle"], "wallet": "sandbox"}, headers=caller(minted["binding"]))

# The wallet, the session, the card.
minted = mint(card="corp-1")
expect("a wallet this issuer does not offer: ISSUER_REJECTED", credentials, 403,
       "ISSUER_REJECTED",
       body={"handle": minted["handle"], "wallet": "elsewhere", "state": state(3)},
       headers=caller(minted["binding"]))
minted = mint(card="corp-2")
expect("a forged wallet session: WALLET_SESSION_INVALID", credentials, 401,
       "WALLET_SESSION_INVALID",
       body={"handle": minted["handle"], "wallet": "sandbox", "session": "e30.e30.c2ln"},
       headers=caller(minted["binding"]))
minted = mint(card="corp-inactive")
expect("an inactive card: CARD_INACTIVE", credentials, 422, "CARD_INACTIVE",
       body={"handle": minted["handle"], "wallet": "sandbox", "state": state(4)},
       headers=caller(minted["binding"]))

# The adapter wallets: Google and Apple from the adapter origin, Token Connect from the frame.
minted = mint(card="corp-1")
expect("Google: the push provisioning credential", credentials, 200,
       body={"handle": minted["handle"], "wallet": "google", "server_session_id": "session-1",
             "public_device_id": "device-1", "public_wallet_id": "wallet-1"},
       headers=caller(minted["binding"], origin=ADAPTER, site="same-site"))
minted = mint(card="corp-2")
expect("Apple: the provisioning JWS", credentials, 200,
       body={"handle": minted["handle"], "wallet": "apple"},
       headers=caller(minted["binding"], origin=ADAPTER, site="same-site"))
expect("Apple from the widget origin: ORIGIN_NOT_ALLOWED", credentials, 403,
       "ORIGIN_NOT_ALLOWED", body={"handle": minted["handle"], "wallet": "apple"},
       headers=caller(minted["binding"]))
minted = mint(card="gift-1")
expect("Token Connect: the push account receipt", credentials, 200,
       body={"handle": minted["handle"], "wallet": "token-connect", "token_requestor": REQUESTOR,
             "return_url": f"{HOST}/gift"},
       headers=caller(minted["binding"]))

# The card's rate: three redemptions a minute, then 429 with Retry-After.
for n in range(3):
    minted = mint(card="gift-2")
    expect(f"gift-2, redemption {n + 1}", credentials, 200,
           body={"handle": minted["handle"], "wallet": "sandbox", "state": state(10 + n)},
           headers=caller(minted["binding"]))
minted = mint(card="gift-2")
expect("gift-2, fourth within the minute: RATE_LIMITED", credentials, 429,
       "RATE_LIMITED",
       body={"handle": minted["handle"], "wallet": "sandbox", "state": state(13)},
       headers=caller(minted["binding"]))

# The preflight and Token Connect's return.
preflight = schema["/walletpush/v1/credentials"]["OPTIONS"]
expect("preflight from the widget origin: 403", preflight, 403, headers={"Origin": WIDGET})
expect("preflight from the adapter origin: 204", preflight, 204, headers={"Origin": ADAPTER})
back = schema["/walletpush/v1/token-connect/return"]["GET"]
expect("return to a page of another site: 400", back, 400,
       query={"to": "https://evil.example/", "wallet": "token-connect", "result": "ok"})

# The other operations.
for path, status in [("/walletpush/v1/config", 200), ("/walletpush/v1/jwks", 200),
                     ("/healthz", 200), ("/readyz", 200), ("/metrics", 200)]:
    expect(f"GET {path}", schema[path]["GET"], status)

print(f"{passed} passed, {failed} failed")
sys.exit(1 if failed else 0)
