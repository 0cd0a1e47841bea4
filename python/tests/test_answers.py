"""One ``result`` per ``invoke``, for the id the hub sent and no other (``docs/runtime-protocol.md``: a result
for an id the hub never sent stops the app), whatever the view does — and whatever the worker's own hooks
meet before the view runs."""

from __future__ import annotations

import unittest

from tests.helpers.worker import Worker, write_app
from tests.helpers.views_app import APP

# An app that replaces `requests` in sys.modules with something the worker's hook cannot read.
BROKEN_HOOK_APP = """
import sys
import gatehouse as vkt


class Unreadable:
    def __getattr__(self, name):
        raise RuntimeError(f"no {name} here")


class Controller(vkt.Controller):
    @vkt.DataView("Plant")
    def plant(self, params, **kwargs):
        sys.modules["requests"] = Unreadable()
        return vkt.DataResult(vkt.DataGroup(vkt.DataItem("planted", True)))

    @vkt.DataView("After")
    def after(self, params, **kwargs):
        return vkt.DataResult(vkt.DataGroup(vkt.DataItem("after", True)))
"""


class OneAnswerEach(unittest.TestCase):
    def start(self, app: str) -> Worker:
        worker = Worker(write_app({"app.py": app}))
        self.addCleanup(worker.kill)
        worker.ready()
        return worker

    def test_every_kind_of_ending_answers_once_with_its_own_id(self) -> None:
        worker = self.start(APP)
        views = ["echo", "fails", "user_error", "wrong_type", "huge", "odd_details", "unprintable", "exits"]
        sent = {f"id-{index}-{view}": view for index, view in enumerate(views * 3)}
        for invocation_id, view in sent.items():
            worker.invoke(invocation_id, view, params={"name": "x"})
        answered = [worker.read() for _ in sent]
        self.assertEqual(sorted(message["id"] for message in answered if message), sorted(sent))
        # And nothing more: the channel's next frame is end of file once the hub closes its side.
        worker.hub_end.shutdown(1)  # SHUT_WR: the worker sees end of file and exits
        self.assertIsNone(worker.read())
        self.assertEqual(worker.wait(), 0)

    def test_a_hook_that_fails_before_the_view_still_answers(self) -> None:
        worker = self.start(BROKEN_HOOK_APP)
        worker.invoke("1", "plant")
        self.assertTrue(worker.read_results(1)["1"]["ok"])
        worker.invoke("2", "after")
        error = worker.read_results(1)["2"]["error"]
        self.assertEqual(error["code"], "view_failed")
        self.assertTrue(error["message"].startswith('View "after" failed: RuntimeError'), error["message"])


if __name__ == "__main__":
    unittest.main()
