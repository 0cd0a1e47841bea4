"""``external.OAuth2Integration``: the capability exchange, its cache and its errors (the deciding half is
tested directly on answers; the talking half against a fake hub on 127.0.0.1)."""

from __future__ import annotations

import os
import unittest
from typing import Any
from unittest import mock

import gatehouse as vkt
from gatehouse import _hub_token
from gatehouse._invocation import InvocationContext, run_in_invocation

from .helpers.servers import Answer, RecordingServer, closed_port_url, problem, token_answer


class Clock:
    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


class TokenAnswers(unittest.TestCase):
    """What the hub's answer means (no server)."""

    def error(self, status: int, body: Any) -> vkt.GatehouseError:
        with self.assertRaises(vkt.GatehouseError) as caught:
            _hub_token.token_from_answer("bentley-itwin", status, body)
        return caught.exception

    def test_a_token(self) -> None:
        token = _hub_token.token_from_answer(
            "x", 200, {"accessToken": "t", "tokenType": "Bearer", "expiresAt": "2030-01-01T00:00:00.000Z"}
        )
        self.assertEqual((token.access_token, token.expires_at), ("t", 1893456000.0))

    def test_an_expiry_in_milliseconds_or_unreadable(self) -> None:
        self.assertEqual(
            _hub_token.token_from_answer("x", 200, {"accessToken": "t", "expiresAt": 1500}).expires_at, 1.5
        )
        self.assertEqual(
            _hub_token.token_from_answer("x", 200, {"accessToken": "t", "expiresAt": "soon"}).expires_at, 0
        )
        self.assertEqual(_hub_token.token_from_answer("x", 200, {"accessToken": "t"}).expires_at, 0)

    def test_each_code_maps_to_its_class(self) -> None:
        login = self.error(401, {"code": "login_required", "detail": "Connect first", "loginUrl": "/login/x"})
        self.assertIsInstance(login, vkt.LoginRequiredError)
        self.assertEqual(login.details(), {"loginUrl": "/login/x", "integration": "bentley-itwin"})
        self.assertEqual(str(login), "Connect first")
        self.assertIsInstance(
            self.error(404, {"code": "integration_not_found"}), vkt.IntegrationNotFoundError
        )
        self.assertIsInstance(
            self.error(403, {"code": "integration_not_assigned"}), vkt.IntegrationNotAssignedError
        )
        self.assertIsInstance(self.error(503, {"code": "provider_unavailable"}), vkt.ProviderUnavailableError)
        self.assertIsInstance(self.error(401, {"code": "invalid_capability"}), vkt.CapabilityError)
        self.assertEqual(
            str(self.error(404, {"code": "integration_not_found"})),
            "No integration named bentley-itwin exists on this hub",
        )

    def test_a_login_required_without_a_login_url(self) -> None:
        login = self.error(401, {"code": "login_required", "loginUrl": 5})
        self.assertIsInstance(login, vkt.LoginRequiredError)
        self.assertEqual(login.login_url, "")  # type: ignore[attr-defined]
        self.assertEqual(str(login), "Connect your bentley-itwin account first")

    def test_other_answers(self) -> None:
        other = self.error(429, {"code": "rate_limited", "detail": "Slow down"})
        self.assertEqual((other.code, str(other), other.status), ("rate_limited", "Slow down", 429))
        broken = self.error(500, "<html>oops</html>")
        self.assertEqual(
            (broken.code, str(broken), broken.status),
            ("token_failed", "The hub answered 500 to a token request", 502),
        )
        self.assertEqual(self.error(200, {"accessToken": 5}).code, "token_failed")

    def test_read_body(self) -> None:
        self.assertIsNone(_hub_token.read_body(b""))
        self.assertEqual(_hub_token.read_body(b'{"a": 1}'), {"a": 1})
        self.assertEqual(_hub_token.read_body(b"x" * 2001), "x" * 2000 + "…")


class Exchange(unittest.TestCase):
    def hub(self, respond: Any) -> RecordingServer:
        server = RecordingServer(respond)
        self.addCleanup(server.close)
        return server

    def in_view(self, hub_url: str, fn: Any, clock: Clock | None = None) -> Any:
        context = InvocationContext(hub_url, "ghcap_secret", {})
        if clock is not None:
            context.clock = clock
        return run_in_invocation(context, fn)

    def test_posts_the_capability_in_a_header_and_the_name_in_the_body(self) -> None:
        hub = self.hub(lambda seen: token_answer("t1"))
        token = self.in_view(
            hub.url, lambda: vkt.external.OAuth2Integration("bentley-itwin").get_access_token()
        )
        self.assertEqual(token, "t1")
        [seen] = hub.seen
        self.assertEqual((seen.method, seen.path), ("POST", "/api/runtime/token"))
        self.assertEqual(seen.headers["x-gatehouse-capability"], "ghcap_secret")
        self.assertEqual(seen.headers["content-type"], "application/json")
        self.assertEqual(seen.json(), {"integration": "bentley-itwin"})

    def test_reuses_a_token_while_it_stays_valid_long_enough(self) -> None:
        # The hub says the token expires at 1000 s; the clock decides whether it is still good enough.
        hub = self.hub(lambda seen: Answer(200, {"accessToken": f"t{len(hub.seen)}", "expiresAt": 1_000_000}))
        clock = Clock(900)
        aps = vkt.external.OAuth2Integration("autodesk-aps")

        def view() -> list[str]:
            tokens = [aps.get_access_token(), aps.get_access_token()]  # 100 s left: reused (default 60)
            tokens.append(aps.get_access_token(min_validity=120))  # wants 120 s: a new exchange
            clock.now = 960  # 40 s left, under the default 60
            tokens.append(aps.get_access_token())
            clock.now = 970  # 30 s left of the last one, min_validity 10: the 30 s reuse margin still applies
            tokens.append(aps.get_access_token(min_validity=10))
            return tokens

        self.assertEqual(self.in_view(hub.url, view, clock), ["t1", "t1", "t2", "t3", "t3"])
        self.assertEqual([s.json() for s in hub.seen][1], {"integration": "autodesk-aps", "minValidity": 120})

    def test_force_refresh_asks_the_hub_for_a_new_token(self) -> None:
        hub = self.hub(lambda seen: token_answer("fresh" if seen.json().get("forceRefresh") else "cached"))
        integration = vkt.external.OAuth2Integration("seequent-evo")

        def view() -> list[str]:
            return [
                integration.get_access_token(),
                integration.get_access_token(force_refresh=True),
                integration.get_access_token(),
            ]

        self.assertEqual(self.in_view(hub.url, view), ["cached", "fresh", "fresh"])
        self.assertEqual(hub.seen[1].json(), {"integration": "seequent-evo", "forceRefresh": True})

    def test_force_refresh_at_most_once_per_integration_every_few_seconds(self) -> None:
        hub = self.hub(lambda seen: token_answer(f"t{len(hub.seen)}"))
        clock = Clock(1_000)
        evo = vkt.external.OAuth2Integration("seequent-evo")
        aps = vkt.external.OAuth2Integration("autodesk-aps")
        interval = vkt.external.FORCED_REFRESH_MIN_INTERVAL_SECONDS

        def view() -> list[str]:
            tokens = [evo.get_access_token(force_refresh=True)]
            clock.now += interval - 0.1  # within the interval: the token just refreshed, no hub call
            tokens.append(evo.get_access_token(force_refresh=True))
            tokens.append(aps.get_access_token(force_refresh=True))  # another integration: its own
            clock.now += 0.1
            tokens.append(evo.get_access_token(force_refresh=True))
            return tokens

        self.assertEqual(self.in_view(hub.url, view, clock), ["t1", "t1", "t2", "t3"])
        self.assertEqual([s.json().get("forceRefresh") for s in hub.seen], [True, True, True])

    def test_problem_details_become_the_sdk_errors(self) -> None:
        hub = self.hub(
            lambda seen: problem(403, "integration_not_assigned", "x is not available to the app y")
        )
        with self.assertRaises(vkt.IntegrationNotAssignedError) as caught:
            self.in_view(hub.url, lambda: vkt.external.OAuth2Integration("x").get_access_token())
        self.assertEqual(str(caught.exception), "x is not available to the app y")

    def test_an_unreachable_hub(self) -> None:
        with self.assertRaises(vkt.ProviderUnavailableError) as caught:
            self.in_view(closed_port_url(), lambda: vkt.external.OAuth2Integration("x").get_access_token())
        self.assertEqual(str(caught.exception), "The Gatehouse hub cannot be reached for a token")

    def test_an_oversized_answer_is_cut_off(self) -> None:
        hub = self.hub(lambda seen: Answer(200, b"x" * (_hub_token.MAX_ANSWER_BYTES + 10)))
        with self.assertRaises(vkt.ProviderUnavailableError):
            self.in_view(hub.url, lambda: vkt.external.OAuth2Integration("x").get_access_token())

    def test_no_proxy_from_the_environment_sees_the_capability(self) -> None:
        hub = self.hub(lambda seen: token_answer("direct"))
        proxy = self.hub(lambda seen: token_answer("via-proxy"))
        with mock.patch.dict(os.environ, {"http_proxy": proxy.url, "HTTP_PROXY": proxy.url, "no_proxy": ""}):
            token = self.in_view(hub.url, lambda: vkt.external.OAuth2Integration("x").get_access_token())
        self.assertEqual(token, "direct")
        self.assertEqual(proxy.seen, [])

    def test_a_redirect_is_not_followed(self) -> None:
        elsewhere = self.hub(lambda seen: token_answer("stolen"))
        hub = self.hub(lambda seen: Answer(307, None, {"Location": elsewhere.url + "/api/runtime/token"}))
        with self.assertRaises(vkt.GatehouseError) as caught:
            self.in_view(hub.url, lambda: vkt.external.OAuth2Integration("x").get_access_token())
        self.assertEqual(caught.exception.code, "token_failed")
        self.assertEqual(elsewhere.seen, [])


class Names(unittest.TestCase):
    def test_integration_names(self) -> None:
        for bad in ("", "Bentley", "a b", "x" * 65, "é", 5):
            with self.subTest(bad):
                with self.assertRaises(ValueError) as caught:
                    vkt.external.OAuth2Integration(bad)  # type: ignore[arg-type]
                self.assertEqual(
                    str(caught.exception),
                    f'OAuth2Integration: "{bad}" is not an integration name (1-64 of a-z 0-9 - _)',
                )
        self.assertEqual(
            vkt.external.OAuth2Integration("viktor-itwin_integration1").name, "viktor-itwin_integration1"
        )

    def test_outside_a_view(self) -> None:
        with self.assertRaises(vkt.GatehouseError) as caught:
            vkt.external.OAuth2Integration("bentley-itwin").get_access_token()
        self.assertEqual(caught.exception.code, "outside_invocation")
        self.assertEqual(
            str(caught.exception),
            'OAuth2Integration("bentley-itwin") can only get tokens while a view runs inside the Gatehouse app runtime',
        )

    def test_min_validity_must_be_seconds(self) -> None:
        context = InvocationContext("http://127.0.0.1:9", "c", {})
        for bad in (-1, float("nan"), "60", True):
            with self.subTest(bad), self.assertRaises(ValueError):
                run_in_invocation(
                    context, lambda: vkt.external.OAuth2Integration("x").get_access_token(min_validity=bad)
                )


if __name__ == "__main__":
    unittest.main()
