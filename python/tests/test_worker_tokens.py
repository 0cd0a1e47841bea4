"""The capability exchange: a view's token comes from the hub's runtime token route, per invocation and per
user, and the hub's refusals reach the view as the SDK's errors."""

from __future__ import annotations

import unittest

from .helpers.servers import RecordingServer, Seen, closed_port_url, problem, token_answer
from .helpers.views_app import WorkerTestCase


class Tokens(WorkerTestCase):
    def hub(self, respond) -> RecordingServer:  # type: ignore[no-untyped-def]
        server = RecordingServer(respond)
        self.addCleanup(server.close)
        return server

    def test_each_invocation_gets_its_own_users_token_even_when_they_overlap(self) -> None:
        tokens = {"ghcap_alice": "alice-token", "ghcap_bob": "bob-token"}
        hub = self.hub(lambda seen: token_answer(tokens[seen.headers["x-gatehouse-capability"]]))
        worker = self.ready_worker()
        worker.invoke("a", "tokens", hub.url, capability="ghcap_alice", params={"meet": True})
        worker.invoke("b", "tokens", hub.url, capability="ghcap_bob", params={"meet": True})
        results = worker.read_results(2)
        cells = {key: [c["value"] for c in r["result"]["rows"][0]] for key, r in results.items()}
        self.assertEqual(cells, {"a": ["alice-token"] * 2, "b": ["bob-token"] * 2})
        # One exchange per invocation: the second call in a view reuses the token.
        self.assertEqual(len(hub.seen), 2)
        for seen in hub.seen:
            self.assertEqual((seen.method, seen.path), ("POST", "/api/runtime/token"))
            self.assertEqual(seen.json(), {"integration": "bentley-itwin"})
            self.assertNotIn("ghcap", seen.path)

    def test_a_token_is_not_reused_by_the_next_invocation(self) -> None:
        hub = self.hub(lambda seen: token_answer("t"))
        worker = self.ready_worker()
        for invocation_id in ("1", "2"):
            worker.invoke(invocation_id, "tokens", hub.url)
            self.assertTrue(worker.read_results(1)[invocation_id]["ok"])
        self.assertEqual(len(hub.seen), 2)

    def test_login_required_carries_what_the_login_button_needs(self) -> None:
        login = "/api/integrations/oauth2/login/bentley-itwin?app=itwin-browser-py"

        def respond(seen: Seen):  # type: ignore[no-untyped-def]
            return problem(401, "login_required", "Connect your Bentley account first", loginUrl=login)

        hub = self.hub(respond)
        worker = self.ready_worker()
        worker.invoke("1", "tokens", hub.url)
        error = worker.read_results(1)["1"]["error"]
        self.assertEqual(
            error,
            {
                "code": "login_required",
                "message": "Connect your Bentley account first",
                "details": {"loginUrl": login, "integration": "bentley-itwin"},
            },
        )

    def test_an_unreachable_hub_is_provider_unavailable(self) -> None:
        worker = self.ready_worker()
        worker.invoke("1", "tokens", closed_port_url())
        error = worker.read_results(1)["1"]["error"]
        self.assertEqual(
            error,
            {
                "code": "provider_unavailable",
                "message": "The Gatehouse hub cannot be reached for a token",
                "details": {"integration": "bentley-itwin"},
            },
        )


if __name__ == "__main__":
    unittest.main()
