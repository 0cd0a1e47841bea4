"""The SDK's error codes come from the hub's registry (src/errors/codes.json), found beside the package."""

from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
import sys
import tempfile
import unittest
from pathlib import Path

import gatehouse as vkt
from gatehouse import _codes
from gatehouse.errors import CapabilityError

CHECKOUT = Path(__file__).resolve().parents[2]
REGISTRY = CHECKOUT / "src" / "errors" / "codes.json"
IMPORT_CHECK = "import gatehouse, gatehouse._codes as c; print(c.status_of('user_error'), c.REGISTRY_PATH)"
PACKAGE_ONLY = shutil.ignore_patterns("__pycache__")


def import_from(path: Path, cwd: str) -> subprocess.CompletedProcess[str]:
    """``import gatehouse`` from ``path`` in a fresh interpreter: isolated mode, no bytecode written."""
    return subprocess.run(
        [sys.executable, "-I", "-B", "-c", f"import sys; sys.path.insert(0, {str(path)!r}); {IMPORT_CHECK}"],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=60,
        env={"PATH": os.environ.get("PATH", ""), "LANG": "C.UTF-8"},
    )


def read_only(root: Path) -> None:
    """Every file and directory under ``root`` read-only, as a read-only mount shows them."""
    for path in sorted(root.rglob("*"), reverse=True):
        path.chmod(stat.S_IRUSR | stat.S_IRGRP | (stat.S_IXUSR | stat.S_IXGRP if path.is_dir() else 0))
    root.chmod(stat.S_IRUSR | stat.S_IXUSR)


class Codes(unittest.TestCase):
    def test_statuses_are_the_registry_s(self) -> None:
        registry = json.loads(REGISTRY.read_text(encoding="utf-8"))
        self.assertEqual(_codes.REGISTRY_PATH, REGISTRY)
        self.assertEqual(_codes.STATUS, {code: entry["status"] for code, entry in registry.items()})
        self.assertEqual(vkt.UserError("Pick a width").status, 422)
        self.assertEqual(registry["user_error"]["appReportable"], True)
        # What the hub reports to the browser may differ (appStatus); the SDK's status is the code's own.
        self.assertEqual(CapabilityError().status, 401)
        self.assertEqual(_codes.status_of("no_such_code"), 500)

    def test_every_code_the_package_names_may_be_reported_by_an_app(self) -> None:
        registry = json.loads(REGISTRY.read_text(encoding="utf-8"))
        named = [value for name, value in vars(_codes).items() if name.isupper() and isinstance(value, str)]
        self.assertGreaterEqual(len(named), 12)
        for code in named:
            with self.subTest(code):
                self.assertIs(registry[code].get("appReportable"), True)

    def test_a_missing_or_broken_registry_is_named_with_its_path(self) -> None:
        with tempfile.TemporaryDirectory() as tmp:
            missing = Path(tmp) / "codes.json"
            with self.assertRaises(_codes.RegistryError) as caught:
                _codes.load_registry(missing)
            self.assertIn(f"registry is missing: {missing}", str(caught.exception))
            broken = (("{", "is not valid JSON"), ('{"x": {"title": "no status"}}', "is not an error"))
            for text, why in broken:
                missing.write_text(text, encoding="utf-8")
                with self.subTest(text), self.assertRaises(_codes.RegistryError) as caught:
                    _codes.load_registry(missing)
                self.assertIn(why, str(caught.exception))

    def test_imports_from_a_read_only_copy_of_the_checkout_wherever_it_runs(self) -> None:
        with tempfile.TemporaryDirectory() as tmp:
            copy = Path(tmp) / "checkout"
            package = CHECKOUT / "python" / "gatehouse"
            shutil.copytree(package, copy / "python" / "gatehouse", ignore=PACKAGE_ONLY)
            (copy / "src" / "errors").mkdir(parents=True)
            shutil.copy(REGISTRY, copy / "src" / "errors" / "codes.json")
            read_only(copy)
            try:
                # Run from elsewhere: only the package's own place counts, and nothing is written beside it.
                run = import_from(copy / "python", cwd=tmp)
                self.assertEqual(run.returncode, 0, run.stderr)
                self.assertEqual(run.stdout.strip(), f"422 {copy / 'src' / 'errors' / 'codes.json'}")
                self.assertEqual(list(copy.rglob("__pycache__")), [])
            finally:
                for path in [copy, *copy.rglob("*")]:
                    path.chmod(stat.S_IRWXU)

    def test_without_the_registry_the_import_fails_saying_where_it_looked(self) -> None:
        with tempfile.TemporaryDirectory() as tmp:
            copy = Path(tmp) / "python"
            shutil.copytree(CHECKOUT / "python" / "gatehouse", copy / "gatehouse", ignore=PACKAGE_ONLY)
            run = import_from(copy, cwd=tmp)
            self.assertNotEqual(run.returncode, 0)
            last = run.stderr.strip().splitlines()[-1]
            self.assertIn("RegistryError: gatehouse: the hub's error-code registry is missing:", last)
            self.assertIn(str(Path(tmp) / "src" / "errors" / "codes.json"), last)


if __name__ == "__main__":
    unittest.main()
