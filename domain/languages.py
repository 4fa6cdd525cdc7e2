"""The languages texts are shown in: the interface's and the reports' (docs/languages.md).

Apart from the catalogue (domain/catalogue.py, which re-exports these names) so that the entry
point can choose a language without loading every label (docs/design.md, "Start-up").
"""

from __future__ import annotations

from .scoped import ScopedChoice

LANGUAGES = ("es", "en")  # the interface languages: Spanish (the reports' default) and English
DEFAULT_LANGUAGE = "es"
LANGUAGE = ScopedChoice("language", LANGUAGES, DEFAULT_LANGUAGE)
language = LANGUAGE.get  # the language texts are shown in now: Spanish unless said otherwise
use_language = LANGUAGE.use  # every `Label.text` in a language (None: the current one) inside a block
