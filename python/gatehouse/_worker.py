"""The Python app process: ``python3 -m gatehouse._worker <app dir> <entry>``.

It speaks ``docs/runtime-protocol.md`` on the channel (fd ``GATEHOUSE_CHANNEL_FD``, default 3): loads the app,
reports ``ready`` with its manifest (or ``load_error``), then runs each ``invoke`` on a thread of its own and
answers it with one ``result``. End of file or ``shutdown`` ends the process at once (status 0); a frame that
breaks the protocol ends it with status 2. Standard output and error are the app's log: ``print()`` in a view
goes there, never to the channel.

    python3 -m gatehouse._worker --check-requirements <requirements.txt> [--json]

checks a requirements file against this interpreter (exit 0 when nothing is missing, 1 otherwise).
"""

from __future__ import annotations

import json
import os
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import NoReturn

from . import _http, _memory, _requirements, _threads
from ._app_loader import AppLoadError, load_app
from ._channel import Channel, FrameTooLarge, ProtocolViolation
from ._protocol import Invoke, Shutdown, load_error, parse_hub_message, ready, result_error
from ._report import invalid_result, result_too_large
from ._run_view import run_invocation
from .views import Controller

DEFAULT_CHANNEL_FD = 3
#: The hub runs at most 64 views of one app at once; more wait for a thread here.
MAX_CONCURRENT_VIEWS = 64
EXIT_OK, EXIT_LOAD_FAILED, EXIT_PROTOCOL, EXIT_USAGE, EXIT_INTERNAL = 0, 1, 2, 64, 70

USAGE = (
    "usage: python3 -m gatehouse._worker <app dir> <entry>\n"
    "       python3 -m gatehouse._worker --check-requirements <requirements.txt> [--json]"
)


def _exit(status: int) -> NoReturn:
    """Ends the process now: views still running are abandoned, as the protocol says."""
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):
            pass
    os._exit(status)


def _log(message: str) -> None:
    print(f"gatehouse worker: {message}", file=sys.stderr, flush=True)


def _channel_fd() -> int:
    raw = os.environ.get("GATEHOUSE_CHANNEL_FD", str(DEFAULT_CHANNEL_FD))
    if not raw.isdigit():
        raise SystemExit(f"gatehouse worker: GATEHOUSE_CHANNEL_FD is not a file descriptor number: {raw!r}")
    fd = int(raw)
    try:
        os.fstat(fd)
    except OSError:
        raise SystemExit(f"gatehouse worker: no channel on file descriptor {fd}") from None
    # Processes the app starts must not inherit the channel.
    os.set_inheritable(fd, False)
    return fd


def _answer(channel: Channel, controller: type[Controller], invoke: Invoke, in_flight: set[str]) -> None:
    message = run_invocation(controller, invoke)
    # Done before the answer leaves: once the hub has it, it may send another invoke with this id.
    in_flight.discard(invoke.id)
    try:
        channel.send(message)
    except OSError:  # the hub has gone; the main thread sees end of file and exits
        pass
    except (FrameTooLarge, ValueError, TypeError, RecursionError) as err:
        # What the view answered cannot cross (too large, NaN, an app's own error details that are not JSON).
        error = (
            result_too_large(invoke.view, err.size)
            if isinstance(err, FrameTooLarge)
            else invalid_result(
                invoke.view, f"its answer cannot be sent as JSON ({type(err).__name__}: {str(err)[:200]})"
            )
        )
        try:
            channel.send(result_error(invoke.id, error))
        except OSError:
            pass


def serve(channel: Channel, controller: type[Controller]) -> NoReturn:
    """Runs invocations until the hub closes the channel, says shutdown, or breaks the protocol."""
    in_flight: set[str] = set()
    pool = ThreadPoolExecutor(max_workers=MAX_CONCURRENT_VIEWS, thread_name_prefix="view")

    while True:
        try:
            raw = channel.read_message()
            if raw is None:
                _exit(EXIT_OK)
            message = parse_hub_message(raw)
            if isinstance(message, Shutdown):
                _exit(EXIT_OK)
            if message.id in in_flight:
                raise ProtocolViolation(f'an invoke reuses the id "{message.id}" of one still running')
        except ProtocolViolation as violation:
            _log(f"protocol violation, exiting: {violation}")
            _exit(EXIT_PROTOCOL)
        except OSError as err:
            _log(f"the channel failed ({err}); exiting")
            _exit(EXIT_OK)
        in_flight.add(message.id)
        pool.submit(_answer, channel, controller, message, in_flight)


def run_app(app_dir: str, entry: str) -> NoReturn:
    # print() from views reaches the log line by line, not when a buffer fills (stdout is a pipe), and
    # never fails a view over a character the log cannot encode.
    for stream in (sys.stdout, sys.stderr):
        if hasattr(stream, "reconfigure"):
            stream.reconfigure(line_buffering=True, errors="backslashreplace")
    channel = Channel(_channel_fd())
    _memory.apply_cap()
    _threads.install()
    _http.install()
    try:
        controller = load_app(app_dir, entry)
        manifest = controller.manifest()
    except BaseException as err:  # whatever stops the load is the load error the hub shows
        reason = str(err) if isinstance(err, AppLoadError) else f"{type(err).__name__}: {err}"
        _log(f"the app failed to load: {reason}")
        channel.send(load_error(reason))
        _exit(EXIT_LOAD_FAILED)
    channel.send(ready(manifest))
    try:
        serve(channel, controller)
    except BaseException as err:  # a fault of the worker itself: exit now, not wait for the views' threads
        _log(f"internal error, exiting: {type(err).__name__}: {err}")
        _exit(EXIT_INTERNAL)


def check_requirements(args: list[str]) -> int:
    as_json = "--json" in args
    files = [arg for arg in args if arg != "--json"]
    if len(files) != 1:
        print(USAGE, file=sys.stderr)
        return EXIT_USAGE
    path = Path(files[0])
    if not path.is_file():
        print(f"gatehouse worker: {path}: no such file", file=sys.stderr)
        return EXIT_USAGE
    report = _requirements.check_file(path)
    print(json.dumps(report.to_json()) if as_json else _requirements.format_report(report))
    return EXIT_OK if report.ok else EXIT_LOAD_FAILED


def main(argv: list[str]) -> int:
    if argv[:1] == ["--check-requirements"]:
        return check_requirements(argv[1:])
    if len(argv) != 2 or argv[0].startswith("-"):
        print(USAGE, file=sys.stderr)
        return EXIT_USAGE
    run_app(argv[0], argv[1])


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
