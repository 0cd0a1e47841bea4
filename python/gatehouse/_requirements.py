"""Checks an app's ``requirements.txt`` against the interpreter that runs it, without installing anything.

Gatehouse never runs pip: an app's dependencies come from the interpreter's environment (a venv the admin
points ``GATEHOUSE_PYTHON`` at, or Debian packages such as ``python3-requests``). A requirement that is not
installed there fails the load, naming it with a one-line hint. Versions are compared for the release
numbers only (``==``, ``!=``, ``<``, ``<=``, ``>``, ``>=``, ``~=``) and a mismatch is a warning, not a failure.
``viktor`` (and ``gatehouse``) are provided by this SDK: seed apps keep their requirements file unchanged.

    python3 -m gatehouse._worker --check-requirements requirements.txt [--json]
"""

from __future__ import annotations

import importlib.metadata
import importlib.util
import re
import sys
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

PROVIDED = {"viktor": "Gatehouse's SDK (import gatehouse as vkt)", "gatehouse": "Gatehouse's SDK"}
_NAME = re.compile(r"\s*([A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?)\s*(\[[^\]]*\])?\s*(.*)")
_SPECIFIER = re.compile(r"\s*(~=|===|==|!=|<=|>=|<|>)\s*([^\s,;]+)\s*")
_RELEASE = re.compile(r"v?(\d+(?:\.\d+)*)(?:\.\*)?")


@dataclass
class Requirement:
    line: int
    text: str
    name: str
    specifiers: list[tuple[str, str]] = field(default_factory=list)


@dataclass
class Missing:
    line: int
    name: str
    requirement: str
    hint: str


@dataclass
class Report:
    file: str
    interpreter: str
    missing: list[Missing] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    provided: list[str] = field(default_factory=list)
    #: Lines not checked (options, URLs, local paths, environment markers), with why.
    unchecked: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.missing

    def to_json(self) -> dict[str, Any]:
        return {"ok": self.ok, **asdict(self), "loadError": self.load_error() if self.missing else None}

    def load_error(self) -> str:
        first = self.missing[0]
        more = (
            f" (also missing: {', '.join(m.name for m in self.missing[1:])})" if len(self.missing) > 1 else ""
        )
        return (
            f"{Path(self.file).name}:{first.line}: {first.name} is not installed for {self.interpreter}{more}; "
            f"{first.hint}"
        )


def normalize(name: str) -> str:
    """PEP 503 name normalisation: case and runs of ``-_.`` do not matter."""
    return re.sub(r"[-_.]+", "-", name).lower()


def missing_module_hint(name: str) -> str:
    """One line saying how to make ``name`` importable for the interpreter that runs apps."""
    top = name.split(".")[0]
    return (
        f"install it for {sys.executable} ({sys.executable} -m pip install {top}, or Debian's package "
        f"python3-{normalize(top)}), or set GATEHOUSE_PYTHON to an interpreter that has it"
    )


def _logical_lines(text: str) -> list[tuple[int, str]]:
    """Lines with comments removed and backslash continuations joined, numbered by where they start."""
    lines: list[tuple[int, str]] = []
    pending, start = "", 0
    for number, raw in enumerate(text.splitlines(), start=1):
        line = re.sub(r"(^|\s)#.*$", "", raw).rstrip()
        if not pending:
            start = number
        if line.endswith("\\"):
            pending += line[:-1] + " "
            continue
        pending += line
        if pending.strip():
            lines.append((start, pending.strip()))
        pending = ""
    if pending.strip():
        lines.append((start, pending.strip()))
    return lines


def parse(text: str) -> tuple[list[Requirement], list[str]]:
    """The requirements of a file, and the lines left unchecked (with why)."""
    requirements: list[Requirement] = []
    unchecked: list[str] = []
    for number, line in _logical_lines(text):
        if line.startswith("-"):
            unchecked.append(f"line {number}: option {line.split()[0]} (not checked)")
            continue
        requirement = line.split(" --", 1)[0].strip()  # per-requirement options such as --hash=…
        match = _NAME.fullmatch(requirement)
        if match is None or "://" in requirement.split("@", 1)[0] or requirement.startswith((".", "/")):
            unchecked.append(f"line {number}: {line} (not a requirement by name; not checked)")
            continue
        name, _, rest = match.groups()
        if ";" in rest:
            unchecked.append(f"line {number}: {line} (has an environment marker; not checked)")
            continue
        if rest.startswith("@"):
            requirements.append(Requirement(number, requirement, name))
            continue
        specifiers = [(m.group(1), m.group(2)) for m in _SPECIFIER.finditer(rest.replace(",", " "))]
        requirements.append(Requirement(number, requirement, name, specifiers))
    return requirements, unchecked


def _release(version: str) -> tuple[int, ...] | None:
    match = _RELEASE.match(version.strip())
    return tuple(int(part) for part in match.group(1).split(".")) if match else None


def _satisfies(installed: tuple[int, ...], operator: str, wanted_text: str) -> bool | None:
    """Whether the installed release numbers meet one specifier; None when that cannot be told."""
    wanted = _release(wanted_text)
    if wanted is None:
        return None
    width = max(len(installed), len(wanted))
    have, want = installed + (0,) * (width - len(installed)), wanted + (0,) * (width - len(wanted))
    if wanted_text.endswith(".*"):
        prefix = installed[: len(wanted)] + (0,) * max(0, len(wanted) - len(installed))
        equal = prefix == wanted
        return equal if operator == "==" else (not equal if operator == "!=" else None)
    if operator == "~=":
        return have >= want and installed[: len(wanted) - 1] == wanted[:-1] if len(wanted) > 1 else None
    comparisons = {
        "==": have == want,
        "===": have == want,
        "!=": have != want,
        "<": have < want,
        "<=": have <= want,
        ">": have > want,
        ">=": have >= want,
    }
    return comparisons.get(operator)


def _installed_version(name: str) -> str | None:
    try:
        return importlib.metadata.version(name)
    except importlib.metadata.PackageNotFoundError:
        pass
    # An environment without metadata for it: the module being importable is enough.
    module = normalize(name).replace("-", "_")
    try:
        return "" if importlib.util.find_spec(module) is not None else None
    except (ImportError, ValueError):
        return None


def check_text(text: str, file: str = "requirements.txt") -> Report:
    requirements, unchecked = parse(text)
    report = Report(file=file, interpreter=sys.executable, unchecked=unchecked)
    for requirement in requirements:
        key = normalize(requirement.name)
        if key in PROVIDED:
            report.provided.append(f"{requirement.name}: provided by {PROVIDED[key]}")
            continue
        version = _installed_version(requirement.name)
        if version is None:
            report.missing.append(
                Missing(
                    requirement.line,
                    requirement.name,
                    requirement.text,
                    missing_module_hint(requirement.name),
                )
            )
            continue
        installed = _release(version) if version else None
        for operator, wanted in requirement.specifiers:
            verdict = _satisfies(installed, operator, wanted) if installed is not None else None
            if verdict is False:
                report.warnings.append(
                    f"line {requirement.line}: {requirement.name} {version} is installed; "
                    f"the app asks for {operator}{wanted}"
                )
    return report


def check_file(path: Path) -> Report:
    return check_text(path.read_text(encoding="utf-8", errors="replace"), str(path))


def format_report(report: Report) -> str:
    lines = [
        f"{report.file}: {'ok' if report.ok else f'{len(report.missing)} missing'} ({report.interpreter})"
    ]
    lines += [f"  missing, line {m.line}: {m.name}: {m.hint}" for m in report.missing]
    lines += [f"  warning, {warning}" for warning in report.warnings]
    lines += [f"  {provided}" for provided in report.provided]
    lines += [f"  {line}" for line in report.unchecked]
    return "\n".join(lines)
