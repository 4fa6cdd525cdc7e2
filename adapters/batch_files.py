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

from poa.domain.values import CODE_MAX, LONE_SURROGATE, field_said, preview, subfield

from .interface import translate as _

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
            raise _Refusal(_("anchors and aliases (&name, *name) are not allowed; write each value out"), event.start_mark)
        nested = isinstance(event, (yaml.SequenceStartEvent, yaml.MappingStartEvent))
        self.depth += nested
        if self.depth > MAX_DEPTH:
            raise _Refusal(_("nested more than {depth} levels deep").format(depth=MAX_DEPTH), event.start_mark)
        try:
            return super().compose_node(parent, index)
        finally:
            self.depth -= nested

    def construct_mapping(self, node, deep=False):
        mapping = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode):
                raise _Refusal(_("a key must be a plain value, not a list or a mapping"), key_node.start_mark)
            key = self.construct_object(key_node, deep=deep)
            if key in mapping:
                raise _Refusal(_("duplicate key {key}: each key may appear once").format(key=preview(key)), key_node.start_mark)
            mapping[key] = self.construct_object(value_node, deep=deep)
        return mapping

    def construct_yaml_bool(self, node):
        text = self.construct_scalar(node)
        if text not in ("true", "True", "TRUE", "false", "False", "FALSE"):
            raise _Refusal(_("not a boolean: {value}").format(value=preview(text)), node.start_mark)
        return text.lower() == "true"

    def construct_undefined(self, node):
        raise _Refusal(_("the tag {tag} is not allowed").format(tag=preview(node.tag)), node.start_mark)


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

    def walk(value: object, path: list, depth: int) -> None:  # `path`: the keys down to `value`, one list for the walk
        if isinstance(value, (dict, list)):
            if depth >= MAX_DEPTH:
                raise refuse(path, _("nested more than {depth} levels deep").format(depth=MAX_DEPTH))
            if isinstance(value, _Duplicated):
                raise refuse(path, _("duplicate key {key}: each key may appear once").format(key=preview(value.key)))
            items = value.items() if isinstance(value, dict) else enumerate(value)
            for key, item in items:
                if isinstance(key, str) and _holds_surrogate(key):
                    raise refuse(path, _("the key {key} holds a lone surrogate, which UTF-8 cannot encode").format(key=preview(key)))
                path.append(key)
                walk(item, path, depth + 1)
                path.pop()
        elif isinstance(value, _Constant):
            raise refuse(path, _("{value} is not a number a batch may hold").format(value=value))
        elif isinstance(value, str) and _holds_surrogate(value):
            raise refuse(path, _("{value} holds a lone surrogate, which UTF-8 cannot encode").format(value=preview(value)))

    walk(data, [], 0)


def _holds_surrogate(text: str) -> bool:
    return not text.isascii() and LONE_SURROGATE.search(text) is not None


def _where(path: list) -> str:
    """``entry 3 (progress): field 'note': `` for a batch's entries, else ``field 'a.b[2]': ``."""
    if len(path) >= 2 and path[0] == "entries" and isinstance(path[1], int):
        where = entry_said(path[1] + 1) + (f" ({subfield(None, path[2])})" if len(path) > 2 else "")
        rest = path[3:]
        return f"{where}: " + (f"{field_said(_dotted(rest))}: " if rest else "")
    return f"{field_said(_dotted(path))}: " if path else ""


def entry_said(number: int) -> str:
    """An entry of a batch as messages name it: ``entry 3``."""
    return _("entry {number}").format(number=number)


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
        raise BatchFileError(
            _("{source}: malformed JSON at line {line}, column {column}: {problem}").format(
                source=source, line=error.lineno, column=error.colno, problem=error.msg
            )
        ) from None
    except RecursionError:
        raise BatchFileError(f"{source}: " + _("nested more than {depth} levels deep").format(depth=MAX_DEPTH)) from None
    except yaml.reader.ReaderError as error:  # a character YAML does not allow, written as is
        line, column = text.count("\n", 0, error.position) + 1, error.position - text.rfind("\n", 0, error.position)
        raise BatchFileError(
            _("{source}: malformed YAML at line {line}, column {column}: {problem}").format(
                source=source, line=line, column=column, problem=f"{error.reason} (#x{error.character:04x})"
            )
        ) from None
    except _Refusal as error:
        mark = error.problem_mark
        raise BatchFileError(
            _("{source}: line {line}, column {column}: {problem}").format(
                source=source, line=mark.line + 1, column=mark.column + 1, problem=error.problem
            )
        ) from None
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        problem = getattr(error, "problem", None) or str(error)  # PyYAML's own words: English
        if mark:
            said = _("{source}: malformed YAML at line {line}, column {column}: {problem}").format(
                source=source, line=mark.line + 1, column=mark.column + 1, problem=problem
            )
        else:
            said = _("{source}: malformed YAML: {problem}").format(source=source, problem=problem)
        raise BatchFileError(said) from None
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
        raise BatchFileError(_("{source}: no such file").format(source=source)) from None
    except OSError as error:
        raise BatchFileError(_("{source}: cannot be read ({reason})").format(source=source, reason=error.strerror)) from None
    except ValueError:  # a NUL byte, or a name the file system cannot encode
        raise BatchFileError(_("{source}: not a valid file name").format(source=source)) from None
    return _decoded(data, source), source


def _regular(status: os.stat_result, source: str) -> None:
    if stat.S_ISDIR(status.st_mode):
        raise BatchFileError(_("{source}: is a directory, not a batch file").format(source=source))
    if not stat.S_ISREG(status.st_mode):
        raise BatchFileError(
            _("{source}: not a regular file (a FIFO or a device); use - to read standard input").format(source=source)
        )
    if status.st_size > MAX_BYTES:
        raise _too_large(source)


def _too_large(source: str) -> BatchFileError:
    return BatchFileError(
        _("{source}: larger than {size} MiB, the most a batch file may hold").format(source=source, size=MAX_BYTES // 2**20)
    )


def _decoded(data: bytes, source: str) -> str:
    if len(data) > MAX_BYTES:
        raise _too_large(source)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise BatchFileError(_("{source}: not a UTF-8 text file").format(source=source)) from None


def read_data(path: str) -> tuple[object, str]:
    text, source = read_text(path)
    return parse_text(text, source), source


def read_batch(path: str) -> Batch:
    """A batch file: ``{plan: KEY, entries: [...]}``."""
    data, source = read_data(path)
    if not isinstance(data, dict):
        raise BatchFileError(_("{source}: a batch is a mapping with 'plan' and 'entries'").format(source=source))
    unknown = set(data) - {"plan", "entries"}
    if unknown:
        raise BatchFileError(
            _("{source}: unknown field {field} (expected plan, entries)").format(
                source=source, field=preview(sorted(map(str, unknown))[0])
            )
        )
    entries = data.get("entries")
    if not isinstance(entries, list) or not entries:
        raise BatchFileError(
            _("{source}: {field} must be a non-empty list of entries").format(source=source, field=field_said("entries"))
        )
    plan = data.get("plan")
    if plan is not None and (not isinstance(plan, str) or not 0 < len(plan.strip()) <= CODE_MAX):
        raise BatchFileError(
            _("{source}: {field} must be a plan key such as AN-2020, got {value}").format(
                source=source, field=field_said("plan"), value=preview(plan)
            )
        )
    return Batch(source, plan.strip() if plan else None, entries)
