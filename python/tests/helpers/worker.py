"""A worker process driven the way the hub drives it: ``python3 -m gatehouse._worker`` with the channel on
fd 3 (a Unix socket pair), frames in and out, stdout and stderr captured as the app log."""

from __future__ import annotations

import json
import os
import socket
import struct
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path
from typing import Any

PYTHON_DIR = Path(__file__).resolve().parents[2]
#: A failsafe only: every read waits for a frame the worker must send; this just ends a hung test.
READ_TIMEOUT_SECONDS = 30


def write_app(files: dict[str, str]) -> Path:
    """A temporary app directory holding ``files`` (dedented)."""
    root = Path(tempfile.mkdtemp(prefix="gatehouse-app-"))
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip(), encoding="utf-8")
    return root


class Worker:
    def __init__(
        self,
        app_dir: Path,
        entry: str = "app.py",
        *,
        channel_fd: int = 3,
        env: dict[str, str] | None = None,
        isolated_launcher: bool = False,
    ) -> None:
        self.hub_end, child_end = socket.socketpair()
        self.hub_end.settimeout(READ_TIMEOUT_SECONDS)
        child_fd = child_end.fileno()

        def put_channel_in_place() -> None:
            os.dup2(child_fd, channel_fd)
            os.set_inheritable(channel_fd, True)

        # The launcher in isolated mode is what the hub can run without PYTHONPATH (python/worker.py).
        command = (
            [sys.executable, "-I", str(PYTHON_DIR / "worker.py")]
            if isolated_launcher
            else [sys.executable, "-m", "gatehouse._worker"]
        )
        self.process = subprocess.Popen(
            [*command, str(app_dir), entry],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            pass_fds=(channel_fd,),
            preexec_fn=put_channel_in_place,
            env={
                "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
                **({} if isolated_launcher else {"PYTHONPATH": str(PYTHON_DIR)}),
                "GATEHOUSE_CHANNEL_FD": str(channel_fd),
                **(env or {}),
            },
            cwd="/",
        )
        child_end.close()
        self._buffer = b""

    # -- frames --

    def send_raw(self, data: bytes) -> None:
        self.hub_end.sendall(data)

    def send(self, message: Any) -> None:
        body = json.dumps(message).encode()
        self.send_raw(struct.pack(">I", len(body)) + body)

    def invoke(
        self, invocation_id: str, view: str, hub_url: str = "http://127.0.0.1:9", **fields: Any
    ) -> None:
        message = {
            "type": "invoke",
            "id": invocation_id,
            "view": view,
            "params": fields.pop("params", {}),
            "hubUrl": hub_url,
            "capability": fields.pop("capability", "ghcap_test"),
            "hostMap": fields.pop("host_map", {}),
        }
        message.update(fields)
        self.send(message)

    def _read_exactly(self, count: int) -> bytes | None:
        while len(self._buffer) < count:
            chunk = self.hub_end.recv(65536)
            if not chunk:
                return None
            self._buffer += chunk
        data, self._buffer = self._buffer[:count], self._buffer[count:]
        return data

    def read(self) -> dict[str, Any] | None:
        """The next frame's message, or None at end of file."""
        header = self._read_exactly(4)
        if header is None:
            return None
        (length,) = struct.unpack(">I", header)
        body = self._read_exactly(length)
        assert body is not None, "end of file inside a frame"
        body.decode("utf-8")  # must be UTF-8
        return json.loads(body)  # type: ignore[no-any-return]

    def read_results(self, count: int) -> dict[str, dict[str, Any]]:
        results = {}
        for _ in range(count):
            message = self.read()
            assert message is not None and message["type"] == "result", message
            results[message["id"]] = message
        return results

    def ready(self) -> dict[str, Any]:
        message = self.read()
        assert message is not None and message["type"] == "ready", (message, self.stderr_text())
        return message

    # -- process --

    def close_channel(self) -> None:
        self.hub_end.close()

    def wait(self) -> int:
        return self.process.wait(timeout=READ_TIMEOUT_SECONDS)

    def stderr_text(self) -> str:
        if self.process.poll() is None:
            return "(still running)"
        assert self.process.stderr is not None
        return self.process.stderr.read().decode(errors="replace")

    def finish(self) -> tuple[int, str, str]:
        """Closes the channel and returns (exit status, stdout, stderr)."""
        try:
            self.hub_end.close()
        except OSError:
            pass
        out, err = self.process.communicate(timeout=READ_TIMEOUT_SECONDS)
        return self.process.returncode, out.decode(errors="replace"), err.decode(errors="replace")

    def kill(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
        self.process.communicate()
        self.hub_end.close()
