"""Frames on the channel (``docs/runtime-protocol.md``, "Transport" and "Frames").

Each message is a big-endian uint32 length and that many bytes of UTF-8 JSON holding one object with a
string ``type``. Frames may arrive split over several reads or several in one; the reader buffers by length.
A frame from the hub that breaks these rules is a ``ProtocolViolation``: the worker ends on it.
"""

from __future__ import annotations

import json
import os
import struct
import threading
from typing import Any

HUB_TO_APP_MAX_BYTES = 1024 * 1024
APP_TO_HUB_MAX_BYTES = 8 * 1024 * 1024
_HEADER = struct.Struct(">I")
_READ_SIZE = 64 * 1024


class ProtocolViolation(Exception):
    """The hub sent something this protocol does not allow; the message says what."""


class FrameTooLarge(Exception):
    """A message to the hub would not fit in one frame (8 MiB)."""

    def __init__(self, size: int) -> None:
        super().__init__(f"{size} bytes")
        self.size = size


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def decode_body(body: bytes) -> dict[str, Any]:
    """The message in a frame body; ProtocolViolation when it is not one JSON object with a string type."""
    if body.startswith(b"\xef\xbb\xbf"):
        raise ProtocolViolation("a frame body starts with a byte-order mark")
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as err:
        raise ProtocolViolation(f"a frame body is not UTF-8 ({err.reason} at byte {err.start})") from None
    try:
        message = json.loads(text, parse_constant=_reject_constant)
    except (ValueError, RecursionError) as err:
        raise ProtocolViolation(f"a frame body is not JSON ({str(err)[:200]})") from None
    if not isinstance(message, dict):
        raise ProtocolViolation(f"a frame holds JSON that is not an object ({type(message).__name__})")
    if not isinstance(message.get("type"), str):
        raise ProtocolViolation('a message has no string "type"')
    return message


def encode_frame(message: dict[str, Any]) -> bytes:
    """One frame for ``message``; FrameTooLarge past 8 MiB, ValueError for what JSON cannot carry (NaN)."""
    text = json.dumps(message, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    try:
        body = text.encode("utf-8")
    except UnicodeEncodeError:
        # A lone surrogate (from a \ud800 escape in the hub's JSON, or app code) is not UTF-8: escape it.
        body = json.dumps(message, ensure_ascii=True, separators=(",", ":"), allow_nan=False).encode("ascii")
    if len(body) > APP_TO_HUB_MAX_BYTES:
        raise FrameTooLarge(len(body))
    return _HEADER.pack(len(body)) + body


class Channel:
    """The worker's end of the channel: one reader (the main thread), writers from any thread."""

    def __init__(self, fd: int) -> None:
        self.fd = fd
        self._buffer = bytearray()
        self._write_lock = threading.Lock()

    def read_message(self) -> dict[str, Any] | None:
        """The next message, or None at end of file (also mid-frame: the hub has gone)."""
        while True:
            if len(self._buffer) >= _HEADER.size:
                (length,) = _HEADER.unpack_from(self._buffer)
                if length == 0:
                    raise ProtocolViolation("a frame has length 0")
                if length > HUB_TO_APP_MAX_BYTES:
                    raise ProtocolViolation(
                        f"a frame announces {length} bytes; the hub may send at most {HUB_TO_APP_MAX_BYTES}"
                    )
                end = _HEADER.size + length
                if len(self._buffer) >= end:
                    body = bytes(self._buffer[_HEADER.size : end])
                    del self._buffer[:end]
                    return decode_body(body)
            chunk = os.read(self.fd, _READ_SIZE)
            if not chunk:
                return None
            self._buffer += chunk

    def send(self, message: dict[str, Any]) -> None:
        frame = encode_frame(message)
        with self._write_lock:
            view = memoryview(frame)
            while view:
                written = os.write(self.fd, view)
                view = view[written:]
