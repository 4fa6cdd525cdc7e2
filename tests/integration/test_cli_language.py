"""The interface in Spanish and English (docs/languages.md): --lang, POA_LANG and the locale; the help
of every command, click's own texts and the CLI's refusals in each; the reports' language and
decimal mark. In-process (click's CliRunner imports the CLI once): both languages in one process."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

import poa.cli.main
from poa.cli import entry
from poa.cli.main import cli
from support.builders import SMALL
from support.runners import invoke

NO_LOCALE = {"LC_ALL": None, "LC_MESSAGES": None, "LANG": None}
ENGLISH_IN_SPANISH = ["Usage", "Options", "Commands", "Show this message", "the plan", "Output format", "default:",
                      "[OPTIONS]", "required]", "env POA_", "Record "]
SPANISH_IN_ENGLISH = ["Uso", "Opciones", "Comandos", "del POA", "formato de salida", "Formato de salida", "por omisión",
                      "almacén", "según lo", "Muestra"]


def command_paths(group=cli, path=()):
    yield path
    for name, command in sorted(getattr(group, "commands", {}).items()):
        yield from command_paths(command, (*path, name))


COMMANDS = list(command_paths())


def help_of(path, lang: str | None = None, env: dict | None = None) -> str:
    args = ["--lang", lang] if lang else []
    result = invoke(*args, *path, "--help", env={**NO_LOCALE, **(env or {})})
    assert result.exit_code == 0, result.output
    return result.stdout


@pytest.mark.parametrize("path", COMMANDS, ids=lambda path: " ".join(path) or "poa")
def test_the_help_of_every_command_in_spanish_and_in_english(path):
    spanish, english = help_of(path, "es"), help_of(path, "en")
    assert spanish.startswith("Uso: poa") and "Opciones:" in spanish
    assert [word for word in ENGLISH_IN_SPANISH if word in spanish] == [], spanish
    assert english.startswith("Usage: poa") and "Options:" in english
    assert [word for word in SPANISH_IN_ENGLISH if word in english] == [], english
    assert help_of(path) == english  # no --lang, no POA_LANG, no locale: English


def test_one_process_shows_the_help_in_either_language_in_either_order():
    runner = CliRunner()
    shown = {lang: [] for lang in ("es", "en")}
    for lang in ("es", "en", "es", "en"):
        result = runner.invoke(cli, ["--lang", lang, "report", "--help"], env=NO_LOCALE)
        assert result.exit_code == 0, result.output
        shown[lang].append(result.output)
    spanish, english = shown["es"][0], shown["en"][0]
    assert shown["es"][1] == spanish and shown["en"][1] == english
    assert "El plan y su evaluación al --as-of" in spanish and "Formato de salida (por omisión: table" in spanish
    assert "The plan and its evaluation at --as-of" in english and "Output format (default: table" in english
    assert "Muestra este mensaje y termina." in spanish and "Show this message and exit." in english


def test_the_group_help_in_spanish_whatever_the_order_of_its_options():
    for args in (["--lang", "es", "--help"], ["--help", "--lang", "es"], ["-h"]):
        result = invoke(*args, env={**NO_LOCALE, "POA_LANG": "es"} if args == ["-h"] else NO_LOCALE)
        assert result.exit_code == 0 and result.stdout.startswith("Uso: poa [OPCIONES] COMANDO"), result.output
        assert "Comandos:" in result.stdout and "Registra el avance físico acumulado" in result.stdout


def test_the_version_in_each_language():
    assert invoke("--lang", "es", "--version", env=NO_LOCALE).stdout.startswith("poa, versión ")
    assert invoke("--version", env=NO_LOCALE).stdout.startswith("poa, version ")


@pytest.mark.parametrize("how", ["option", "env"])
def test_clicks_refusals_in_spanish(how, tmp_path):
    lang, env = (["--lang", "es"], NO_LOCALE) if how == "option" else ([], {**NO_LOCALE, "POA_LANG": "es"})
    unknown = invoke(*lang, "report", "--bogus", env=env, cwd=tmp_path)
    assert unknown.exit_code == 2
    assert unknown.stderr == (
        "Uso: poa report [OPCIONES]\nPruebe 'poa report --help' para ver la ayuda.\n\n"
        "Error: No existe la opción '--bogus'.\n"
    )
    choice = invoke(*lang, "history", "--format", "xml", env=env, cwd=tmp_path)
    assert choice.exit_code == 2
    assert "Error: Valor no válido para '--format': 'xml' no es uno de 'table', 'json', 'csv'." in choice.stderr
    command = invoke(*lang, "nope", env=env, cwd=tmp_path)
    assert command.exit_code == 2 and "Error: No existe el comando 'nope'." in command.stderr
    missing = invoke(*lang, "budget", "--code", "1.1", env=env, cwd=tmp_path)
    assert missing.exit_code == 2 and "Error: Falta la opción '--source'." in missing.stderr


@pytest.mark.parametrize("how", ["option", "env"])
def test_the_clis_refusals_in_spanish(how, tmp_path):
    lang, env = (["--lang", "es"], NO_LOCALE) if how == "option" else ([], {**NO_LOCALE, "POA_LANG": "es"})
    prove = invoke(*lang, "prove", env=env, cwd=tmp_path)
    assert prove.exit_code == 2 and prove.stderr == "Error: indique una de las opciones --event SEQ o --from SIZE\n"
    raw = invoke(*lang, "history", "--raw-csv", env=env, cwd=tmp_path)
    assert raw.exit_code == 2
    assert raw.stderr == "Error: opción --raw-csv: se aplica solo a --format csv, no a table\n"
    english = invoke("prove", env=NO_LOCALE, cwd=tmp_path)
    assert english.exit_code == 2 and english.stderr == "Error: give one of --event SEQ or --from SIZE\n"


@pytest.mark.parametrize(
    ("args", "env", "named"),
    [
        (["--lang", "fr"], {}, "'--lang'"),
        ([], {"POA_LANG": "fr"}, "'--lang' (env POA_LANG)"),
        (["--decimal-mark", "dot"], {}, "'--decimal-mark'"),
        ([], {"POA_DECIMAL_MARK": "dot"}, "'--decimal-mark' (env POA_DECIMAL_MARK)"),
    ],
)
def test_an_invalid_language_or_decimal_mark_is_refused_by_name(args, env, named, tmp_path):
    result = invoke(*args, "plans", env={**NO_LOCALE, **env}, cwd=tmp_path)
    assert result.exit_code == 2 and f"Error: Invalid value for {named}: " in result.stderr, result.stderr
    spanish = invoke(*args, "plans", env={**NO_LOCALE, "LANG": "es_BO.UTF-8", **env}, cwd=tmp_path)
    assert spanish.exit_code == 2 and f"Error: Valor no válido para {named.replace('env', 'variable de entorno')}: " in spanish.stderr


@pytest.mark.parametrize(
    ("locale", "spanish"),
    [
        ({"LANG": "es_BO.UTF-8"}, True),
        ({"LANG": "C"}, False),
        ({"LANG": "en_US.UTF-8"}, False),
        ({"LC_ALL": "C", "LANG": "es_BO.UTF-8"}, False),
        ({"LC_MESSAGES": "es_ES.UTF-8", "LANG": "C"}, True),
    ],
)
def test_the_interface_follows_the_locale_when_no_language_is_asked(locale, spanish):
    shown = help_of(("plans",), env=locale)
    assert shown.startswith("Uso:" if spanish else "Usage:"), shown
    assert help_of(("plans",), "en", env=locale).startswith("Usage:")
    assert help_of(("plans",), env={**locale, "POA_LANG": "en"}).startswith("Usage:")
    assert help_of(("plans",), env={**locale, "POA_LANG": "es"}).startswith("Uso:")


def test_what_a_write_says_in_each_language(poa):
    spanish = poa("--lang", "es", "apply", str(SMALL), env=NO_LOCALE)
    assert spanish.returncode == 0, spanish.stderr
    assert spanish.stderr.startswith("DEMO-2021: 23 asientos registrados (ahora seq 23); ")
    assert " advertencias al 2021-12-31 (véase `poa report`).\n" in spanish.stderr
    english = poa("apply", str(SMALL), "--again", env=NO_LOCALE)
    assert english.returncode == 2 and ": entry 1 (approve): plan DEMO-2021 is already approved (" in english.stderr
    again = poa("--lang", "es", "apply", str(SMALL), "--again", env=NO_LOCALE)  # the domain's refusal, in Spanish too
    assert again.returncode == 2 and ": asiento 1 (approve): el plan DEMO-2021 ya está aprobado (" in again.stderr


def test_the_reports_language_is_spanish_unless_asked_whatever_the_locale(demo):
    for locale in ({"LANG": "C"}, {"LANG": "en_US.UTF-8"}, {"LANG": "es_BO.UTF-8"}):
        shown = demo("report", "--as-of", "2021-12-31", env={**NO_LOCALE, **locale})
        assert shown.returncode == 0 and "I. Estructura del POA" in shown.stdout, shown.stderr
    english = demo("--lang", "en", "report", "--as-of", "2021-12-31", env=NO_LOCALE)
    assert "I. Structure of the POA" in english.stdout and "Estructura" not in english.stdout
    assert "I. Structure of the POA" in demo("report", "--as-of", "2021-12-31", env={**NO_LOCALE, "POA_LANG": "en"}).stdout


def test_the_decimal_mark(demo):
    point = demo("report", "--as-of", "2021-12-31", env=NO_LOCALE).stdout
    comma = demo("--decimal-mark", "comma", "report", "--as-of", "2021-12-31", env=NO_LOCALE).stdout
    assert "480,000" in point and "480.000" not in point
    assert "480.000" in comma and "480,000" not in comma
    assert demo("report", "--as-of", "2021-12-31", env={**NO_LOCALE, "POA_DECIMAL_MARK": "comma"}).stdout == comma
    view = ("--as-of", "2021-12-31", "--known-at", "2024-01-01", "--format", "json")
    assert demo("--lang", "en", "report", *view, env=NO_LOCALE).stdout == demo(
        "--decimal-mark", "comma", "report", *view, env=NO_LOCALE
    ).stdout  # machine formats: neither the language nor the mark


def test_the_console_scripts_last_words_in_the_interfaces_language(monkeypatch, capsys):
    def interrupted(**_):
        raise KeyboardInterrupt

    monkeypatch.setattr(poa.cli.main, "cli", interrupted)
    for argv, said in ((["poa", "--lang", "es", "plans"], "poa: interrumpido\n"), (["poa", "plans"], "poa: interrupted\n")):
        monkeypatch.setattr("sys.argv", argv)
        for name, value in NO_LOCALE.items():
            monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv("POA_LANG", raising=False)
        with pytest.raises(SystemExit) as exit:
            entry.main()
        assert exit.value.code == 130 and capsys.readouterr().err == said
