"""Reading the console's form posts: bounded, URL-encoded, UTF-8, or a clear refusal.

Browsers and HTMX post ``application/x-www-form-urlencoded``; that is parsed here with the
standard library (no multipart parser, no file uploads), with the body's size bounded before
it is read whole.
"""

from __future__ import annotations

from urllib.parse import parse_qsl

from starlette.requests import ClientDisconnect, Request

__all__ = ["FormError", "read_form", "MAX_FORM_BYTES"]

MAX_FORM_BYTES = 64 * 1024
_MAX_FIELDS = 20


class FormError(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


async def read_form(request: Request, limit: int = MAX_FORM_BYTES) -> dict[str, str]:
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type not in ("application/x-www-form-urlencoded", ""):
        raise FormError(415, "This form must be posted as application/x-www-form-urlencoded.")
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise FormError(413, f"The form is too large (at most {limit // 1024} KiB).")
    body = bytearray()
    try:
        async for chunk in request.stream():
            body.extend(chunk)
            if len(body) > limit:
                raise FormError(413, f"The form is too large (at most {limit // 1024} KiB).")
    except ClientDisconnect as exc:
        raise FormError(400, "The form was not sent whole.") from exc
    if not content_type and body:
        raise FormError(415, "This form must be posted as application/x-www-form-urlencoded.")
    try:
        text = bytes(body).decode("utf-8")
        pairs = parse_qsl(text, keep_blank_values=True, errors="strict", max_num_fields=_MAX_FIELDS)
    except (UnicodeDecodeError, ValueError) as exc:
        raise FormError(400, "The form could not be read (it is not URL-encoded UTF-8).") from exc
    form: dict[str, str] = {}
    for key, value in pairs:
        if key in form:
            raise FormError(400, f"The form has the field {key[:40]!r} twice.")
        form[key] = value
    return form
