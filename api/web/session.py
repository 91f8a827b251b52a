"""The console's session: an encrypted, authenticated cookie holding the token and the CSRF secret.

The cookie is a Fernet token (AES-128-CBC + HMAC-SHA256, with its issue time), so it is both signed and
unreadable: the bearer secret inside it never travels in clear, and a tampered or expired cookie is simply
no session. Its key is derived (HKDF) from the service's signing key, so every worker of one service reads
the same cookies without a new setting, and no key material is ever reused as-is for another purpose.
"""

from __future__ import annotations

import base64
import hmac
import json
import secrets
from dataclasses import dataclass
from http.cookies import SimpleCookie

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from starlette.requests import Request
from starlette.responses import Response

COOKIE = "console_session"
COOKIE_PATH = "/console"
LIFETIME_SECONDS = 8 * 3600  # one working day: a cookie older than this is no session, whatever its token
_KEY_PURPOSE = b"lossmit-compliance console session cookie v1"
STATE_KEY, NEW_KEY = "console_session", "console_session_new"  # where the edge leaves the opened session


@dataclass(frozen=True)
class Session:
    """What the cookie holds: the CSRF secret every form must echo, and the signed-in token's secret."""

    csrf: str
    secret: str | None = None

    @property
    def signed_in(self) -> bool:
        """True once a token was accepted at sign-in."""
        return self.secret is not None

    def signed_in_as(self, secret: str) -> Session:
        """A fresh session for `secret`, with a new CSRF secret (no fixation across sign-in)."""
        return Session(csrf=new_csrf(), secret=secret)

    def csrf_matches(self, submitted: str | None) -> bool:
        """Constant-time comparison of a form's CSRF field with this session's."""
        return bool(submitted) and hmac.compare_digest(submitted.encode(), self.csrf.encode())  # type: ignore[union-attr]


def new_csrf() -> str:
    """A fresh random CSRF secret."""
    return secrets.token_urlsafe(32)


def anonymous() -> Session:
    """A session with a CSRF secret and no token (the sign-in form's)."""
    return Session(csrf=new_csrf())


class SessionCodec:
    """Seal a Session into a cookie value and open one back (None when tampered, foreign or expired)."""

    def __init__(self, signing_key: Ed25519PrivateKey) -> None:
        raw = signing_key.private_bytes(
            serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption()
        )
        derived = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_KEY_PURPOSE).derive(raw)
        self._fernet = Fernet(base64.urlsafe_b64encode(derived))

    def seal(self, session: Session) -> str:
        """The cookie value of a session."""
        body = json.dumps({"csrf": session.csrf, "secret": session.secret}, separators=(",", ":"))
        return self._fernet.encrypt(body.encode()).decode("ascii")

    def open(self, value: str | None) -> Session | None:
        """The session a cookie value holds, or None."""
        if not value:
            return None
        try:
            body = json.loads(self._fernet.decrypt(value.encode("ascii"), ttl=LIFETIME_SECONDS))
        except (InvalidToken, ValueError, UnicodeError):
            return None
        if not isinstance(body, dict) or not isinstance(body.get("csrf"), str):
            return None
        secret = body.get("secret")
        return Session(csrf=body["csrf"], secret=secret if isinstance(secret, str) else None)


def cookie_value(cookie_header: str | None) -> str | None:
    """The console cookie's value from a Cookie header."""
    if not cookie_header:
        return None
    jar: SimpleCookie = SimpleCookie()
    try:
        jar.load(cookie_header)
    except Exception:  # noqa: BLE001 - a malformed Cookie header is no session, never an error page
        return None
    morsel = jar.get(COOKIE)
    return morsel.value if morsel is not None else None


def store(response: Response, request: Request, session: Session) -> None:
    """Set the session cookie: HttpOnly, SameSite=Strict, path /console, Secure whenever served over https."""
    response.set_cookie(
        COOKIE, request.app.state.console_codec.seal(session), max_age=LIFETIME_SECONDS, path=COOKIE_PATH,
        httponly=True, samesite="strict", secure=request.url.scheme == "https",
    )


def forget(response: Response, request: Request) -> None:
    """Delete the session cookie (sign-out, or a token that stopped working)."""
    response.delete_cookie(COOKIE, path=COOKIE_PATH, httponly=True, samesite="strict",
                           secure=request.url.scheme == "https")


def current(request: Request) -> Session:
    """The request's session as the console edge opened it; a new anonymous one (to be stored) when none."""
    state = request.scope.setdefault("state", {})
    found = state.get(STATE_KEY)
    if isinstance(found, Session):
        return found
    fresh = anonymous()
    state[STATE_KEY], state[NEW_KEY] = fresh, True
    return fresh


def is_new(request: Request) -> bool:
    """True when this request created the session, so the response must set its cookie."""
    return bool(request.scope.get("state", {}).get(NEW_KEY))
