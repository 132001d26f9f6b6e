"""Signing every reply of the server (ASGI middleware): status, body, method, path and the request's nonce.

The whole reply body is held in memory to sign it; replies are small (acknowledgements, errors) or capped
(the signed lists, at most ``MAX_LIST_BYTES``). See ``sync.protocol`` for the signed message.
"""

from __future__ import annotations

import base64
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

import nacl.signing
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from sync import protocol
from sync.server.validate import NONCE

Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Message, Receive, Send], Awaitable[None]]
_NONCE_HEADER = protocol.NONCE_HEADER.lower().encode()
_SIGNATURE_HEADER = protocol.SERVER_SIGNATURE_HEADER.lower().encode()


def request_nonce(headers: list[tuple[bytes, bytes]]) -> str:
    """The request's nonce header when well formed (32 hex digits), else empty (still signed, bound to '')."""
    for name, value in headers:
        if name.lower() == _NONCE_HEADER:
            text = value.decode("latin-1")
            return text if NONCE.match(text) else ""
    return ""


class ReplySigner:
    def __init__(self, app: ASGIApp, key: Ed25519PrivateKey) -> None:
        self.app, self.key = app, key
        # the same key through libsodium: Ed25519 is deterministic (the same signature), with less CPU a reply
        self._sodium = nacl.signing.SigningKey(key.private_bytes_raw())

    async def __call__(self, scope: Message, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        method, path = str(scope["method"]), str(scope["path"])
        nonce = request_nonce(list(scope.get("headers", [])))
        start: Message | None = None
        parts: list[bytes] = []

        async def signed_send(message: Message) -> None:
            nonlocal start
            if message["type"] == "http.response.start":
                start = message
                return
            if message["type"] != "http.response.body" or start is None:
                await send(message)
                return
            parts.append(message.get("body", b""))
            if message.get("more_body", False):
                return
            body = b"".join(parts)
            text = protocol.reply_message(method, path, int(start["status"]), nonce, body)
            signature = base64.b64encode(self._sodium.sign(text).signature)
            headers = [*start.get("headers", []), (_SIGNATURE_HEADER, signature)]
            await send({**start, "headers": headers})
            await send({"type": "http.response.body", "body": body})

        await self.app(scope, receive, signed_send)
