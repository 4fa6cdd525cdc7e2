"""The title and column headers of `poa plans`'s table, in each interface language.

Apart from the catalogue (domain/catalogue.py, whose `PLANS_TABLE` is made of these) so that listing
the plans loads no other label (docs/design.md, "Start-up").
"""

from __future__ import annotations

from .languages import language

# (Spanish, English), as a catalogue `Label`
PLANS_TITLE = ("POA registrados", "Recorded POAs")
PLANS_HEADERS = (
    ("Plan", "Plan"),
    ("Entidad", "Entity"),
    ("Gestión", "Year"),
    ("Aprobado", "Approved"),
    ("Referencia", "Reference"),
    ("Registrado", "Recorded"),
)


def text(label: tuple[str, str]) -> str:
    """A label's text in the current language (as `Label.text`)."""
    return label[1] if language() == "en" else label[0]
