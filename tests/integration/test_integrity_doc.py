"""docs/integrity.md names the tests that keep each promise: every one it names exists."""

from __future__ import annotations

import ast
import re

from support.builders import ROOT

DOC = (ROOT / "docs" / "integrity.md").read_text(encoding="utf-8")
TESTS = ROOT / "tests"


def named_tests() -> list[tuple[str, str | None]]:
    """(file, test) for every `dir/test_x.py::test_y`, `::test_z` (the last file named) and `dir/test_x.py`."""
    found, current = [], None
    for path, name in re.findall(r"`((?:unit|integration|e2e)/test_\w+\.py)?(?:::(\w+))?`", DOC):
        if path:
            current = path
        if path or name:
            found.append((current, name or None))
    return found


def test_every_test_the_promises_name_exists():
    names = named_tests()
    assert len(names) > 40
    for path, name in names:
        file = TESTS / path
        assert file.is_file(), path
        if name is not None:
            functions = {node.name for node in ast.walk(ast.parse(file.read_text(encoding="utf-8")))
                         if isinstance(node, (ast.FunctionDef, ast.ClassDef))}  # a test or a test class
            assert name in functions, f"{path}::{name}"
