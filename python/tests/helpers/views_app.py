"""The app the worker tests run (one view per behaviour they check), and their base class, which starts a worker
on it and ends it after the test."""

from __future__ import annotations

import unittest

from .worker import Worker, write_app

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

    def ready_worker(self, **options: object) -> Worker:
        """A worker started (as ``start``) and past its ready message."""
        worker = self.start(**options)
        worker.ready()
        return worker
