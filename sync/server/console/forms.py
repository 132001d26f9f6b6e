"""Reading a console form: urlencoded, capped, one value per field; publishing a list sends the one multipart
form (``read_upload``), read whole with a cap before it is parsed."""

from __future__ import annotations

from collections.abc import AsyncGenerator
from urllib.parse import parse_qs

from starlette.requests import Request

MAX_FORM_BYTES = 64 * 1024
MAX_FIELDS = 32


class FormError(Exception):
    pass


async def read_form(request: Request) -> dict[str, str]:
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if kind != "application/x-www-form-urlencoded":
        raise FormError("the form must be sent as application/x-www-form-urlencoded")
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_FORM_BYTES:
            raise FormError("the form is too large")
    try:
        parsed = parse_qs(body.decode("utf-8"), keep_blank_values=True, strict_parsing=False,
                          max_num_fields=MAX_FIELDS)
    except (UnicodeDecodeError, ValueError):
        raise FormError("the form cannot be read") from None
    return {k: v[0] for k, v in parsed.items() if len(k) <= 64}


async def read_upload(request: Request, cap: int) -> tuple[dict[str, str], dict[str, bytes]]:
    """A multipart form with at most one file: read whole with a cap (``cap`` plus room for the fields) before
    it is parsed, so an upload can never fill the disk or the memory past it."""
    from starlette.datastructures import UploadFile
    from starlette.formparsers import MultiPartException, MultiPartParser

    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if kind != "multipart/form-data":
        raise FormError("the form must be sent as multipart/form-data")
    limit = cap + MAX_FORM_BYTES
    declared = request.headers.get("content-length")
    if declared is not None and (not declared.isdigit() or int(declared) > limit):
        raise FormError("the upload is too large")
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > limit:
            raise FormError("the upload is too large")

    async def replay() -> AsyncGenerator[bytes, None]:
        yield bytes(body)

    try:
        form = await MultiPartParser(request.headers, replay(), max_files=1, max_fields=MAX_FIELDS,
                                     max_part_size=MAX_FORM_BYTES).parse()
    except MultiPartException:
        raise FormError("the form cannot be read") from None
    fields: dict[str, str] = {}
    files: dict[str, bytes] = {}
    for name, value in form.multi_items():
        if isinstance(value, UploadFile):
            files[name] = await value.read()
            await value.close()
        else:
            fields[name] = value
    return fields, files
