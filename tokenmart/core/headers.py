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

from flask import Response, current_app, g, request

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


def add_security_headers(response: Response) -> Response:
    headers = response.headers
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("Referrer-Policy", "same-origin")
    if response.mimetype == "text/html":
        headers.setdefault("X-Frame-Options", "DENY")
        headers.setdefault("Content-Security-Policy", CSP)
    if _is_private():
        headers["Cache-Control"] = "no-store"
        headers.setdefault("Pragma", "no-cache")
    if request.is_secure and current_app.config["TOKENMART_ENV"] == "production":
        headers.setdefault("Strict-Transport-Security",
                           f"max-age={current_app.config['HSTS_SECONDS']}; includeSubDomains")
    return response


def _is_private() -> bool:
    if request.path.startswith("/static/"):
        return False
    if request.path.startswith("/api/"):
        return "Authorization" in request.headers
    # The user Flask-Login loaded for this request, if any; never a database read here
    # (this runs for error pages too, when the database may be the thing that failed).
    user = g.get("_login_user")
    return bool(user is not None and user.is_authenticated)
