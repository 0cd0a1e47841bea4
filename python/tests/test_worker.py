"""The worker end to end, as the hub drives it: a real process, the channel on fd 3, frames both ways,
a fake hub for the capability exchange (docs/runtime-protocol.md)."""

from __future__ import annotations

import json
import struct
import unittest

from .helpers.servers import RecordingServer, Seen, closed_port_url, problem, token_answer
from .helpers.worker import Worker, write_app

APP = """
    import threading
    import gatehouse as vkt

    both_started = threading.Barrier(2)
    second_done = threading.Event()

    class Parametrization(vkt.Parametrization):
        intro = vkt.Text("# A test app")
        name = vkt.TextField("Name", default="Ada")
        count = vkt.IntegerField("Count", min=0, max=10)

    class Controller(vkt.Controller):
        parametrization = Parametrization

        @vkt.DataView("Echo", duration_guess=1)
        def echo(self, params, **kwargs):
            print("echo ran for", params.name)
            return vkt.DataResult(vkt.DataGroup(vkt.DataItem("name", params["name"])))

        @vkt.TableView("Tokens")
        def tokens(self, params, **kwargs):
            if params.get("meet"):
                both_started.wait()
            integration = vkt.external.OAuth2Integration("bentley-itwin")
            first = integration.get_access_token()
            second = integration.get_access_token()
            return vkt.TableResult([[first, second]])

        @vkt.DataView("Waits for the other")
        def first(self, params, **kwargs):
            second_done.wait()
            return vkt.DataResult(vkt.DataGroup(vkt.DataItem("order", "first")))

        @vkt.DataView("Lets the other go")
        def second(self, params, **kwargs):
            second_done.set()
            return vkt.DataResult(vkt.DataGroup(vkt.DataItem("order", "second")))

        @vkt.DataView("Blocks")
        def blocks(self, params, **kwargs):
            threading.Event().wait()

        @vkt.DataView("Fails")
        def fails(self, params, **kwargs):
            return {}["iTwins"]

        @vkt.DataView("User error")
        def user_error(self, params, **kwargs):
            raise vkt.UserError("Pick a width below 10 m")

        @vkt.DataView("Wrong type")
        def wrong_type(self, params, **kwargs):
            return vkt.TableResult([])

        @vkt.DataView("Nothing")
        def nothing(self, params, **kwargs):
            pass

        @vkt.DataView("Over a limit")
        def over_limit(self, params, **kwargs):
            return vkt.DataResult(vkt.DataGroup(*[vkt.DataItem("x")] * 101))

        @vkt.TableView("Huge")
        def huge(self, params, **kwargs):
            return vkt.TableResult([["x" * 100] * 100] * 1000)

        @vkt.DataView("Exits")
        def exits(self, params, **kwargs):
            raise SystemExit(3)

        @vkt.DataView("Unprintable")
        def unprintable(self, params, **kwargs):
            class Odd(Exception):
                def __str__(self):
                    raise RuntimeError("no words")
            raise Odd()

        @vkt.DataView("Odd details")
        def odd_details(self, params, **kwargs):
            class AppError(vkt.GatehouseError):
                def details(self):
                    return {"when": {1, 2}}
            raise AppError("app_specific", "An app's own error")

        @vkt.DataView("Async")
        async def coroutine(self, params, **kwargs):
            return vkt.DataResult(vkt.DataGroup(vkt.DataItem("async", True)))

        @vkt.DataView("Channel inheritance")
        def inheritance(self, params, **kwargs):
            import os
            return vkt.DataResult(vkt.DataGroup(vkt.DataItem("inheritable", os.get_inheritable(3))))
"""


class WorkerTestCase(unittest.TestCase):
    app_files: dict[str, str] = {"app.py": APP}

    def start(self, **options: object) -> Worker:
        worker = Worker(write_app(self.app_files), **options)  # type: ignore[arg-type]
        self.addCleanup(worker.kill)
        return worker


class Ready(WorkerTestCase):
    def test_reports_ready_with_the_manifest_in_declaration_order(self) -> None:
        worker = self.start()
        ready = worker.ready()
        self.assertEqual(ready["protocol"], 1)
        self.assertEqual(
            ready["manifest"]["parametrization"],
            [
                {"name": "intro", "type": "text", "content": "# A test app"},
                {"name": "name", "type": "textField", "label": "Name", "description": None, "default": "Ada"},
                {
                    "name": "count",
                    "type": "integerField",
                    "label": "Count",
                    "description": None,
                    "default": None,
                    "min": 0,
                    "max": 10,
                    "step": None,
                },
            ],
        )
        views = ready["manifest"]["views"]
        self.assertEqual(views[0], {"name": "echo", "kind": "data", "label": "Echo", "durationGuess": 1})
        self.assertEqual(views[1]["kind"], "table")
        self.assertEqual([v["name"] for v in views][:4], ["echo", "tokens", "first", "second"])

    def test_ends_with_status_0_at_end_of_file(self) -> None:
        worker = self.start()
        worker.ready()
        status, _, _ = worker.finish()
        self.assertEqual(status, 0)

    def test_the_isolated_launcher_needs_no_pythonpath(self) -> None:
        worker = self.start(isolated_launcher=True)
        worker.ready()
        worker.invoke("1", "echo", params={"name": "Iso"})
        self.assertEqual(worker.read_results(1)["1"]["result"]["groups"][0]["items"][0]["value"], "Iso")

    def test_honours_another_channel_fd(self) -> None:
        worker = self.start(channel_fd=7)
        worker.ready()
        worker.invoke("1", "echo", params={"name": "Bo"})
        self.assertTrue(worker.read_results(1)["1"]["ok"])


class Invocations(WorkerTestCase):
    def test_runs_a_view_and_keeps_print_in_the_log(self) -> None:
        worker = self.start()
        worker.ready()
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
        worker = self.start()
        worker.ready()
        worker.invoke("1", "first")
        worker.invoke("2", "second")
        first, second = worker.read(), worker.read()
        assert first is not None and second is not None
        self.assertEqual([first["id"], second["id"]], ["2", "1"])

    def test_reports_the_apps_own_failures(self) -> None:
        worker = self.start()
        worker.ready()
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
        worker = self.start()
        worker.ready()
        worker.invoke("big", "huge")
        error = worker.read_results(1)["big"]["error"]
        self.assertEqual(error["code"], "invalid_result")
        self.assertRegex(
            error["message"],
            r'^View "huge" built a result of \d+ bytes; one result can be at most 8388608 bytes$',
        )

    def test_every_invoke_gets_an_answer_even_when_its_failure_cannot_be_told(self) -> None:
        worker = self.start()
        worker.ready()
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
        worker = self.start()
        worker.ready()
        worker.invoke("1", "coroutine")
        self.assertEqual(worker.read_results(1)["1"]["result"]["groups"][0]["items"][0]["value"], True)

    def test_the_channel_is_not_inherited_by_processes_the_app_starts(self) -> None:
        worker = self.start()
        worker.ready()
        worker.invoke("1", "inheritance")
        self.assertEqual(worker.read_results(1)["1"]["result"]["groups"][0]["items"][0]["value"], False)

    def test_a_lone_surrogate_still_leaves_as_utf8(self) -> None:
        worker = self.start()
        worker.ready()
        body = b'{"type":"invoke","id":"s","view":"echo","params":{"name":"\\ud800"},"hubUrl":"http://127.0.0.1:9","capability":"c","hostMap":{}}'
        worker.send_raw(struct.pack(">I", len(body)) + body)
        result = worker.read_results(1)["s"]  # read() checks the body is UTF-8
        self.assertEqual(result["result"]["groups"][0]["items"][0]["value"], "\ud800")

    def test_shutdown_ends_the_process_with_views_still_running(self) -> None:
        worker = self.start()
        worker.ready()
        worker.invoke("1", "blocks")
        worker.send({"type": "shutdown"})
        self.assertEqual(worker.wait(), 0)


class Tokens(WorkerTestCase):
    def hub(self, respond) -> RecordingServer:  # type: ignore[no-untyped-def]
        server = RecordingServer(respond)
        self.addCleanup(server.close)
        return server

    def test_each_invocation_gets_its_own_users_token_even_when_they_overlap(self) -> None:
        tokens = {"ghcap_alice": "alice-token", "ghcap_bob": "bob-token"}
        hub = self.hub(lambda seen: token_answer(tokens[seen.headers["x-gatehouse-capability"]]))
        worker = self.start()
        worker.ready()
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
        worker = self.start()
        worker.ready()
        for invocation_id in ("1", "2"):
            worker.invoke(invocation_id, "tokens", hub.url)
            self.assertTrue(worker.read_results(1)[invocation_id]["ok"])
        self.assertEqual(len(hub.seen), 2)

    def test_login_required_carries_what_the_login_button_needs(self) -> None:
        login = "/api/integrations/oauth2/login/bentley-itwin?app=itwin-browser-py"

        def respond(seen: Seen):  # type: ignore[no-untyped-def]
            return problem(401, "login_required", "Connect your Bentley account first", loginUrl=login)

        hub = self.hub(respond)
        worker = self.start()
        worker.ready()
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
        worker = self.start()
        worker.ready()
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


class LoadErrors(unittest.TestCase):
    def load_error(self, files: dict[str, str], entry: str = "app.py") -> tuple[str, int, str]:
        worker = Worker(write_app(files), entry)
        self.addCleanup(worker.kill)
        message = worker.read()
        assert message is not None
        self.assertEqual(message["type"], "load_error", message)
        self.assertIsNone(worker.read(), "nothing follows a load_error")
        status, _, err = worker.finish()
        return message["message"], status, err

    def test_names_the_file_and_line_of_an_exception_at_import(self) -> None:
        message, status, err = self.load_error({"app.py": "import gatehouse\n\nx = vkt.Text('a')\n"})
        self.assertEqual(message, "app.py:3: NameError: name 'vkt' is not defined")
        self.assertEqual(status, 1)
        self.assertIn("Traceback", err)

    def test_names_the_line_inside_the_apps_own_module(self) -> None:
        message, _, _ = self.load_error(
            {
                "app.py": "import helpers\n",
                "helpers.py": "VALUE = 1\nraise RuntimeError('broken on purpose')\n",
            }
        )
        self.assertEqual(message, "helpers.py:2: RuntimeError: broken on purpose")

    def test_a_syntax_error(self) -> None:
        message, _, _ = self.load_error({"app.py": "import gatehouse as vkt\nclass Controller(\n"})
        self.assertRegex(message, r"^app\.py:2: SyntaxError: ")

    def test_a_missing_module_with_a_hint(self) -> None:
        message, _, _ = self.load_error({"app.py": "import surely_not_installed_xyz\n"})
        self.assertRegex(
            message,
            r"^app\.py:1: ModuleNotFoundError: No module named 'surely_not_installed_xyz' \(install it for "
            r".*python3.* -m pip install surely_not_installed_xyz, .*GATEHOUSE_PYTHON",
        )

    def test_a_missing_requirement_fails_before_the_app_runs(self) -> None:
        message, _, _ = self.load_error(
            {
                "app.py": "raise RuntimeError('must not run')\n",
                "requirements.txt": "viktor==14.24.0\nrequests\nsurely-not-installed-xyz>=1\n",
            }
        )
        self.assertRegex(message, r"^requirements\.txt:3: surely-not-installed-xyz is not installed for ")

    def test_no_controller_and_no_views(self) -> None:
        message, _, _ = self.load_error({"app.py": "import gatehouse as vkt\n"})
        self.assertEqual(
            message, "app.py defines no Controller: an app needs `class Controller(vkt.Controller)`"
        )
        message, _, _ = self.load_error(
            {"app.py": "import gatehouse as vkt\nclass Controller(vkt.Controller):\n    pass\n"}
        )
        self.assertRegex(message, r"^app\.py: Controller has no views: decorate a method with @vkt\.DataView")

    def test_a_bad_view_name_fails_at_the_class(self) -> None:
        message, _, _ = self.load_error(
            {
                "app.py": (
                    "import gatehouse as vkt\n"
                    "class Controller(vkt.Controller):\n"
                    "    @vkt.DataView('Hidden')\n"
                    "    def _hidden(self, params, **kwargs):\n"
                    "        pass\n"
                )
            }
        )
        self.assertEqual(
            message,
            'app.py:2: TypeError: Controller: view name "_hidden" must match /^[A-Za-z][A-Za-z0-9_-]{0,63}$/',
        )

    def test_a_viktor_name_this_sdk_does_not_cover_says_why(self) -> None:
        message, _, _ = self.load_error(
            {
                "app.py": "import gatehouse as vkt\nclass P(vkt.Parametrization):\n    geometry = vkt.Section('Geometry')\n"
            }
        )
        self.assertEqual(
            message,
            "app.py:3: AttributeError: gatehouse does not provide VIKTOR's Section: the views API's parametrization "
            "is a flat list of fields (no sections, tabs, pages or steps) (python/README.md)",
        )

    def test_an_entry_that_is_not_there(self) -> None:
        message, _, _ = self.load_error({"app.py": ""}, entry="../etc/passwd")
        self.assertEqual(message, "../etc/passwd: no such file in the app directory")

    def test_a_package_entry_with_relative_imports(self) -> None:
        worker = Worker(
            write_app(
                {
                    "app/__init__.py": "from .controller import Controller\n",
                    "app/controller.py": (
                        "import gatehouse as vkt\n"
                        "class Controller(vkt.Controller):\n"
                        "    @vkt.WebView('Page')\n"
                        "    def page(self, params, **kwargs):\n"
                        "        return vkt.WebResult(html='<p>hi</p>')\n"
                    ),
                }
            ),
            "app/__init__.py",
        )
        self.addCleanup(worker.kill)
        self.assertEqual(worker.ready()["manifest"]["views"][0]["kind"], "web")


class Violations(WorkerTestCase):
    """A frame the hub sends that breaks the protocol ends the worker (status 2), saying why in the log."""

    def assert_ends(self, data: bytes, reason: str) -> None:
        worker = self.start()
        worker.ready()
        worker.send_raw(data)
        self.assertIsNone(worker.read())
        status, _, err = worker.finish()
        self.assertEqual(status, 2, err)
        self.assertIn(reason, err)

    def frame(self, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + body

    def test_garbage_frames_end_the_worker(self) -> None:
        invoke = {
            "type": "invoke",
            "id": "1",
            "view": "echo",
            "params": {},
            "hubUrl": "http://h",
            "capability": "c",
            "hostMap": {},
        }
        cases = {
            "length 0": (struct.pack(">I", 0), "length 0"),
            "length over 1 MiB": (struct.pack(">I", 1024 * 1024 + 1), "announces 1048577 bytes"),
            "not UTF-8": (self.frame(b'{"type":"\xff"}'), "not UTF-8"),
            "a byte-order mark": (self.frame(b'\xef\xbb\xbf{"type":"shutdown"}'), "byte-order mark"),
            "not JSON": (self.frame(b"{type: shutdown}"), "not JSON"),
            "NaN": (self.frame(b'{"type":"invoke","x":NaN}'), "not JSON"),
            "deep nesting": (self.frame(b"[" * 100_000), "not JSON"),
            "not an object": (self.frame(b'["invoke"]'), "not an object"),
            "no type": (self.frame(b'{"kind":"invoke"}'), 'no string "type"'),
            "an unknown type": (self.frame(b'{"type":"ready"}'), 'unknown type "ready"'),
            "an invoke without a capability": (
                self.frame(json.dumps({**invoke, "capability": None}).encode()),
                'no string "capability"',
            ),
            "an invoke with params not an object": (
                self.frame(json.dumps({**invoke, "params": []}).encode()),
                '"params" is not an object',
            ),
            "a host map of numbers": (
                self.frame(json.dumps({**invoke, "hostMap": {"api.bentley.com": 8091}}).encode()),
                '"hostMap" is not an object of strings',
            ),
            "a host map to something that is not http": (
                self.frame(json.dumps({**invoke, "hostMap": {"api.bentley.com": "file:///etc"}}).encode()),
                "not an http(s) URL",
            ),
            "a hub URL that is not http": (
                self.frame(json.dumps({**invoke, "hubUrl": "file:///etc/passwd"}).encode()),
                '"hubUrl" is not an http(s) URL',
            ),
        }
        for name, (data, reason) in cases.items():
            with self.subTest(name):
                self.assert_ends(data, reason)

    def test_an_id_still_in_flight_ends_the_worker(self) -> None:
        worker = self.start()
        worker.ready()
        worker.invoke("same", "blocks")
        worker.invoke("same", "echo")
        self.assertIsNone(worker.read())
        status, _, err = worker.finish()
        self.assertEqual(status, 2)
        self.assertIn('reuses the id "same"', err)

    def test_frames_split_and_joined_are_read_by_length(self) -> None:
        worker = self.start()
        worker.ready()
        bodies = [
            json.dumps(
                {
                    "type": "invoke",
                    "id": str(i),
                    "view": "echo",
                    "params": {"name": f"n{i}"},
                    "hubUrl": "http://h",
                    "capability": "c",
                    "hostMap": {},
                }
            ).encode()
            for i in range(3)
        ]
        data = b"".join(self.frame(body) for body in bodies)
        worker.send_raw(data[:3])  # half a header
        worker.send_raw(data[3:10])  # the rest of it and a little of the body
        worker.send_raw(data[10:])  # the rest of frame 1 and frames 2 and 3 in one write
        results = worker.read_results(3)
        self.assertEqual(sorted(results), ["0", "1", "2"])
        self.assertEqual(results["2"]["result"]["groups"][0]["items"][0]["value"], "n2")


if __name__ == "__main__":
    unittest.main()
