"""Response headers every page gets: a nonce-based CSP and the usual hardening.

Templates load scripts only as ``<script nonce="{{ csp_nonce() }}" src=...>``; there
is no inline script and no inline style, so the policy needs no ``unsafe-inline``.
The one inline stylesheet is inside the dashboard's SVG charts, and carries the nonce.
"""

from __future__ import annotations

import secrets

from flask import Flask, Request, Response, current_app, g, request, session
from flask_login import current_user

HSTS_MAX_AGE = 63_072_000  # two years, as the HSTS preload list asks
# Pages a shared cache (a reverse proxy, a CDN) may keep for anonymous readers: an
# anonymous visitor reads only public spaces, so such a page holds nothing private.
# Short, so a moderator's removal leaves every cache within a minute.
ANONYMOUS_CACHE_SECONDS = 30
ANONYMOUSLY_CACHEABLE_ENDPOINTS = frozenset(
    {
        "spaces.home",
        "spaces.show",
        "topics.show",
        "ideas.board",
        "ideas.roadmap",
        "tags.index",
        "tags.show",
        "search.index",
        "profiles.show",
    }
)
# The routes that take a file; every other request keeps MAX_CONTENT_LENGTH.
UPLOAD_ENDPOINTS = frozenset({"profiles.upload_avatar"})


class HearthRequest(Request):
    """Flask's request, with a larger body allowed on upload routes only.

    The limit is read when the body is parsed, which CSRFProtect does before any
    view runs; deciding it here, from the matched route, holds whoever parses first.
    """

    @property
    def max_content_length(self) -> int | None:
        if self.endpoint in UPLOAD_ENDPOINTS:
            return int(current_app.config["UPLOAD_MAX_CONTENT_LENGTH"])
        return super().max_content_length

    @max_content_length.setter
    def max_content_length(self, value: int | None) -> None:
        Request.max_content_length.fset(self, value)  # type: ignore[attr-defined]


def csp_nonce() -> str:
    """The nonce of this response, made on first use."""
    if "csp_nonce" not in g:
        g.csp_nonce = secrets.token_urlsafe(18)
    return g.csp_nonce


def style_nonce() -> str:
    """The nonce for a ``<style>`` element this response carries (the dashboard's SVG
    charts): the response's policy then lets that element, and no other, apply."""
    g.csp_style_nonce = True
    return csp_nonce()


def content_security_policy(nonce: str, *, styles_nonced: bool = False) -> str:
    style_sources = f"'self' 'nonce-{nonce}'" if styles_nonced else "'self'"
    directives = [
        "default-src 'self'",
        f"script-src 'nonce-{nonce}' 'strict-dynamic'",
        f"style-src {style_sources}",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
    return "; ".join(directives)


def set_security_headers(response: Response) -> Response:
    # A response that set a stricter policy of its own (an avatar: none at all) keeps it.
    response.headers.setdefault(
        "Content-Security-Policy",
        content_security_policy(csp_nonce(), styles_nonced=g.get("csp_style_nonce", False)),
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "strict-origin-when-cross-origin"
    response.headers["X-Frame-Options"] = "DENY"
    response.headers["Cross-Origin-Opener-Policy"] = "same-origin"
    response.headers["Permissions-Policy"] = "camera=(), microphone=(), geolocation=()"
    if g.get("send_hsts"):
        response.headers["Strict-Transport-Security"] = f"max-age={HSTS_MAX_AGE}"
    # A page rendered for a signed-in member may hold what only they may read:
    # no shared cache, and no back-button copy after sign-out.
    if current_user.is_authenticated and "Cache-Control" not in response.headers:
        response.headers["Cache-Control"] = "no-store"
        response.headers["Vary"] = "Cookie"
    elif _is_anonymously_cacheable(response):
        response.headers["Cache-Control"] = f"public, max-age={ANONYMOUS_CACHE_SECONDS}"
        # A signed-in reader (a session cookie) must never get the anonymous copy.
        response.headers["Vary"] = "Cookie"
    return response


def _is_anonymously_cacheable(response: Response) -> bool:
    """A public page as anyone signed out sees it, and nothing of this visitor's in it."""
    if request.method != "GET" or response.status_code != 200:
        return False
    if request.endpoint not in ANONYMOUSLY_CACHEABLE_ENDPOINTS:
        return False
    if "Cache-Control" in response.headers:
        return False
    # A page that put something in the visitor's session (a CSRF token for a form on
    # it, a flashed message) is theirs alone.
    return not session.modified and not session.get("_flashes")


def init_security(app: Flask) -> None:
    app.request_class = HearthRequest

    @app.before_request
    def _mark_hsts() -> None:
        g.send_hsts = app.config["SEND_HSTS"]

    app.after_request(set_security_headers)
    app.jinja_env.globals["csp_nonce"] = csp_nonce


def safe_next_url(target: str | None) -> str | None:
    """``target`` if it is a path on this site, else None (no open redirects)."""
    if not target:
        return None
    # Browsers treat backslashes as slashes and drop tabs and newlines, so
    # "/\\evil" and "/\t/evil" would leave the site.
    cleaned = target.replace("\\", "/")
    if any(char in cleaned for char in "\t\r\n"):
        return None
    if not cleaned.startswith("/") or cleaned.startswith("//"):
        return None
    return target
