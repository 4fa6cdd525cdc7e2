"""Batch files for `poa apply`: YAML or JSON, read without losing exactness.

Numbers are read as `Decimal` from their text (never through float), and dates
are kept as text so that an impossible date is reported by the entry parser,
with its file, entry and field, rather than by the YAML library.
"""

from __future__ import annotations

import json
import sys
from decimal import Decimal, InvalidOperation
from pathlib import Path

import yaml
from attrs import frozen


class BatchFileError(Exception):
    """A batch file that cannot be read or is not shaped like a batch."""


class _ExactLoader(yaml.SafeLoader):
    """SafeLoader whose floats are Decimals and whose timestamps stay text."""


def _decimal(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> Decimal | str:
    text = loader.construct_scalar(node)
    try:
        number = Decimal(text.replace("_", ""))
    except InvalidOperation:
        return text  # the entry parser reports it as not a number
    return number if number.is_finite() else text


def _text(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> str:
    return loader.construct_scalar(node)


_ExactLoader.add_constructor("tag:yaml.org,2002:float", _decimal)
_ExactLoader.add_constructor("tag:yaml.org,2002:timestamp", _text)


@frozen
class Batch:
    """The entries of one batch file, with the plan it names (if any)."""

    source: str
    plan: str | None
    entries: list


def parse_text(text: str, source: str, *, json_format: bool | None = None) -> object:
    """The data of a YAML or JSON document (JSON when the name or the text says so)."""
    if json_format is None:
        json_format = source.endswith(".json") or text.lstrip().startswith(("{", "["))
    try:
        if json_format:
            return json.loads(text, parse_float=Decimal)
        return yaml.load(text, Loader=_ExactLoader)  # noqa: S506 - a SafeLoader subclass
    except json.JSONDecodeError as error:
        raise BatchFileError(f"{source}: malformed JSON at line {error.lineno}, column {error.colno}: {error.msg}") from None
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(error, "problem", None) or str(error)
        raise BatchFileError(f"{source}: malformed YAML{where}: {problem}") from None


def read_text(path: str) -> tuple[str, str]:
    """The text of a file (or of standard input for ``-``) and the name to report it by."""
    if path == "-":
        return sys.stdin.read(), "<stdin>"
    file = Path(path)
    if not file.exists():
        raise BatchFileError(f"{path}: no such file")
    if file.is_dir():
        raise BatchFileError(f"{path}: is a directory, not a batch file")
    try:
        return file.read_text(encoding="utf-8"), path
    except UnicodeDecodeError:
        raise BatchFileError(f"{path}: not a UTF-8 text file") from None
    except OSError as error:
        raise BatchFileError(f"{path}: cannot be read ({error.strerror})") from None


def read_data(path: str) -> tuple[object, str]:
    text, source = read_text(path)
    return parse_text(text, source), source


def read_batch(path: str) -> Batch:
    """A batch file: ``{plan: KEY, entries: [...]}``."""
    data, source = read_data(path)
    if not isinstance(data, dict):
        raise BatchFileError(f"{source}: a batch is a mapping with 'plan' and 'entries'")
    unknown = set(data) - {"plan", "entries"}
    if unknown:
        raise BatchFileError(f"{source}: unknown field '{sorted(map(str, unknown))[0]}' (expected plan, entries)")
    entries = data.get("entries")
    if not isinstance(entries, list) or not entries:
        raise BatchFileError(f"{source}: field 'entries' must be a non-empty list of entries")
    plan = data.get("plan")
    if plan is not None and not isinstance(plan, str):
        plan = str(plan)
    return Batch(source, plan, entries)
