"""The messages of the runtime protocol, version 1 (``docs/runtime-protocol.md``, "Messages").

``parse_hub_message`` checks what the hub sends against its schema (a mismatch is a ProtocolViolation, which
ends the worker); the other functions build what the worker sends.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Union

from ._channel import ProtocolViolation

PROTOCOL_VERSION = 1
MAX_ID_LENGTH = 200


@dataclass(frozen=True)
class Invoke:
    id: str
    view: str
    params: dict[str, Any]
    hub_url: str
    capability: str
    host_map: dict[str, str]


@dataclass(frozen=True)
class Shutdown:
    pass


HubMessage = Union[Invoke, Shutdown]


def _string(message: dict[str, Any], key: str, *, max_length: int | None = None) -> str:
    value = message.get(key)
    if not isinstance(value, str) or value == "":
        raise ProtocolViolation(f'an invoke has no string "{key}"')
    if max_length is not None and len(value) > max_length:
        raise ProtocolViolation(f'an invoke\'s "{key}" is longer than {max_length} characters')
    return value


def _parse_invoke(message: dict[str, Any]) -> Invoke:
    hub_url = _string(message, "hubUrl")
    if not hub_url.startswith(("http://", "https://")):
        raise ProtocolViolation('an invoke\'s "hubUrl" is not an http(s) URL')
    params = message.get("params")
    if not isinstance(params, dict):
        raise ProtocolViolation('an invoke\'s "params" is not an object')
    host_map = message.get("hostMap")
    if not isinstance(host_map, dict) or not all(
        isinstance(host, str) and isinstance(target, str) for host, target in host_map.items()
    ):
        raise ProtocolViolation('an invoke\'s "hostMap" is not an object of strings')
    if not all(target.startswith(("http://", "https://")) for target in host_map.values()):
        raise ProtocolViolation('an invoke\'s "hostMap" maps a host to something that is not an http(s) URL')
    return Invoke(
        id=_string(message, "id", max_length=MAX_ID_LENGTH),
        view=_string(message, "view"),
        params=params,
        hub_url=hub_url,
        capability=_string(message, "capability"),
        host_map={host.lower(): target for host, target in host_map.items()},
    )


def parse_hub_message(message: dict[str, Any]) -> HubMessage:
    """What a hub → app message asks for; ProtocolViolation for an unknown type or a malformed invoke."""
    kind = message["type"]
    if kind == "invoke":
        return _parse_invoke(message)
    if kind == "shutdown":
        return Shutdown()
    raise ProtocolViolation(f'the hub sent a message of unknown type "{kind[:60]}"')


def ready(manifest: dict[str, Any]) -> dict[str, Any]:
    return {"type": "ready", "protocol": PROTOCOL_VERSION, "manifest": manifest}


def load_error(message: str) -> dict[str, Any]:
    return {"type": "load_error", "message": message}


def result_ok(invocation_id: str, result: dict[str, Any]) -> dict[str, Any]:
    return {"type": "result", "id": invocation_id, "ok": True, "result": result}


def result_error(invocation_id: str, error: dict[str, Any]) -> dict[str, Any]:
    return {"type": "result", "id": invocation_id, "ok": False, "error": error}
