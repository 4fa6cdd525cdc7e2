"""The interface's message catalogue (adapters/interface.py, adapters/locale/es/LC_MESSAGES/poa.po):
compiled, complete, nothing left over, the same placeholders; and how the language is chosen.

The catalogue holds what the CLI says (cli/) and what the layers below it say: the refusals of
adapters/ (use-cases, batch files, stores, the Merkle log, digests, packages, the read model) and of
domain/ (entries, rules, commands), which the domain marks with `poa.domain.messages` and the
interface translates once installed there; projections/ would mark the same way, and is extracted too.

Left-over translations fail rather than warn: a msgid no longer used is almost always a text
that changed in the code, whose new form then shows in English; the failure names both.
"""

from __future__ import annotations

import ast
import functools
import gettext
import importlib
import re
from io import BytesIO
from pathlib import Path

import click
import pytest
from babel.messages.extract import extract_from_dir, extract_from_file
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

import poa.adapters
import poa.cli
import poa.domain
import poa.projections
from poa.adapters import interface
from poa.adapters.interface import translate as _, chosen, ngettext, use_interface
from poa.cli.reference import help_texts, messages
from poa.domain import messages as domain_messages
from poa.domain.catalogue import KIND_ARTICLES
from poa.domain.structure import KINDS_SAID, kind_said

CATALOGUE = interface.LOCALEDIR / "es" / "LC_MESSAGES"
KEYWORDS = {"_": None, "N_": None, "ngettext": (1, 2)}
PLACEHOLDER = re.compile(r"\{[^{}]*\}|%\([^)]*\)[sd]")


def spanish():
    with open(CATALOGUE / "poa.po", "rb") as po:
        return read_po(po, locale="es", domain="poa")


@functools.cache  # the sources do not change during the run: each folder is extracted once
def marked_in(directory: Path) -> frozenset:
    """The msgids marked with _, N_ or ngettext in a folder's Python files (plurals: their singular)."""
    found = extract_from_dir(directory, method_map=[("*.py", "python")], keywords=KEYWORDS)
    return frozenset(message[0] if isinstance(message, tuple) else message for _file, _line, message, _c, _ctx in found)


FOLDERS = {"cli": poa.cli, "adapters": poa.adapters, "domain": poa.domain, "projections": poa.projections}  # whose code marks texts


def marked_in_code(folder: str | None = None) -> set:
    """The msgids marked in one folder of the code (None: cli/, adapters/, domain/ and projections/)."""
    if folder is not None:
        return marked_in(Path(FOLDERS[folder].__file__).parent)
    return set().union(*(marked_in_code(name) for name in FOLDERS))


# click's texts it translates through a variable (core.py: `_(extra["required"])`, the text set as
# `extra["required"] = "required"`): Babel before 2.19 extracted the subscript's string as if marked
CLICKS_BY_VARIABLE = frozenset({"required"})


def clicks_own() -> set:
    return marked_in(Path(click.__file__).parent) | CLICKS_BY_VARIABLE


def shown_as_help() -> set:
    return {text for text, _command in help_texts()}


def translated(message) -> bool:
    strings = message.string if isinstance(message.string, tuple) else (message.string,)
    return all(strings) and not message.fuzzy


def test_the_compiled_catalogue_is_the_po_compiled():
    compiled = BytesIO()
    write_mo(compiled, spanish())
    compiled.seek(0)
    with open(CATALOGUE / "poa.mo", "rb") as mo:
        shipped = gettext.GNUTranslations(mo)

    def translations(catalogue) -> dict:  # the header ('') names the Babel version that compiled it
        return {msgid: text for msgid, text in catalogue._catalog.items() if msgid != ""}

    assert translations(shipped) == translations(gettext.GNUTranslations(compiled)), (
        "poa.mo is stale: pybabel compile -d adapters/locale -D poa -l es"
    )


@pytest.mark.parametrize("source", ["cli", "adapters", "domain", "projections", "help", "click"])
def test_every_text_the_interface_says_has_a_spanish_translation(source):
    needed = marked_in_code(source) if source in FOLDERS else {"help": shown_as_help, "click": clicks_own}[source]()
    catalogue = spanish()
    missing = sorted(msgid for msgid in needed if catalogue.get(msgid) is None or not translated(catalogue.get(msgid)))
    assert not missing, "untranslated (docs/languages.md, 'Adding or fixing a translation'):\n" + "\n".join(missing)


def test_no_translation_is_left_over():
    used = marked_in_code() | shown_as_help() | clicks_own()
    left = sorted(message.id if isinstance(message.id, str) else message.id[0] for message in spanish() if message.id)
    assert not [msgid for msgid in left if msgid not in used], "msgids no text uses any more"


def test_every_translation_has_the_placeholders_of_its_msgid():
    wrong = []
    for message in spanish():
        if not message.id:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        for msgid, msgstr in zip(ids, strings):
            if sorted(PLACEHOLDER.findall(msgid)) != sorted(PLACEHOLDER.findall(msgstr)):
                wrong.append(f"{msgid!r} -> {msgstr!r}")
    assert not wrong, "\n".join(wrong)


def test_the_extraction_collects_the_layers_below_the_cli():
    """`python -m poa.cli.reference --pot` (docs/languages.md) takes the msgids of every module the
    refusals come from, as the tests take them."""
    every = list(messages())
    extracted = {(m[0] if isinstance(m, tuple) else m) for m, where in every if " " not in where}
    assert marked_in_code() <= extracted
    places = {where.split("/")[0] for _m, where in every if " " not in where}
    assert {"cli", "adapters", "domain"} <= places
    assert {str(Path(FOLDERS[name].__file__).parent) for name in FOLDERS} == {
        str(Path(importlib.import_module(name).__file__).parent) for name in interface.CODE_PACKAGES
    }  # the folders extracted are the folders tested
    for module in ("use_cases", "batch_files", "ledger", "sqlite_store", "postgres_store", "store_errors", "merkle_log",
                   "proofs", "evidence", "datapackage", "read_model", "report_pdf", "formats"):
        assert marked_in_code("adapters") & {
            m[0] if isinstance(m, tuple) else m
            for _l, m, _c, _x in extract_from_file("python", Path(poa.adapters.__file__).parent / f"{module}.py", keywords=KEYWORDS)
        }, module


@pytest.mark.parametrize(
    ("msgid", "spanish"),
    [
        ("must be at most {maximum}, got {value}", "debe ser como máximo {maximum}; valor recibido: {value}"),
        ("field '{field}'", "campo '{field}'"),
        ("entry {number}", "asiento {number}"),
        ("unknown plan {key}: it is not in this store", "plan desconocido {key}: no está en este almacén"),
    ],
)
def test_a_refusal_of_the_layers_below_in_each_language(msgid, spanish):
    with use_interface("es"):
        assert _(msgid) == spanish
        assert domain_messages._(msgid) == spanish  # the domain's, through the translation installed
    assert _(msgid) == msgid and domain_messages._(msgid) == msgid


def test_the_domain_speaks_english_until_a_translation_is_installed():
    try:
        domain_messages.install()  # as if no adapter had been imported
        with use_interface("es"):
            assert domain_messages._("is required") == "is required"
            assert domain_messages.ngettext("{count} event", "{count} events", 1) == "{count} event"
            assert domain_messages.ngettext("{count} event", "{count} events", 2) == "{count} events"
    finally:
        domain_messages.install(interface._, interface.ngettext)
    with use_interface("es"):
        assert domain_messages._("is required") == "es obligatorio"


def test_the_standalone_evidence_checker_marks_nothing_and_needs_only_the_standard_library():
    """adapters/evidence_check.py is copied into every evidence package as check_evidence.py and runs
    with Python alone: it imports no gettext catalogue and stays English (docs/languages.md)."""
    path = Path(poa.adapters.__file__).parent / "evidence_check.py"
    assert not list(extract_from_file("python", path, keywords=KEYWORDS))
    imported = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            imported |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom):
            imported.add((node.module or ".").split(".")[0] if not node.level else ".")
    assert imported <= {"__future__", "hashlib", "json", "sys", "zipfile", "pathlib", "os", "re", "io"}, imported


def test_the_domain_imports_no_adapter():
    """domain/ stays pure: the translation is installed from outside (`poa.domain.messages.install`)."""
    for path in Path(poa.domain.__file__).parent.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else (
                [node.module or ""] if isinstance(node, ast.ImportFrom) else []
            )
            assert not [n for n in names if "adapters" in n or n in ("gettext", "click")], path.name


def test_the_kinds_said_in_refusals_are_the_catalogues():
    assert set(KINDS_SAID) == set(KIND_ARTICLES.values())
    with use_interface("es"):
        assert [kind_said(kind) for kind in KIND_ARTICLES] == [
            "una Acción Estratégica Institucional", "una Acción de Corto Plazo", "una operación", "una tarea"
        ]
    assert [kind_said(kind) for kind in KIND_ARTICLES] == list(KIND_ARTICLES.values())


def test_spanish_plurals_follow_the_count():
    singular, plural = "{plan}: {count} entry recorded", "{plan}: {count} entries recorded"
    with use_interface("es"):
        assert ngettext(singular, plural, 1).format(plan="P", count=1) == "P: 1 asiento registrado"
        assert ngettext(singular, plural, 23).format(plan="P", count=23) == "P: 23 asientos registrados"
    assert ngettext(singular, plural, 1).format(plan="P", count=1) == "P: 1 entry recorded"


def test_english_is_the_msgids_and_the_default():
    assert interface.interface_language() == "en"
    assert _("Usage:") == "Usage:"
    with use_interface("es"):
        assert _("Usage:") == "Uso:"
        with use_interface("en"):
            assert _("Usage:") == "Usage:"
    assert _("Usage:") == "Usage:"
    with pytest.raises(ValueError):
        with use_interface("fr"):
            pass


def test_clicks_own_texts_go_through_the_catalogue():
    import poa.cli.common  # noqa: F401 - installs the catalogue in click

    assert click.core._ is interface._ and click.exceptions.ngettext is interface.ngettext


@pytest.mark.parametrize(
    ("args", "environ", "expected"),
    [
        ([], {}, "en"),
        ([], {"LANG": "es_BO.UTF-8"}, "es"),
        ([], {"LANG": "C"}, "en"),
        ([], {"LANG": "C.UTF-8"}, "en"),
        ([], {"LC_MESSAGES": "es_ES.UTF-8", "LANG": "C"}, "es"),
        ([], {"LC_ALL": "C", "LANG": "es_BO.UTF-8"}, "en"),  # gettext's order: LC_ALL first
        ([], {"LC_ALL": "", "LANG": "es_BO.UTF-8"}, "es"),  # an empty variable is unset
        ([], {"POA_LANG": "en", "LANG": "es_BO.UTF-8"}, "en"),
        ([], {"POA_LANG": "es", "LANG": "C"}, "es"),
        (["--lang", "en", "report"], {"POA_LANG": "es"}, "en"),
        (["--lang=es", "report"], {}, "es"),
        (["--lang", "fr", "report"], {"LANG": "es_BO.UTF-8"}, "es"),  # invalid: click refuses it, in the locale's
        (["report", "--", "--lang", "es"], {}, "en"),
    ],
)
def test_how_the_interface_language_is_chosen(args, environ, expected):
    assert chosen(args, environ) == expected

