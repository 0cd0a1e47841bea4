"""``_interpreter.py``: what the hub mounts for an interpreter, said by the interpreter itself."""

from __future__ import annotations

import json
import subprocess
import sys
import unittest
from pathlib import Path

PROBE = Path(__file__).resolve().parents[1] / "gatehouse" / "_interpreter.py"


class Facts(unittest.TestCase):
    def test_names_the_program_its_version_and_its_sys_path_in_isolated_mode(self) -> None:
        run = subprocess.run(
            [sys.executable, "-I", str(PROBE)], capture_output=True, text=True, env={}, check=True
        )
        facts = json.loads(run.stdout)
        self.assertEqual(facts["executable"], sys.executable)
        self.assertEqual(facts["version"], "%d.%d.%d" % sys.version_info[:3])
        self.assertIn(str(Path(json.__file__).parent.parent), facts["path"])  # the standard library
        # Isolated mode: neither the probe's directory nor the working directory is on the path.
        self.assertNotIn(str(PROBE.parent), facts["path"])
        self.assertNotIn("", facts["path"])
        self.assertEqual(facts["venvConfig"] is not None, sys.prefix != sys.base_prefix)
        for path in facts["files"]:
            self.assertTrue(Path(path).is_absolute() and Path(path).exists(), path)


if __name__ == "__main__":
    unittest.main()
