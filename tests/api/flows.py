"""The issuer API's answers that generated requests cannot reach, checked against
server/openapi.yaml with schemathesis' own checks.

Generated requests carry no valid handle, so they stop at the first checks. This script mints
real handles through the sandbox's test hooks and drives each answer of
`POST /walletpush/v1/credentials` that needs one: the card payload (200), a replay (409), the
binding cookie missing or foreign (401 HANDLE_UNBOUND), a rate limit (429 with Retry-After),
an inactive card (422), and the other refusals; then the other operations. Every answer must
match the description (status, content type, headers, body schema) and have the expected code.

Usage: python flows.py SCHEMA WIDGET_ORIGIN WIDGET_PORT HOST_PORT
The sandbox must run with --test-hooks and --card-rate 1:2 (two redemptions a card a minute).
Prints `N passed, N failed` last; exits 1 on any failure.
"""

import json
import sys
import urllib.request

import schemathesis
from schemathesis.checks import not_a_server_error

SCHEMA, WIDGET, WIDGET_PORT, HOST_PORT = sys.argv[1:5]
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

# The card's rate: two redemptions a minute, then 429 with Retry-After.
for n in range(2):
    minted = mint(card="gift-2")
    expect(f"gift-2, redemption {n + 1}", credentials, 200,
           body={"handle": minted["handle"], "wallet": "sandbox", "state": state(10 + n)},
           headers=caller(minted["binding"]))
minted = mint(card="gift-2")
limited = expect("gift-2, third within the minute: RATE_LIMITED", credentials, 429,
                 "RATE_LIMITED",
                 body={"handle": minted["handle"], "wallet": "sandbox", "state": state(12)},
                 headers=caller(minted["binding"]))

# The preflight and Token Connect's return.
preflight = schema["/walletpush/v1/credentials"]["OPTIONS"]
expect("preflight from the widget origin: 403", preflight, 403, headers={"Origin": WIDGET})
back = schema["/walletpush/v1/token-connect/return"]["GET"]
expect("return to a page of another site: 400", back, 400,
       query={"to": "https://evil.example/", "wallet": "token-connect", "result": "ok"})

# The other operations.
for path, status in [("/walletpush/v1/config", 200), ("/walletpush/v1/jwks", 200),
                     ("/healthz", 200), ("/readyz", 200), ("/metrics", 200)]:
    expect(f"GET {path}", schema[path]["GET"], status)

print(f"{passed} passed, {failed} failed")
sys.exit(1 if failed else 0)
