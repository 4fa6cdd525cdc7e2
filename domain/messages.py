"""The domain's words to people — refusals of entries and of commands — in the interface's language.

The domain does no I/O and imports no adapter, so it cannot choose a language or
read a catalogue: it marks what it says with `_` (or `ngettext` for a count), whose
msgids are the English texts with named placeholders filled in after the
translation, and whoever shows the messages installs the translation (`install`):
adapters/interface.py does when it is imported, with its own `_` and `ngettext`
(the interface's language, its catalogue; docs/languages.md). Until then every
msgid is its own text, with the English plural rule.

    raise EntryError(field, _("must be at most {maximum}, got {value}").format(maximum=..., value=...))

Identifiers — field names, codes, kinds such as ``progress``, option names — stay
outside the translated words, as placeholders. A message is translated when it is
made: in the language in force where the error is raised.
"""

from __future__ import annotations

from collections.abc import Callable

Gettext = Callable[[str], str]
Ngettext = Callable[[str, str, int], str]


def english(msgid: str) -> str:
    """The msgid itself: English."""
    return msgid


def english_plural(singular: str, plural: str, n: int) -> str:
    """English's plural rule: the singular for 1, the plural otherwise."""
    return singular if n == 1 else plural


_gettext: Gettext = english
_ngettext: Ngettext = english_plural


def install(gettext_function: Gettext | None = None, ngettext_function: Ngettext | None = None) -> None:
    """Translate the domain's messages with these functions from now on (None: English again)."""
    global _gettext, _ngettext
    _gettext = gettext_function or english
    _ngettext = ngettext_function or english_plural


def translate(msgid: str) -> str:
    """`msgid` in the language installed (English: itself; imported as ``_``)."""
    return _gettext(msgid)


_ = translate


def N_(msgid: str) -> str:
    """Mark `msgid` for the catalogue without translating it now (it is translated where said)."""
    return msgid


def ngettext(singular: str, plural: str, n: int) -> str:
    """The form of `singular`/`plural` for the count `n`, in the language installed."""
    return _ngettext(singular, plural, n)
