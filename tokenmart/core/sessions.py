"""Cookie sessions for the web pages only: the JSON API never reads or writes one.

The API authenticates by bearer token alone (see accounts.auth), so a session cookie
sent to /api/ must not count for anything. Under /api/ the session starts empty (the
cookie is not even verified) and is never saved; pages there that render templates
(the browsable docs) still work. Skipping the cookie also saves its signature check on
every API request (~0.1 ms of CPU on the redemption path).
"""

from __future__ import annotations

from collections.abc import Callable

from flask import Flask, Request, Response, request
from flask.sessions import SecureCookieSession, SecureCookieSessionInterface, SessionMixin

API_PREFIX = "/api/"


class WebOnlySessionInterface(SecureCookieSessionInterface):
    """Flask's signed-cookie sessions, except under /api/: empty there, and never saved."""

    def open_session(self, app: Flask, req: Request) -> SecureCookieSession | None:
        if req.path.startswith(API_PREFIX):
            return self.session_class()
        return super().open_session(app, req)

    def save_session(self, app: Flask, session: SessionMixin, response: Response) -> None:
        if request.path.startswith(API_PREFIX):
            return
        super().save_session(app, session, response)


def pages_only_after_request(app: Flask, hook: Callable[[Response], Response]) -> None:
    """Run an extension's session-based after-request hook for pages only.

    Flask-Login's remember-cookie hook reads the session on every answer; under /api/ the
    session is always empty, so there it can only look and find nothing (three proxied
    session lookups per API request, the redemption hot path included).
    """
    hooks = app.after_request_funcs.setdefault(None, [])
    position = hooks.index(hook)

    def for_pages(response: Response) -> Response:
        if request.path.startswith(API_PREFIX):
            return response
        return hook(response)

    hooks[position] = for_pages
