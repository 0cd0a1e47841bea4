"""The worker's memory cap (``GATEHOUSE_MEMORY_MB``): a view over it fails alone, the process lives on."""

from __future__ import annotations

import unittest

from tests.helpers.worker import Worker, write_app

APP = """
import threading
import gatehouse as vkt


def items(**values):
    return vkt.DataResult(vkt.DataGroup(*[vkt.DataItem(k, v) for k, v in values.items()]))


class Parametrization(vkt.Parametrization):
    megabytes = vkt.IntegerField("MB", default=8)


class Controller(vkt.Controller):
    parametrization = Parametrization

    @vkt.DataView("Hoard")
    def hoard(self, params, **kwargs):
        kept = [bytearray(1024 * 1024) for _ in range(params.megabytes)]
        return items(megabytes=len(kept))

    @vkt.DataView("Threads")
    def threads(self, params, **kwargs):
        started = [threading.Thread(target=lambda: None) for _ in range(60)]
        for thread in started:
            thread.start()
        for thread in started:
            thread.join()
        return items(started=len(started), stack=threading.stack_size())
"""


class MemoryCap(unittest.TestCase):
    def start(self, megabytes: str | None) -> Worker:
        env = {"GATEHOUSE_MEMORY_MB": megabytes} if megabytes is not None else {}
        worker = Worker(write_app({"app.py": APP}), env=env)
        self.addCleanup(worker.kill)
        worker.ready()
        return worker

    def test_a_view_over_the_cap_fails_alone_saying_so(self) -> None:
        worker = self.start("64")
        worker.invoke("big", "hoard", params={"megabytes": 4000})
        error = worker.read_results(1)["big"]["error"]
        self.assertEqual(
            error,
            {
                "code": "view_failed",
                "message": 'View "hoard" ran out of memory (this hub gives an app process 64 MB)',
                "details": {},
            },
        )
        worker.invoke("small", "hoard", params={"megabytes": 16})
        self.assertEqual(worker.read_results(1)["small"]["result"]["groups"][0]["items"][0]["value"], 16)

    def test_leaves_room_for_the_threads_views_start(self) -> None:
        # Thread stacks are data too: the cap counts 2 MiB for each thread the process may have.
        worker = self.start("64")
        worker.invoke("t", "threads")
        values = worker.read_results(1)["t"]["result"]["groups"][0]["items"]
        self.assertEqual([item["value"] for item in values], [60, 2 * 1024 * 1024])

    def test_no_variable_no_cap(self) -> None:
        worker = self.start(None)
        worker.invoke("big", "hoard", params={"megabytes": 200})
        self.assertTrue(worker.read_results(1)["big"]["ok"])


if __name__ == "__main__":
    unittest.main()
