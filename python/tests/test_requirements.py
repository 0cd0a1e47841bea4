"""The requirements check: what is missing for this interpreter, named with its line and a hint."""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import unittest
from pathlib import Path

from gatehouse import _requirements

from .helpers.worker import PYTHON_DIR

SEED_REQUIREMENTS = "viktor==14.24.0\nrequests\n"


class Check(unittest.TestCase):
    def test_the_seeds_requirements_pass_with_requests_installed(self) -> None:
        report = _requirements.check_text(SEED_REQUIREMENTS)
        self.assertTrue(report.ok, report.missing)
        self.assertEqual(report.provided, ["viktor: provided by Gatehouse's SDK (import gatehouse as vkt)"])

    def test_a_missing_distribution_is_named_with_its_line_and_a_hint(self) -> None:
        report = _requirements.check_text(
            "# tools\nrequests>=2\n\nsurely-not-installed-xyz[extra] >= 1.0, <2\n"
        )
        self.assertFalse(report.ok)
        [missing] = report.missing
        self.assertEqual((missing.line, missing.name), (4, "surely-not-installed-xyz"))
        self.assertEqual(missing.requirement, "surely-not-installed-xyz[extra] >= 1.0, <2")
        self.assertIn(f"{sys.executable} -m pip install surely-not-installed-xyz", missing.hint)
        self.assertIn("python3-surely-not-installed-xyz", missing.hint)
        self.assertIn("GATEHOUSE_PYTHON", missing.hint)
        self.assertEqual(
            report.load_error(),
            f"requirements.txt:4: surely-not-installed-xyz is not installed for {sys.executable}; {missing.hint}",
        )

    def test_names_are_matched_as_pip_matches_them(self) -> None:
        self.assertTrue(_requirements.check_text("Requests\nREQUESTS==2.*\nViktor\n").ok)

    def test_a_version_mismatch_is_a_warning_not_a_failure(self) -> None:
        report = _requirements.check_text("requests==0.1\nrequests>=1,<99\nrequests~=2.0\n")
        self.assertTrue(report.ok)
        self.assertEqual(len(report.warnings), 1)
        self.assertRegex(report.warnings[0], r"^line 1: requests \S+ is installed; the app asks for ==0\.1$")

    def test_lines_it_cannot_check_are_listed_not_failed(self) -> None:
        text = (
            "-r other.txt\n"
            "--index-url https://example.invalid/simple\n"
            "pywin32>=300; sys_platform == 'win32'\n"
            "./vendor/thing\n"
            "https://example.invalid/pkg.whl\n"
            "requests==2.28.1 --hash=sha256:abc \\\n"
            "    --hash=sha256:def\n"
        )
        report = _requirements.check_text(text)
        self.assertTrue(report.ok, report.missing)
        self.assertEqual(len(report.unchecked), 5)
        self.assertIn("environment marker", report.unchecked[2])

    def test_continuations_and_comments(self) -> None:
        requirements, _ = _requirements.parse(
            "requests \\\n  >=2 # the HTTP client\n# nothing\nhttpx  # maybe\n"
        )
        self.assertEqual(
            [(r.line, r.name, r.specifiers) for r in requirements],
            [(1, "requests", [(">=", "2")]), (4, "httpx", [])],
        )


class CommandLine(unittest.TestCase):
    def run_check(self, text: str, *flags: str) -> subprocess.CompletedProcess[str]:
        path = Path(tempfile.mkdtemp()) / "requirements.txt"
        path.write_text(text, encoding="utf-8")
        return subprocess.run(
            [sys.executable, "-m", "gatehouse._worker", "--check-requirements", str(path), *flags],
            capture_output=True,
            text=True,
            env={"PYTHONPATH": str(PYTHON_DIR)},
        )

    def test_exit_status_and_json(self) -> None:
        ok = self.run_check(SEED_REQUIREMENTS, "--json")
        self.assertEqual(ok.returncode, 0, ok.stderr)
        self.assertEqual(json.loads(ok.stdout)["ok"], True)
        self.assertIsNone(json.loads(ok.stdout)["loadError"])
        missing = self.run_check("surely-not-installed-xyz\n", "--json")
        self.assertEqual(missing.returncode, 1)
        answer = json.loads(missing.stdout)
        self.assertEqual(answer["missing"][0]["name"], "surely-not-installed-xyz")
        self.assertEqual(answer["interpreter"], sys.executable)
        # The sentence the hub shows as the load error, written once (Report.load_error).
        self.assertRegex(
            answer["loadError"],
            r"^requirements\.txt:1: surely-not-installed-xyz is not installed for .*; install it for ",
        )

    def test_human_output(self) -> None:
        missing = self.run_check("surely-not-installed-xyz\n")
        self.assertEqual(missing.returncode, 1)
        self.assertIn("1 missing", missing.stdout)
        self.assertIn("missing, line 1: surely-not-installed-xyz: install it for", missing.stdout)

    def test_usage(self) -> None:
        usage = subprocess.run(
            [sys.executable, "-m", "gatehouse._worker"],
            capture_output=True,
            text=True,
            env={"PYTHONPATH": str(PYTHON_DIR)},
        )
        self.assertEqual(usage.returncode, 64)
        self.assertIn("usage: python3 -m gatehouse._worker <app dir> <entry>", usage.stderr)


if __name__ == "__main__":
    unittest.main()
