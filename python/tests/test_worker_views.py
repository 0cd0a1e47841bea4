"""Views run by the worker end to end (docs/runtime-protocol.md): results, concurrency, async views, the app's
own failures as error answers, and shutdown."""

from __future__ import annotations

import struct
import unittest

from .helpers.views_app import WorkerTestCase


class Invocations(WorkerTestCase):
    def test_runs_a_view_and_keeps_print_in_the_log(self) -> None:
        worker = self.ready_worker()
        worker.invoke("a1", "echo", params={"name": "Grace"})
        result = worker.read_results(1)["a1"]
        self.assertEqual(result["ok"], True)
        self.assertEqual(result["result"]["type"], "data")
        self.assertEqual(result["result"]["groups"][0]["items"][0]["value"], "Grace")
        status, out, _ = worker.finish()
        self.assertEqual(status, 0)
        self.assertIn("echo ran for Grace", out)

    def test_runs_views_concurrently(self) -> None:
        # "first" returns only once "second" has run: one at a time, this would never answer.
        worker = self.ready_worker()
        worker.invoke("1", "first")
        worker.invoke("2", "second")
        first, second = worker.read(), worker.read()
        assert first is not None and second is not None
        self.assertEqual([first["id"], second["id"]], ["2", "1"])

    def test_reports_the_apps_own_failures(self) -> None:
        worker = self.ready_worker()
        for index, view in enumerate(
            ["fails", "user_error", "wrong_type", "nothing", "over_limit", "missing", "exits"]
        ):
            worker.invoke(str(index), view)
        results = {r["id"]: r for r in worker.read_results(7).values()}
        errors = [results[str(i)]["error"] for i in range(7)]
        self.assertEqual(
            errors[0],
            {"code": "view_failed", "message": "View \"fails\" failed: KeyError: 'iTwins'", "details": {}},
        )
        self.assertEqual(
            errors[1], {"code": "user_error", "message": "Pick a width below 10 m", "details": {}}
        )
        self.assertEqual(
            errors[2]["message"],
            'View "wrong_type" built an invalid result: a DataView must return a DataResult (got TableResult)',
        )
        self.assertEqual(errors[2]["code"], "invalid_result")
        self.assertEqual(
            errors[3]["message"],
            'View "nothing" built an invalid result: a DataView must return a DataResult (got None)',
        )
        self.assertEqual(
            errors[4]["message"],
            'View "over_limit" built an invalid result: DataGroup has 101 items; at most 100 are allowed '
            '(item 101 is DataItem "x")',
        )
        self.assertEqual(
            errors[5], {"code": "view_not_found", "message": 'The app has no view "missing"', "details": {}}
        )
        self.assertEqual(errors[6]["message"], 'View "exits" failed: SystemExit: 3')
        # The worker carries on after all of them.
        worker.invoke("after", "echo", params={"name": "x"})
        self.assertTrue(worker.read_results(1)["after"]["ok"])
        _, _, err = worker.finish()
        self.assertIn("KeyError: 'iTwins'", err)  # the traceback is in the log, not the answer
        self.assertIn("Traceback", err)

    def test_refuses_a_result_larger_than_a_frame(self) -> None:
        worker = self.ready_worker()
        worker.invoke("big", "huge")
        error = worker.read_results(1)["big"]["error"]
        self.assertEqual(error["code"], "invalid_result")
        self.assertRegex(
            error["message"],
            r'^View "huge" built a result of \d+ bytes; one result can be at most 8388608 bytes$',
        )

    def test_every_invoke_gets_an_answer_even_when_its_failure_cannot_be_told(self) -> None:
        worker = self.ready_worker()
        worker.invoke("1", "unprintable")
        worker.invoke("2", "odd_details")
        results = worker.read_results(2)
        self.assertEqual(
            results["1"]["error"],
            {"code": "view_failed", "message": 'View "unprintable" failed: Odd', "details": {}},
        )
        self.assertEqual(results["2"]["error"]["code"], "invalid_result")
        self.assertRegex(
            results["2"]["error"]["message"],
            r"^View \"odd_details\" built an invalid result: its answer cannot be sent as JSON \(TypeError: ",
        )

    def test_runs_async_views(self) -> None:
        worker = self.ready_worker()
        worker.invoke("1", "coroutine")
        self.assertEqual(worker.read_results(1)["1"]["result"]["groups"][0]["items"][0]["value"], True)

    def test_the_channel_is_not_inherited_by_processes_the_app_starts(self) -> None:
        worker = self.ready_worker()
        worker.invoke("1", "inheritance")
        self.assertEqual(worker.read_results(1)["1"]["result"]["groups"][0]["items"][0]["value"], False)

    def test_a_lone_surrogate_still_leaves_as_utf8(self) -> None:
        worker = self.ready_worker()
        body = b'{"type":"invoke","id":"s","view":"echo","params":{"name":"\\ud800"},"hubUrl":"http://127.0.0.1:9","capability":"c","hostMap":{}}'
        worker.send_raw(struct.pack(">I", len(body)) + body)
        result = worker.read_results(1)["s"]  # read() checks the body is UTF-8
        self.assertEqual(result["result"]["groups"][0]["items"][0]["value"], "\ud800")

    def test_shutdown_ends_the_process_with_views_still_running(self) -> None:
        worker = self.ready_worker()
        worker.invoke("1", "blocks")
        worker.send({"type": "shutdown"})
        self.assertEqual(worker.wait(), 0)


if __name__ == "__main__":
    unittest.main()
