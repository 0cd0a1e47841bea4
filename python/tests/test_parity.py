"""The Python half of the SDK parity set (``test/fixtures/sdk-parity/README.md``): the fixtures that
``test/sdk/parity.test.ts`` runs through the TypeScript SDK, run through this one."""

from __future__ import annotations

import json
import re
import unittest
from pathlib import Path
from typing import Any

import gatehouse as vkt
from gatehouse import _invocation

FIXTURES = Path(__file__).resolve().parents[2] / "test" / "fixtures" / "sdk-parity"
NAMES = json.loads((FIXTURES / "names.json").read_text(encoding="utf-8"))
NUMBERS = {"NaN": float("nan"), "Infinity": float("inf"), "-Infinity": float("-inf")}
FIELDS = {
    "text": vkt.Text,
    "textField": vkt.TextField,
    "numberField": vkt.NumberField,
    "integerField": vkt.IntegerField,
    "booleanField": vkt.BooleanField,
    "optionField": vkt.OptionField,
}
VIEWS = {"dataView": vkt.DataView, "tableView": vkt.TableView, "webView": vkt.WebView}


def load(name: str) -> Any:
    return json.loads((FIXTURES / name).read_text(encoding="utf-8"))


def python_message(message: str) -> str:
    """A TypeScript message with the Python names of ``names.json`` put in."""
    for table in ("options", "builders", "phrases"):
        for ts_name, py_name in NAMES[table].items():
            message = re.sub(rf"(?<![A-Za-z0-9_]){re.escape(ts_name)}(?![A-Za-z0-9_])", py_name, message)
    return message


def without_parentheses(message: str) -> str:
    return re.sub(r"\s*\([^()]*\)", "", message)


def kwargs(options: dict[str, Any]) -> dict[str, Any]:
    return {NAMES["options"].get(key, key): evaluate(value) for key, value in options.items()}


def build_view(node: dict[str, Any]) -> dict[str, Any]:
    decorator = VIEWS[node["view"]](*evaluate(node.get("args", [])), **kwargs(node.get("options", {})))

    class Probe(vkt.Controller):
        @decorator
        def probe(self, params: Any, **_: Any) -> None:
            raise AssertionError("not run")

    entry = Probe.manifest()["views"][0]
    del entry["name"]
    return entry  # type: ignore[no-any-return]


def evaluate(node: Any) -> Any:
    """Evaluates a fixture's ``build`` expression with the Python SDK."""
    if isinstance(node, list):
        return [evaluate(item) for item in node]
    if not isinstance(node, dict):
        return node
    if "number" in node:
        return NUMBERS[node["number"]]
    if "text" in node and "times" in node:
        return node["text"] * node["times"]
    if "repeat" in node:
        return [evaluate(node["repeat"]) for _ in range(node["times"])]
    if "new" in node:
        cls = getattr(vkt, node["new"])
        return cls(*evaluate(node.get("args", [])), **kwargs(node.get("options", {})))
    if "field" in node:
        args = evaluate(node.get("args", []))
        options = kwargs(node.get("options", {}))
        if node["field"] == "text":
            return vkt.Text(*args)
        label = options.pop("label", None)
        return FIELDS[node["field"]](label, *args, **options)
    if "view" in node:
        return build_view(node)
    return {key: evaluate(value) for key, value in node.items()}


def error_of(build: Any) -> str | None:
    try:
        evaluate(build)
    except Exception as err:  # the messages are the point, whatever the class
        return str(err)
    return None


def to_json(value: Any) -> Any:
    return json.loads(json.dumps(value.to_json()))


class BuildCases(unittest.TestCase):
    def run_cases(self, file: str) -> None:
        for case in load(file)["cases"]:
            with self.subTest(case["name"]):
                if "error" in case:
                    expected = case.get("pythonError", python_message(case["error"]))
                    if "pythonError" in case:
                        # Only the type names in parentheses may differ from the TypeScript message.
                        self.assertEqual(
                            without_parentheses(case["pythonError"]),
                            without_parentheses(python_message(case["error"])),
                        )
                    self.assertEqual(error_of(case["build"]), expected)
                    continue
                built = evaluate(case["build"])
                if "json" in case:
                    self.assertEqual(built if isinstance(built, dict) else to_json(built), case["json"])
                else:
                    self.assertIs(case.get("ok"), True)

    def test_results(self) -> None:
        self.run_cases("results.json")

    def test_fields_and_views(self) -> None:
        self.run_cases("fields.json")


class ErrorCases(unittest.TestCase):
    def test_errors(self) -> None:
        for case in load("errors.json")["cases"]:
            with self.subTest(case["name"]):
                err = evaluate(case["build"])
                self.assertIsInstance(err, vkt.GatehouseError)
                self.assertEqual(err.code, case["code"])
                if "status" in case:
                    self.assertEqual(err.status, case["status"])
                self.assertEqual(str(err), case["message"])
                self.assertEqual(err.details(), case["details"])


class ExplainCases(unittest.TestCase):
    def test_provider_errors(self) -> None:
        for case in load("explain.json")["providerErrors"]:
            with self.subTest(case["name"]):
                explained = vkt.explain_provider_error(case["status"], evaluate(case["body"]), case["url"])
                self.assertEqual(explained, case["expected"])

    def test_aps_hubs_warnings(self) -> None:
        for case in load("explain.json")["apsHubsWarnings"]:
            with self.subTest(case["name"]):
                self.assertEqual(vkt.explain_aps_hubs_warning(evaluate(case["body"])), case["expected"])


class ResolveUrlCases(unittest.TestCase):
    def test_host_mapping(self) -> None:
        fixture = load("resolve-url.json")
        _invocation.set_default_host_map(fixture["hostMap"])
        self.addCleanup(_invocation.set_default_host_map, {})
        for case in fixture["cases"]:
            with self.subTest(case["url"]):
                self.assertEqual(vkt.resolve_url(case["url"]), case["expected"])


if __name__ == "__main__":
    unittest.main()
