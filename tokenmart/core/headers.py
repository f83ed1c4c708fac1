"""Security headers on every answer (OWASP ASVS 5.0 V3.4, V14.3).

- A Content-Security-Policy without inline script: pages load `static/js/app.js` and
  nothing else runs, so an injected `<script>` or `onclick=` does nothing. Inline style
  attributes stay allowed (they cannot run code).
- `Cache-Control: no-store` on private answers: any page for a signed-in person and any
  API answer to a bearer token, so a shared computer's cache or a proxy keeps nothing.
- HSTS when the request came over HTTPS (directly, or through `TOKENMART_PROXY_COUNT`
  trusted proxies that say so) in production.
"""

from __future__ import annotations

from flask import Request, Response, current_app, g, request

CSP = "; ".join([
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data:",
    "font-src 'self'",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
])


def add_security_headers(response: Response, present: set[str] | None = None) -> Response:
    """Add what is missing; `present` is the lower-cased names the response has (one pass
    over its few headers instead of a scan per `setdefault`: this runs on every answer,
    the redemption hot path included)."""
    req = request._get_current_object()  # type: ignore[attr-defined]  # one proxy lookup
    headers = response.headers
    if present is None:
        present = {key.lower() for key, _value in headers}
    if "x-content-type-options" not in present:
        headers.add("X-Content-Type-Options", "nosniff")
    if "referrer-policy" not in present:
        headers.add("Referrer-Policy", "same-origin")
    if response.mimetype == "text/html":
        if "x-frame-options" not in present:
            headers.add("X-Frame-Options", "DENY")
        if "content-security-policy" not in present:
            headers.add("Content-Security-Policy", CSP)
    if _is_private(req):
        headers["Cache-Control"] = "no-store"
        if "pragma" not in present:
            headers.add("Pragma", "no-cache")
    if req.is_secure and current_app.config["TOKENMART_ENV"] == "production" \
            and "strict-transport-security" not in present:
        headers.add("Strict-Transport-Security",
                    f"max-age={current_app.config['HSTS_SECONDS']}; includeSubDomains")
    return response


def stamp_response(response: Response) -> Response:
    """The after-request hook: the request id (for the caller's logs and ours) and the
    security headers on every answer."""
    headers = response.headers
    present = {key.lower() for key, _value in headers}
    request_id = g.get("request_id", "")
    if "x-request-id" in present:
        headers["X-Request-Id"] = request_id
    else:
        headers.add("X-Request-Id", request_id)
    return add_security_headers(response, present)


def _is_private(req: Request) -> bool:
    path = req.path
    if path.startswith("/static/"):
        return False
    if path.startswith("/api/"):
        return "HTTP_AUTHORIZATION" in req.environ  # the Authorization header was sent
    # The user Flask-Login loaded for this request, if any; never a database read here
    # (this runs for error pages too, when the database may be the thing that failed).
    user = g.get("_login_user")
    return bool(user is not None and user.is_authenticated)
