"""The HTML report as a browser shows it: the real `poa --lang es|en report --format html` of the
Aduana Nacional 2020 example, opened by headless Chromium, which saves a screenshot of its first
screen (1240 × 1754 pixels: an A4 page at 150 dpi) as an artifact for people to look at:
report-aduana-2020-es.png and report-aduana-2020-en.png.

Artifacts go to the folder `$POA_ARTIFACTS` (default: build/artifacts under the repository).
Chromium is /usr/bin/chromium (or `chromium` / `chromium-browser` on the PATH); without it the
test is skipped with the reason, unless CI=true, where it fails (as tests/support/postgres.py
does for a missing PostgreSQL server). Chromium runs with no network use of its own and a
profile folder of the test's.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest
from support.programs import program
from support.builders import ADUANA, ADUANA_LOAD, ROOT
from support.runners import poa_command, process_env

PNG = b"\x89PNG\r\n\x1a\n"
WINDOW = "1240,1754"


def chromium() -> str:
    """The browser, or a skip (a failure under CI=true) saying it is missing."""
    return program(("chromium", "chromium-browser"),
                   "no Chromium to take the HTML report's screenshot (install chromium: apt-get install chromium)",
                   "the screenshot test")


def artifacts() -> Path:
    folder = Path(os.environ.get("POA_ARTIFACTS") or ROOT / "build" / "artifacts")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.mark.parametrize("language", ["es", "en"])
def test_the_aduana_report_renders_in_a_browser(poa_process, tmp_path, language):
    browser = chromium()
    applied = poa_process("apply", str(ADUANA), *ADUANA_LOAD)
    assert applied.returncode == 0, applied.stderr
    page = tmp_path / f"report-aduana-2020-{language}.html"
    with page.open("wb") as out:  # the report's bytes as the command writes them
        shown = subprocess.run(
            [*poa_command(), "--lang", language, "report", "--format", "html", "--as-of", "2020-12-31"],
            stdout=out, stderr=subprocess.PIPE, cwd=tmp_path, env=process_env(poa_process.store), timeout=120, check=False,
        )
    assert shown.returncode == 0, shown.stderr.decode()
    assert page.read_bytes().startswith(f'<!DOCTYPE html>\n<html lang="{language}">'.encode())

    screenshot = artifacts() / f"report-aduana-2020-{language}.png"
    screenshot.unlink(missing_ok=True)
    taken = subprocess.run(
        [browser, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run", "--hide-scrollbars",
         f"--user-data-dir={tmp_path / 'profile'}", f"--screenshot={screenshot}", f"--window-size={WINDOW}",
         page.as_uri()],
        capture_output=True, cwd=tmp_path, timeout=120, check=False,
    )
    assert taken.returncode == 0, taken.stderr.decode(errors="replace")[-2000:]
    image = screenshot.read_bytes()
    assert image.startswith(PNG)
    width, height = int.from_bytes(image[16:20], "big"), int.from_bytes(image[20:24], "big")  # the IHDR chunk
    assert (width, height) == (1240, 1754)
    assert len(image) > 20_000  # a page of text, tables and a chart, not a blank one
