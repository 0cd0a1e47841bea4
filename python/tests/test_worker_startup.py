"""The worker starting, as the hub starts it: the ready message with the manifest, the launchers and channel
fds it accepts, and the load error that names the file and line when the app cannot load."""

from __future__ import annotations

import unittest

from .helpers.views_app import WorkerTestCase
from .helpers.worker import Worker, write_app


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
        worker = self.ready_worker()
        status, _, _ = worker.finish()
        self.assertEqual(status, 0)

    def test_the_isolated_launcher_needs_no_pythonpath(self) -> None:
        worker = self.ready_worker(isolated_launcher=True)
        worker.invoke("1", "echo", params={"name": "Iso"})
        self.assertEqual(worker.read_results(1)["1"]["result"]["groups"][0]["items"][0]["value"], "Iso")

    def test_honours_another_channel_fd(self) -> None:
        worker = self.ready_worker(channel_fd=7)
        worker.invoke("1", "echo", params={"name": "Bo"})
        self.assertTrue(worker.read_results(1)["1"]["ok"])


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


if __name__ == "__main__":
    unittest.main()
