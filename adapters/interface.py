"""The interface's language: the one `poa` speaks in its help, messages and refusals (docs/languages.md).

Not the report's language (`poa.domain.catalogue.use_language`, the labels of the
report, Spanish by default): the interface's is `--lang` or ``POA_LANG`` when given,
else Spanish when the locale says so (the first of ``LC_ALL``, ``LC_MESSAGES``,
``LANG`` that is set starts with ``es``), else English. The CLI sets it once per run
(`use_interface`); everything it says goes through `_` and `ngettext`.

Messages are gettext catalogues whose msgids are the English texts (locale/es/LC_MESSAGES/
poa.po, compiled to poa.mo); English needs no catalogue. They hold click's own texts too
("Usage:", "Missing option"...): `install_in_click` makes click's ``_`` and ``ngettext``
resolve through this module instead of the stdlib's process-wide ``gettext.gettext``.

Marking: ``_("...")`` translates now, ``N_("...")`` only marks a text translated later,
``ngettext(singular, plural, n)`` for counts; placeholders are named (``{plan}``). The
help texts (docstrings, ``help=``) are msgids as written and are translated when
printed (cli/common.py). The layers below the CLI mark their refusals the same way: the
adapters with this module's functions, the domain with `poa.domain.messages`' (it imports
no adapter), into which this module installs its own when imported. Extraction (every
marked text, every help text, click's):

    python -m poa.cli.reference --pot > poa.pot

whose code part is what ``pybabel extract --no-default-keywords -k _ -k N_ -k ngettext:1,2
cli adapters domain projections`` finds (`marked_in_code`); then ``pybabel update -i poa.pot -d
adapters/locale -D poa -l es --no-fuzzy-matching`` and ``pybabel compile -d adapters/locale
-D poa -l es``.
"""

from __future__ import annotations

import gettext
import os
from collections.abc import Iterable, Iterator, Mapping, Sequence
from functools import lru_cache
from pathlib import Path

from poa.domain import messages as domain_messages
from poa.domain.languages import LANGUAGES
from poa.domain.scoped import ScopedChoice

ENGLISH = "en"  # the msgids' language: no catalogue
DOMAIN = "poa"
LOCALEDIR = Path(__file__).resolve().parent / "locale"
LOCALE_VARIABLES = ("LC_ALL", "LC_MESSAGES", "LANG")  # gettext's order, LANGUAGE aside
KEYWORDS = {"_": None, "N_": None, "ngettext": (1, 2)}  # how texts are marked, for extraction

_interface = ScopedChoice("language", LANGUAGES, ENGLISH)
interface_language = _interface.get  # the language the interface speaks now: English unless the CLI says otherwise
use_interface = _interface.use  # speak a language (None: the current one) inside a block


def from_locale(environ: Mapping[str, str] = os.environ) -> str:
    """Spanish when the first of LC_ALL, LC_MESSAGES, LANG that is set starts with "es"; else English."""
    for name in LOCALE_VARIABLES:
        if environ.get(name):
            return "es" if environ[name].lower().startswith("es") else ENGLISH
    return ENGLISH


def asked(args: Sequence[str], environ: Mapping[str, str] = os.environ) -> str | None:
    """The language `--lang X` (or `--lang=X`) in `args`, else ``POA_LANG``, when it is one of
    `LANGUAGES`; None otherwise (an invalid value is click's to refuse)."""
    given = environ.get("POA_LANG")
    for n, arg in enumerate(args):
        if arg == "--":
            break
        if arg == "--lang" and n + 1 < len(args):
            given = args[n + 1]
        elif arg.startswith("--lang="):
            given = arg.partition("=")[2]
    return given if given in LANGUAGES else None


def chosen(args: Sequence[str], environ: Mapping[str, str] = os.environ) -> str:
    """The interface's language for a run with these arguments and this environment."""
    return asked(args, environ) or from_locale(environ)


@lru_cache(maxsize=None)
def translation(lang: str) -> gettext.NullTranslations:
    """The catalogue of `lang` (English: none, every msgid is its own text)."""
    return gettext.translation(DOMAIN, LOCALEDIR, languages=[lang], fallback=True)


def translate(msgid: str) -> str:
    """`msgid` in the interface's language (imported as ``_``: ``from poa.adapters.interface import
    translate as _``)."""
    return translation(_interface.get()).gettext(msgid)


_ = translate


def N_(msgid: str) -> str:
    """Mark `msgid` for the catalogue without translating it now (it is translated where shown)."""
    return msgid


def ngettext(singular: str, plural: str, n: int) -> str:
    """The form of `singular`/`plural` for the count `n`, in the interface's language."""
    return translation(_interface.get()).ngettext(singular, plural, n)


domain_messages.install(translate, ngettext)  # the domain's refusals in the interface's language too


def install_in_click() -> None:
    """Make click say its own texts through this module's catalogue.

    click's modules call ``gettext.gettext``/``gettext.ngettext`` imported under the names
    ``_`` and ``ngettext`` (the stdlib's global domain, chosen from the environment): each of
    those names is rebound to this module's functions, which are the same in English."""
    import importlib

    for name in ("core", "decorators", "exceptions", "formatting", "parser", "types", "utils", "termui",
                 "shell_completion"):
        module = importlib.import_module(f"click.{name}")
        if getattr(module, "_", None) is gettext.gettext:
            module._ = _
        if getattr(module, "ngettext", None) is gettext.ngettext:
            module.ngettext = ngettext


# -- extraction ----------------------------------------------------------------------------


def marked(paths: Iterable[Path]) -> Iterator[tuple[str | tuple[str, str], str]]:
    """The texts marked with `KEYWORDS` in these Python files: (msgid, or (singular, plural); file)."""
    from babel.messages.extract import extract

    for path in paths:
        with open(path, "rb") as source:
            for _lineno, message, _comments, _context in extract("python", source, KEYWORDS):
                yield message, f"{path.parent.name}/{path.name}"


CODE_PACKAGES = ("poa.cli", "poa.adapters", "poa.domain", "poa.projections")  # whose Python files mark texts


def marked_in_code() -> Iterator[tuple[str | tuple[str, str], str]]:
    """The texts marked in `poa`'s own code: every Python file of cli/, adapters/ (this module
    included), domain/ and projections/ (which mark with `poa.domain.messages`, as the domain)."""
    import importlib

    for name in CODE_PACKAGES:
        folder = Path(importlib.import_module(name).__file__).parent
        yield from marked(sorted(folder.glob("*.py")))


def click_messages() -> Iterator[tuple[str | tuple[str, str], str]]:
    """click's own texts, as its installed modules mark them (``_``, ``ngettext``)."""
    import click

    yield from marked(sorted(Path(click.__file__).parent.glob("*.py")))


def template(messages: Iterable[tuple[str | tuple[str, str], str]]):
    """The catalogue template (POT, a Babel `Catalog`) of these (message, where) pairs: `where` is a
    file (a location) or, with a space, a description (``poa report --help``: a comment)."""
    from babel.messages.catalog import Catalog

    catalog = Catalog(project="poa-ledger", domain=DOMAIN, fuzzy=False)
    for message, where in messages:
        if " " in where:  # a help text: never filled in with %, whatever % it holds ("% execution")
            catalog.add(message, auto_comments=[where]).flags.discard("python-format")
        else:
            catalog.add(message, locations=[(where, None)])
    return catalog
