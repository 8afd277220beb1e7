"""Security headers on every response: a strict Content-Security-Policy (no inline
script or style, nothing from elsewhere, no framing), nosniff, a referrer policy,
and HSTS where the app is served over HTTPS (production)."""

from flask import Flask, Response

CONTENT_SECURITY_POLICY = "; ".join([
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",  # the design system draws some icons as data: SVG in its CSS
    "font-src 'self'",
    "connect-src 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
    "base-uri 'none'",
    "object-src 'none'",
])

HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=()",
}
HSTS = "max-age=31536000; includeSubDomains"


def register(app: Flask) -> None:
    headers = HEADERS | ({"Strict-Transport-Security": HSTS} if app.config.get("HSTS") else {})
    wanted = [(name.lower(), name, value) for name, value in headers.items()]

    @app.after_request
    def security_headers(response: Response) -> Response:
        # What a view set itself stays (a stored PDF's sandbox policy). One look at the
        # names present: setdefault would walk every header for each of ours.
        present = {name.lower() for name in response.headers.keys()}
        response.headers.extend([(name, value) for key, name, value in wanted
                                 if key not in present])
        return response
