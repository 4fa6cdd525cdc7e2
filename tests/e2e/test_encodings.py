"""Encodings (issue 12, point 5) through the real console script: whatever the locale says
(PYTHONIOENCODING=cp1252, or the ASCII C locale without UTF-8 mode), every reading command
writes the very UTF-8 bytes it writes under a UTF-8 locale, and a message holding characters
the locale cannot write degrades (escaped) instead of failing: the exit status stays.

Before: `poa export` and `poa prove` wrote their text through the locale's encoding (CSV and
JSON came out in cp1252) and a character cp1252 lacks (≥, Σ, an emoji) ended them with exit
status 1, "unexpected error (UnicodeEncodeError ...)" (a traceback with --debug).

One store for the module, its text holding ≥, —, ñ, Σ and an emoji; each locale's commands
run at the same time (each `poa` start costs some 0.3 s).
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from support.builders import SMALL, batch_text
from support.runners import invoke, poa_command, process_env

TEXT = "Cobertura ≥ 80 % — Σ trámites, niño 😀"
REFERENCE = "Informe Σ — III trimestre ≥ 😀"
KNOWN_AT = "2030-01-01"
VIEW = ("--as-of", "2021-09-30", "--known-at", KNOWN_AT)
EXTRA = batch_text(
    f'result: {{code: 1.1.2, date: 2021-09-30, text: "{TEXT}"}}',
    'justify: {code: 1.1.2, date: 2021-09-30, text: "Demora — Σ ≥ 3 meses 😀"}',
    "publish: {reference: Informe III-2021, issued: 2021-10-10, date: 2021-09-30, "
    "declared: {budget_current: 480000, physical_progress_pct: 56.33}}",
)

COMMANDS = {
    "report table": ("report", "--format", "table", *VIEW),
    "report md": ("report", "--format", "md", *VIEW),
    "report json": ("report", "--format", "json", *VIEW),
    "report csv": ("report", "--format", "csv", "--table", "results", *VIEW),
    "history": ("history",),
    "reports": ("reports",),
    "plans": ("plans",),
    "explain": ("explain", "1.1.2", *VIEW),
    "diff": ("diff", "--from", f"2021-06-30@{KNOWN_AT}", "--to", f"2021-09-30@{KNOWN_AT}"),
    "reconcile": ("reconcile", "--known-at", KNOWN_AT),
    "digest": ("digest",),
    "prove": ("prove", "--event", "24"),  # the result holding TEXT
    "export": ("export", "--what", "facts", "--known-at", KNOWN_AT),
}
LOCALE_SETTINGS = ("LANG", "LANGUAGE", "LC_ALL", "LC_CTYPE", "LC_MESSAGES", "PYTHONIOENCODING", "PYTHONUTF8",
                   "PYTHONCOERCECLOCALE", "COLUMNS", "LINES")
LOCALES = {
    "utf-8": {"LANG": "C.UTF-8", "LC_ALL": "C.UTF-8"},
    "cp1252": {"LANG": "C.UTF-8", "LC_ALL": "C.UTF-8", "PYTHONIOENCODING": "cp1252"},
    "ascii": {"LANG": "C", "LC_ALL": "C", "PYTHONUTF8": "0"},  # LC_ALL set: no coercion to C.UTF-8 either
}


@pytest.fixture(scope="module")
def store(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("encodings")
    (folder / "extra.yaml").write_text(EXTRA, encoding="utf-8")
    db = folder / "poa.db"
    for args in (("apply", str(SMALL), str(folder / "extra.yaml")), ("report", "--as-of", "2021-09-30", "--issue", REFERENCE)):
        made = invoke(*args, "--store", str(db))
        assert made.exit_code == 0, made.output
    return db


def env_of(store: Path, locale: str) -> dict[str, str]:
    base = {k: v for k, v in process_env(store).items() if k not in LOCALE_SETTINGS}
    return {**base, **LOCALES[locale]}


def run_all(store: Path, locale: str, commands: dict[str, tuple]) -> dict[str, subprocess.CompletedProcess]:
    """Every command in its own `poa` process, all started at once, in this locale."""
    env = env_of(store, locale)
    started = {
        name: subprocess.Popen([*poa_command(), *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env,
                               cwd=store.parent)
        for name, args in commands.items()
    }
    done = {}
    for name, process in started.items():
        out, err = process.communicate(timeout=120)
        done[name] = subprocess.CompletedProcess(process.args, process.returncode, out, err)
    return done


@pytest.fixture(scope="module")
def under_utf8(store) -> dict[str, subprocess.CompletedProcess]:
    ran = run_all(store, "utf-8", COMMANDS)
    for name, result in ran.items():
        assert result.returncode == 0, (name, result.stderr.decode("utf-8", "replace"))
    return ran


def test_the_store_holds_text_no_legacy_encoding_can_write(under_utf8):
    for name in ("report md", "report csv", "history", "reports", "prove", "export"):
        assert "😀".encode() in under_utf8[name].stdout or "Σ".encode() in under_utf8[name].stdout, name


@pytest.mark.parametrize("locale", ["cp1252", "ascii"])
def test_every_reading_command_writes_utf8_whatever_the_locale(store, under_utf8, locale):
    ran = run_all(store, locale, COMMANDS)
    for name, result in ran.items():
        shown = f"{name} under {locale}: {result.stderr.decode('utf-8', 'replace')}"
        assert result.returncode == 0, shown
        assert b"Traceback" not in result.stderr, shown
        result.stdout.decode("utf-8")  # strict: UTF-8, not the locale's encoding
        assert result.stdout == under_utf8[name].stdout, shown


@pytest.mark.parametrize("locale", ["utf-8", "cp1252", "ascii"])
def test_a_refusal_with_text_the_locale_cannot_write_keeps_its_status(store, tmp_path, locale):
    bad = tmp_path / "lote.yaml"
    bad.write_text(batch_text('progress: {code: "Σ≥—ñ😀", percent: 10, date: 2021-10-01}'), encoding="utf-8")
    env = {**env_of(store, locale), "POA_STORE": str(tmp_path / "none.db")}  # refused before any store is opened
    result = subprocess.run([*poa_command(), "apply", str(bad)], capture_output=True, env=env, timeout=120)
    err = result.stderr.decode("utf-8", "replace")
    assert result.returncode == 2, err
    assert "Traceback" not in err and "unexpected error" not in err, err
    assert err.startswith("Error: ") and "lote.yaml: entry 1 (progress): field 'code'" in err, err
    assert len(err.strip().splitlines()) == 1, err
    assert result.stdout == b""


def test_a_message_on_standard_output_degrades_instead_of_failing(store, tmp_path):
    """Under PYTHONIOENCODING=cp1252:strict too, a text said to a person is escaped, not fatal."""
    env = {**env_of(store, "cp1252"), "PYTHONIOENCODING": "cp1252:strict"}
    bad = tmp_path / "lote.yaml"
    bad.write_text(batch_text('progress: {code: "Σ≥—ñ😀", percent: 10, date: 2021-10-01}'), encoding="utf-8")
    refused = subprocess.run([*poa_command(), "apply", str(bad)], capture_output=True, env=env, timeout=120)
    assert refused.returncode == 2, refused.stderr
    assert b"\\u03a3\\u2265" in refused.stderr  # Σ≥, escaped: cp1252 has no such characters
    proved = subprocess.run([*poa_command(), "prove", "--event", "24"], capture_output=True, env=env, timeout=120)
    assert proved.returncode == 0, proved.stderr
    assert TEXT.encode() in proved.stdout
