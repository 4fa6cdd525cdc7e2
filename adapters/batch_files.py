"""Batch files for `poa apply`: YAML or JSON, read strictly and within bounds.

Every scalar is read as the text written (YAML: only null and true/false are
recognised, as in YAML 1.2; JSON: numbers are kept as their text), so numbers,
codes and dates are parsed, with their file, entry and field, by the entry
parser. Refused while reading: duplicate keys, YAML anchors, aliases and tags
other than the plain ones, JSON NaN/Infinity, nesting deeper than `MAX_DEPTH`,
files larger than `MAX_BYTES` or that are not regular files, and strings that
UTF-8 cannot encode (lone surrogates).
"""

from __future__ import annotations

import json
import os
import re
import stat
import sys

import yaml
from attrs import frozen

from poa.domain.values import CODE_MAX, LONE_SURROGATE, preview, subfield

MAX_BYTES = 64 * 1024 * 1024
MAX_DEPTH = 32  # nested mappings and lists


class BatchFileError(Exception):
    """A batch file that cannot be read or is not shaped like a batch."""


# -- YAML --------------------------------------------------------------------------


class _Refusal(yaml.MarkedYAMLError):
    """Well-formed YAML this reader refuses (an alias, a duplicate key, ...)."""

    def __init__(self, problem: str, mark):
        super().__init__(problem=problem, problem_mark=mark)


class _StrictLoader(yaml.SafeLoader):
    """Every plain scalar a string but null and true/false (YAML 1.2); no anchors, aliases,
    duplicate keys, non-scalar keys, tags other than str/null/bool/seq/map, or deep nesting."""

    yaml_implicit_resolvers: dict = {}
    yaml_constructors: dict = {}

    def __init__(self, stream):
        super().__init__(stream)
        self.depth = 0

    def compose_node(self, parent, index):
        event = self.peek_event()
        if isinstance(event, yaml.AliasEvent) or event.anchor is not None:
            raise _Refusal("anchors and aliases (&name, *name) are not allowed; write each value out", event.start_mark)
        nested = isinstance(event, (yaml.SequenceStartEvent, yaml.MappingStartEvent))
        self.depth += nested
        if self.depth > MAX_DEPTH:
            raise _Refusal(f"nested more than {MAX_DEPTH} levels deep", event.start_mark)
        try:
            return super().compose_node(parent, index)
        finally:
            self.depth -= nested

    def construct_mapping(self, node, deep=False):
        mapping = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode):
                raise _Refusal("a key must be a plain value, not a list or a mapping", key_node.start_mark)
            key = self.construct_object(key_node, deep=deep)
            if key in mapping:
                raise _Refusal(f"duplicate key {preview(key)}: each key may appear once", key_node.start_mark)
            mapping[key] = self.construct_object(value_node, deep=deep)
        return mapping

    def construct_yaml_bool(self, node):
        text = self.construct_scalar(node)
        if text not in ("true", "True", "TRUE", "false", "False", "FALSE"):
            raise _Refusal(f"not a boolean: {preview(text)}", node.start_mark)
        return text.lower() == "true"

    def construct_undefined(self, node):
        raise _Refusal(f"the tag {preview(node.tag)} is not allowed", node.start_mark)


_StrictLoader.add_implicit_resolver("tag:yaml.org,2002:null", re.compile(r"^(?:~|null|Null|NULL|)$"), ["~", "n", "N", ""])
_StrictLoader.add_implicit_resolver(
    "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
)
for _tag, _constructor in (
    ("tag:yaml.org,2002:null", _StrictLoader.construct_yaml_null),
    ("tag:yaml.org,2002:bool", _StrictLoader.construct_yaml_bool),
    ("tag:yaml.org,2002:str", _StrictLoader.construct_yaml_str),
    ("tag:yaml.org,2002:seq", _StrictLoader.construct_yaml_seq),
    ("tag:yaml.org,2002:map", _StrictLoader.construct_yaml_map),
    (None, _StrictLoader.construct_undefined),
):
    _StrictLoader.add_constructor(_tag, _constructor)


# -- JSON --------------------------------------------------------------------------


class _Duplicated(dict):
    """A JSON object with a repeated key: refused, with its place, once the document is read."""

    def __init__(self, pairs, key):
        super().__init__(pairs)
        self.key = key


class _Constant(str):
    """NaN, Infinity or -Infinity: not numbers a batch may hold."""


def _json_object(pairs: list) -> dict:
    mapping = dict(pairs)
    if len(mapping) < len(pairs):
        seen = set()
        repeated = next(key for key, _ in pairs if key in seen or seen.add(key))
        return _Duplicated(pairs, repeated)
    return mapping


def _load_json(text: str):
    return json.loads(text, parse_float=str, parse_int=str, parse_constant=_Constant, object_pairs_hook=_json_object)


# -- both ----------------------------------------------------------------------------


def _check(data: object, source: str) -> None:
    """Refuse what no entry may hold, naming where: deep nesting, JSON's repeated keys and
    non-finite numbers, strings UTF-8 cannot encode (keys included)."""

    def refuse(path: list, problem: str):
        return BatchFileError(f"{source}: {_where(path)}{problem}")

    def walk(value: object, path: list, depth: int) -> None:
        if isinstance(value, (dict, list)):
            if depth >= MAX_DEPTH:
                raise refuse(path, f"nested more than {MAX_DEPTH} levels deep")
            if isinstance(value, _Duplicated):
                raise refuse(path, f"duplicate key {preview(value.key)}: each key may appear once")
            items = value.items() if isinstance(value, dict) else enumerate(value)
            for key, item in items:
                if isinstance(key, str) and LONE_SURROGATE.search(key):
                    raise refuse(path, f"the key {preview(key)} holds a lone surrogate, which UTF-8 cannot encode")
                walk(item, [*path, key], depth + 1)
        elif isinstance(value, _Constant):
            raise refuse(path, f"{value} is not a number a batch may hold")
        elif isinstance(value, str) and LONE_SURROGATE.search(value):
            raise refuse(path, f"{preview(value)} holds a lone surrogate, which UTF-8 cannot encode")

    walk(data, [], 0)


def _where(path: list) -> str:
    """``entry 3 (progress): field 'note': `` for a batch's entries, else ``field 'a.b[2]': ``."""
    if len(path) >= 2 and path[0] == "entries" and isinstance(path[1], int):
        where = f"entry {path[1] + 1}" + (f" ({subfield(None, path[2])})" if len(path) > 2 else "")
        rest = path[3:]
        return f"{where}: " + (f"field '{_dotted(rest)}': " if rest else "")
    return f"field '{_dotted(path)}': " if path else ""


def _dotted(path: list) -> str:
    field = None
    for part in path:
        field = f"{field or ''}[{part + 1}]" if isinstance(part, int) else subfield(field, part)
    return field or ""


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
        data = _load_json(text) if json_format else yaml.load(text, Loader=_StrictLoader)  # noqa: S506 - strict SafeLoader
    except json.JSONDecodeError as error:
        raise BatchFileError(f"{source}: malformed JSON at line {error.lineno}, column {error.colno}: {error.msg}") from None
    except RecursionError:
        raise BatchFileError(f"{source}: nested more than {MAX_DEPTH} levels deep") from None
    except yaml.reader.ReaderError as error:  # a character YAML does not allow, written as is
        line, column = text.count("\n", 0, error.position) + 1, error.position - text.rfind("\n", 0, error.position)
        raise BatchFileError(f"{source}: malformed YAML at line {line}, column {column}: {error.reason} (#x{error.character:04x})") from None
    except _Refusal as error:
        mark = error.problem_mark
        raise BatchFileError(f"{source}: line {mark.line + 1}, column {mark.column + 1}: {error.problem}") from None
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(error, "problem", None) or str(error)
        raise BatchFileError(f"{source}: malformed YAML{where}: {problem}") from None
    _check(data, source)
    return data


def read_text(path: str) -> tuple[str, str]:
    """The text of a regular file (or of standard input for ``-``), at most `MAX_BYTES`,
    and the name to report it by. FIFOs, devices and directories are refused unopened."""
    if path == "-":
        stdin = getattr(sys.stdin, "buffer", None)
        data = stdin.read(MAX_BYTES + 1) if stdin is not None else sys.stdin.read(MAX_BYTES + 1).encode("utf-8", "surrogatepass")
        return _decoded(data, "<stdin>"), "<stdin>"
    source = path.encode("utf-8", "backslashreplace").decode("utf-8")
    try:
        _regular(os.stat(path), source)
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0))
        with os.fdopen(fd, "rb") as file:
            _regular(os.fstat(fd), source)  # the path may have changed since the stat
            data = file.read(MAX_BYTES + 1)
    except FileNotFoundError:
        raise BatchFileError(f"{source}: no such file") from None
    except OSError as error:
        raise BatchFileError(f"{source}: cannot be read ({error.strerror})") from None
    except ValueError:  # a NUL byte, or a name the file system cannot encode
        raise BatchFileError(f"{source}: not a valid file name") from None
    return _decoded(data, source), source


def _regular(status: os.stat_result, source: str) -> None:
    if stat.S_ISDIR(status.st_mode):
        raise BatchFileError(f"{source}: is a directory, not a batch file")
    if not stat.S_ISREG(status.st_mode):
        raise BatchFileError(f"{source}: not a regular file (a FIFO or a device); use - to read standard input")
    if status.st_size > MAX_BYTES:
        raise BatchFileError(f"{source}: larger than {MAX_BYTES // 2**20} MiB, the most a batch file may hold")


def _decoded(data: bytes, source: str) -> str:
    if len(data) > MAX_BYTES:
        raise BatchFileError(f"{source}: larger than {MAX_BYTES // 2**20} MiB, the most a batch file may hold")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise BatchFileError(f"{source}: not a UTF-8 text file") from None


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
        raise BatchFileError(f"{source}: unknown field {preview(sorted(map(str, unknown))[0])} (expected plan, entries)")
    entries = data.get("entries")
    if not isinstance(entries, list) or not entries:
        raise BatchFileError(f"{source}: field 'entries' must be a non-empty list of entries")
    plan = data.get("plan")
    if plan is not None and (not isinstance(plan, str) or not 0 < len(plan.strip()) <= CODE_MAX):
        raise BatchFileError(f"{source}: field 'plan' must be a plan key such as AN-2020, got {preview(plan)}")
    return Batch(source, plan.strip() if plan else None, entries)
