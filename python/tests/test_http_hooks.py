"""The worker's HTTP hooks, in this process: requests, urllib and httpx calls to the real API hosts reach a
local stand-in, a 401 is retried once with a refreshed token, and a platform's escaping HTTP error or
network failure is reported as the TypeScript SDK reports it."""

from __future__ import annotations

import concurrent.futures
import contextlib
import io
import subprocess
import sys
import threading
import unittest
import urllib.error
import urllib.request
from collections.abc import Callable
from typing import Any, TypeVar

import requests

from gatehouse import _http, _report, _threads
from gatehouse._invocation import InvocationContext, current_invocation, run_in_invocation
from gatehouse.external import OAuth2Integration

from .helpers.servers import Answer, RecordingServer, Seen, closed_port_url, token_answer
from .helpers.worker import PYTHON_DIR

try:
    import httpx
except ImportError:  # .ci/run installs Debian's python3-httpx; elsewhere the httpx tests are skipped
    httpx = None  # type: ignore[assignment]

T = TypeVar("T")
FORBIDDEN = {
    "error": {
        "code": "InsufficientPermissions",
        "message": "The user has insufficient permissions for the requested operation.",
    }
}


def platform_answer(seen: Seen) -> Answer:
    if seen.path.startswith("/imodels/"):
        return Answer(403, FORBIDDEN)
    if seen.path.startswith("/refresh"):
        ok = seen.headers.get("authorization") == "Bearer new-token"
        return Answer(200, {"ok": True}) if ok else Answer(401, {"error": "invalid_token"})
    return Answer(200, {"iTwins": [{"id": "1"}], "path": seen.path})


def hub_answer(seen: Seen) -> Answer:
    return token_answer("new-token" if seen.json().get("forceRefresh") else "old-token")


class HooksTestCase(unittest.TestCase):
    @classmethod
    def setUpClass(cls) -> None:
        _threads.install()
        _http.install()

    def setUp(self) -> None:
        self.platform = RecordingServer(platform_answer)
        self.hub = RecordingServer(hub_answer)
        self.addCleanup(self.platform.close)
        self.addCleanup(self.hub.close)
        self.host_map = {"api.bentley.com": self.platform.url, "*.api.seequent.com": self.platform.url}

    def run_view(self, fn: Callable[[], T], host_map: dict[str, str] | None = None) -> T:
        context = InvocationContext(
            self.hub.url, "ghcap_test", self.host_map if host_map is None else host_map
        )
        return run_in_invocation(context, fn)

    def report(self, fn: Callable[[], Any]) -> dict[str, Any]:
        try:
            self.run_view(fn)
        except BaseException as err:
            with contextlib.redirect_stderr(io.StringIO()):  # the traceback of a view_failed, not wanted here
                return _report.error_report(err, "view")
        self.fail("the view did not fail")

    @staticmethod
    def bearer() -> dict[str, str]:
        return {"Authorization": "Bearer " + OAuth2Integration("bentley-itwin").get_access_token()}


class Mapping(HooksTestCase):
    def test_requests_reaches_the_stand_in(self) -> None:
        body = self.run_view(
            lambda: requests.get("https://api.bentley.com/itwins/?$top=50", timeout=5).json()
        )
        self.assertEqual(body["path"], "/itwins/?$top=50")
        self.assertEqual(self.platform.seen[0].headers["host"], self.platform.url.removeprefix("http://"))

    def test_requests_sessions_and_wildcards(self) -> None:
        def view() -> Any:
            with requests.Session() as session:
                return session.get("https://350mh.api.seequent.com/workspace/orgs/1", timeout=5).json()

        self.assertEqual(self.run_view(view)["path"], "/workspace/orgs/1")

    def test_urllib_urlopen_and_a_custom_opener(self) -> None:
        def view() -> list[int]:
            statuses = []
            with urllib.request.urlopen("https://api.bentley.com/itwins/", timeout=5) as response:
                statuses.append(response.status)
            opener = urllib.request.build_opener()
            request = urllib.request.Request(
                "https://API.bentley.com/itwins/x", headers={"Accept": "application/json"}
            )
            with opener.open(request, timeout=5) as response:
                statuses.append(response.status)
            return statuses

        self.assertEqual(self.run_view(view), [200, 200])
        self.assertEqual([s.path for s in self.platform.seen], ["/itwins/", "/itwins/x"])
        self.assertEqual(self.platform.seen[1].headers["accept"], "application/json")

    @unittest.skipIf(httpx is None, "httpx is not installed for this interpreter")
    def test_httpx_sync_and_async(self) -> None:
        import asyncio

        async def fetch_async() -> Any:
            async with httpx.AsyncClient() as client:
                return (await client.get("https://api.bentley.com/itwins/async")).json()

        self.assertEqual(
            self.run_view(lambda: httpx.get("https://api.bentley.com/itwins/")).json()["path"], "/itwins/"
        )
        self.assertEqual(self.run_view(lambda: asyncio.run(fetch_async()))["path"], "/itwins/async")
        self.assertEqual(self.platform.seen[0].headers["host"], self.platform.url.removeprefix("http://"))

    def test_nothing_is_mapped_without_a_host_map(self) -> None:
        # The stand-in's own URL works as any URL does; the real host would be tried for real (not here).
        body = self.run_view(
            lambda: requests.get(self.platform.url + "/itwins/", timeout=5).json(), host_map={}
        )
        self.assertEqual(body["path"], "/itwins/")

    def test_the_hook_is_installed_when_requests_is_imported_later(self) -> None:
        code = (
            "import sys\n"
            "import gatehouse._http as hooks\n"
            "assert 'requests' not in sys.modules\n"
            "hooks.install()\n"
            "import requests\n"
            "print(getattr(requests.Session.send, '__gatehouse_mapped__', False))\n"
        )
        out = subprocess.run(
            [sys.executable, "-c", code],
            capture_output=True,
            text=True,
            env={"PYTHONPATH": str(PYTHON_DIR)},
            check=True,
        )
        self.assertEqual(out.stdout.strip(), "True")


class Refresh(HooksTestCase):
    def test_requests_retries_a_401_once_with_a_refreshed_token(self) -> None:
        answer = self.run_view(
            lambda: requests.get("https://api.bentley.com/refresh", headers=self.bearer(), timeout=5)
        )
        self.assertEqual(answer.status_code, 200)
        self.assertEqual(
            [s.headers["authorization"] for s in self.platform.seen], ["Bearer old-token", "Bearer new-token"]
        )
        self.assertEqual(
            [s.json() for s in self.hub.seen],
            [{"integration": "bentley-itwin"}, {"integration": "bentley-itwin", "forceRefresh": True}],
        )

    def test_urllib_retries_a_401_once_with_a_refreshed_token(self) -> None:
        def view() -> int:
            request = urllib.request.Request("https://api.bentley.com/refresh", headers=self.bearer())
            with urllib.request.urlopen(request, timeout=5) as response:
                return response.status  # type: ignore[no-any-return]

        self.assertEqual(self.run_view(view), 200)
        self.assertEqual(len(self.platform.seen), 2)

    def test_the_refreshed_token_is_what_the_view_gets_next(self) -> None:
        def view() -> str:
            requests.get("https://api.bentley.com/refresh", headers=self.bearer(), timeout=5)
            return OAuth2Integration("bentley-itwin").get_access_token()

        self.assertEqual(self.run_view(view), "new-token")

    def test_a_token_that_is_not_the_invocations_is_not_retried(self) -> None:
        status = self.run_view(
            lambda: requests.get(
                "https://api.bentley.com/refresh", headers={"Authorization": "Bearer mine"}, timeout=5
            ).status_code
        )
        self.assertEqual(status, 401)
        self.assertEqual(len(self.platform.seen), 1)
        self.assertEqual(self.hub.seen, [])


class Explanations(HooksTestCase):
    EXPLANATION = (
        "Bentley refused the request: the integration's scope (itwin-platform) is fine, but your role on this "
        "iTwin lacks a permission the call needs (imodels_read). Ask an administrator of the iTwin to give you "
        "a role that includes it. Bentley said: The user has insufficient permissions for the requested operation."
    )
    URL = "https://api.bentley.com/imodels/?iTwinId=1&$top=100"

    def expected(self) -> dict[str, Any]:
        return {
            "code": "provider_http_error",
            "message": self.EXPLANATION,
            "details": {"providerStatus": 403, "providerCode": "InsufficientPermissions", "url": self.URL},
        }

    def test_a_requests_http_error_is_explained(self) -> None:
        self.assertEqual(
            self.report(lambda: requests.get(self.URL, headers=self.bearer(), timeout=5).raise_for_status()),
            self.expected(),
        )

    def test_a_urllib_http_error_is_explained(self) -> None:
        self.assertEqual(self.report(lambda: urllib.request.urlopen(self.URL, timeout=5)), self.expected())

    @unittest.skipIf(httpx is None, "httpx is not installed for this interpreter")
    def test_an_httpx_http_error_is_explained(self) -> None:
        self.assertEqual(self.report(lambda: httpx.get(self.URL).raise_for_status()), self.expected())

    def test_a_platform_token_sent_elsewhere_still_counts_as_the_platform(self) -> None:
        # Outside the sandbox nothing is mapped: the invocation's token says it was a platform call.
        url = self.platform.url + "/imodels/?iTwinId=1"
        report = self.report(lambda: requests.get(url, headers=self.bearer(), timeout=5).raise_for_status())
        self.assertEqual(report["code"], "provider_http_error")
        self.assertEqual(report["details"]["url"], url)

    def test_other_http_errors_are_the_views_failure(self) -> None:
        url = self.platform.url + "/imodels/"
        report = self.report(lambda: requests.get(url, timeout=5).raise_for_status())
        self.assertEqual(report["code"], "view_failed")
        self.assertTrue(report["message"].startswith('View "view" failed: HTTPError: 403 Client Error'))

    def test_an_unreachable_platform_is_provider_unavailable(self) -> None:
        host_map = {"api.bentley.com": closed_port_url()}

        def view(get: Callable[[], object]) -> dict[str, Any]:
            try:
                self.run_view(get, host_map)
            except BaseException as err:
                return _report.error_report(err, "view")
            self.fail("no failure")

        unavailable = {
            "code": "provider_unavailable",
            "message": "api.bentley.com cannot be reached",
            "details": {},
        }
        self.assertEqual(
            view(lambda: requests.get("https://api.bentley.com/itwins/", timeout=5)), unavailable
        )
        self.assertEqual(
            view(lambda: urllib.request.urlopen("https://api.bentley.com/itwins/", timeout=5)), unavailable
        )


class Threads(HooksTestCase):
    def test_pool_tasks_run_in_the_submitters_invocation(self) -> None:
        pool = concurrent.futures.ThreadPoolExecutor(max_workers=1)
        self.addCleanup(pool.shutdown)

        def capability_in_pool() -> str | None:
            context = pool.submit(current_invocation).result()
            return context.capability if context else None

        alice = InvocationContext(self.hub.url, "ghcap_alice", {})
        bob = InvocationContext(self.hub.url, "ghcap_bob", {})
        # The pool's one thread is started during alice's invocation and reused for bob's.
        self.assertEqual(run_in_invocation(alice, capability_in_pool), "ghcap_alice")
        self.assertEqual(run_in_invocation(bob, capability_in_pool), "ghcap_bob")
        self.assertIsNone(pool.submit(current_invocation).result())

    def test_a_thread_started_by_a_view_belongs_to_its_invocation(self) -> None:
        seen: list[str | None] = []

        def view() -> None:
            thread = threading.Thread(
                target=lambda: seen.append(getattr(current_invocation(), "capability", None))
            )
            thread.start()
            thread.join()

        self.run_view(view)
        self.assertEqual(seen, ["ghcap_test"])

    def test_a_view_can_get_tokens_from_a_pool(self) -> None:
        def view() -> list[str]:
            with concurrent.futures.ThreadPoolExecutor(max_workers=4) as pool:
                return list(
                    pool.map(lambda _: OAuth2Integration("bentley-itwin").get_access_token(), range(4))
                )

        self.assertEqual(self.run_view(view), ["old-token"] * 4)


if __name__ == "__main__":
    unittest.main()
