"""The auditor's evidence package (`poa evidence`, issue 11): written whole, checked offline, and any
altered file caught — by the checker it carries, and by `poa verify --package`.
"""

from __future__ import annotations

import hashlib
import json
import zipfile

import pytest

from poa.adapters import evidence_check as offline
from support.builders import SMALL
from support.runners import invoke, no_traceback

pytestmark = pytest.mark.both_stores

REPORT_FILES = {
    "table": "report.txt", "md": "report.md", "json": "report.json", "csv": "report.csv", "html": "report.html",
    "xlsx": "report.xlsx",
}  # every sealed format (not the PDF, printed from the HTML)


def run(*args):
    result = invoke(*args)
    no_traceback(result)
    return result


@pytest.fixture
def small(store_name, tmp_path):
    assert run("apply", str(SMALL), "--store", store_name).exit_code == 0
    late = tmp_path / "late.yaml"  # a correction recorded after the package's known_at below
    late.write_text("plan: DEMO-2021\nentries:\n  - progress: {code: 1.2.1.1, percent: 35, date: 2021-06-30}\n")
    known_at = json.loads(run("history", "--format", "json", "--store", store_name).stdout)["events"][-1]["recorded_at"]
    assert run("apply", str(late), "--store", store_name).exit_code == 0
    return store_name, known_at


def files_of(path) -> dict[str, bytes]:
    return offline.read_package(path)


@pytest.mark.parametrize("form", ["folder", "zip"])
def test_a_package_holds_the_report_and_the_events_it_rests_on_and_verifies(small, tmp_path, form):
    store, known_at = small
    output = tmp_path / ("evidence.zip" if form == "zip" else "evidence")
    result = run("evidence", "--as-of", "2021-09-30", "--known-at", known_at, "--output", str(output), "--store", store)
    assert result.exit_code == 0, result.output
    files = files_of(output)
    assert set(files) == {*REPORT_FILES.values(), "events.json", "explain.json", "tree_head.json", "manifest.json", "check_evidence.py"}
    for fmt, name in REPORT_FILES.items():  # each report exactly as `poa report` prints it at that view
        printed = run("report", "--as-of", "2021-09-30", "--known-at", known_at, "--format", fmt, "--store", store)
        assert files[name] == printed.stdout_bytes, name
    events = json.loads(files["events.json"])["events"]
    assert [e["event"]["seq"] for e in events] == list(range(1, 24))  # known at known_at: not the late correction (seq 24)
    manifest = json.loads(files["manifest.json"])
    assert manifest["known_at"] == known_at and manifest["as_of"] == "2021-09-30" and manifest["plan"] == "DEMO-2021"
    for name, entry in manifest["files"].items():
        assert entry == {"sha256": hashlib.sha256(files[name]).hexdigest(), "bytes": len(files[name])}
    digest = json.loads(run("digest", "--format", "json", "--store", store).stdout)["tree_head"]
    assert {k: manifest["tree_head"][k] for k in ("size", "root")} == {"size": 24, "root": digest["root"]}
    explained = json.loads(files["explain.json"])["explanations"]
    assert explained[0]["element"]["code"] == "DEMO-2021" and explained[0]["element"]["kind"] == "plan"
    assert {"1.1", "1.1.1", "1.1.1.1.2"} <= {e["element"]["code"] for e in explained}
    assert offline.check(files) == []
    result = run("verify", "--package", str(output))
    assert result.exit_code == 0 and "the report follows from the events" in result.stdout, result.output


def altered(files: dict[str, bytes], name: str, data: bytes, *, rehash: bool) -> dict[str, bytes]:
    changed = {**files, name: data}
    if rehash:  # the forger also fixes the manifest's hash of the file
        manifest = json.loads(files["manifest.json"])
        manifest["files"][name] = {"sha256": hashlib.sha256(data).hexdigest(), "bytes": len(data)}
        changed["manifest.json"] = json.dumps(manifest).encode()
    return changed


def write_folder(folder, files):
    folder.mkdir()
    for name, data in files.items():
        (folder / name).write_bytes(data)
    return folder


def test_one_altered_file_fails_the_offline_check_and_verify(small, tmp_path):
    store, known_at = small
    output = tmp_path / "evidence.zip"
    assert run("evidence", "--as-of", "2021-09-30", "--output", str(output), "--store", store).exit_code == 0
    files = files_of(output)
    report = files["report.md"].replace(b"|", b"!", 1)
    events = json.loads(files["events.json"])
    events["events"][4]["event"]["data"]["percent"] = "99"  # seq 5, a progress entry
    forged_events = json.dumps(events).encode()
    cases = {
        "report changed": (altered(files, "report.md", report, rehash=False), "report.md: its SHA-256 or size is not the manifest's"),
        "event changed, manifest fixed": (
            altered(files, "events.json", forged_events, rehash=True),
            "event 5 (plan DEMO-2021 seq 5, log index 4): does not hash to its leaf hash",
        ),
        "a file added": ({**files, "nota.txt": b"x"}, "nota.txt: not listed in the manifest"),
    }
    for number, (case, (changed, said)) in enumerate(cases.items()):
        assert any(said in problem for problem in offline.check(changed)), case
        result = run("verify", "--package", str(write_folder(tmp_path / f"case{number}", changed)))
        assert result.exit_code == 1 and said in result.stderr, (case, result.output)


def test_a_report_changed_with_its_manifest_passes_the_offline_check_but_not_verify(small, tmp_path):
    """What the offline checker cannot see (docs/integrity.md): whether the report follows from the
    events takes the rules, which `poa verify --package` applies to the package's events."""
    store, _ = small
    output = tmp_path / "evidence.zip"
    assert run("evidence", "--as-of", "2021-09-30", "--output", str(output), "--store", store).exit_code == 0
    files = files_of(output)
    report = json.loads(files["report.json"])
    report["summary"]["weighted_progress"] = "99.00"
    changed = altered(files, "report.json", json.dumps(report).encode(), rehash=True)
    assert offline.check(changed) == []
    result = run("verify", "--package", str(write_folder(tmp_path / "forged", changed)))
    assert result.exit_code == 1 and "report.json: not what the package's events give" in result.stderr, result.output


def test_an_existing_target_is_refused_and_left_alone(small, tmp_path):
    store, _ = small
    taken = tmp_path / "taken.zip"
    taken.write_bytes(b"mine")
    result = run("evidence", "--as-of", "2021-09-30", "--output", str(taken), "--store", store)
    assert result.exit_code == 2 and "already exists" in result.stderr and taken.read_bytes() == b"mine"
    folder = tmp_path / "full"
    folder.mkdir()
    (folder / "x").write_text("x")
    assert run("evidence", "--as-of", "2021-09-30", "--output", str(folder), "--store", store).exit_code == 2
    assert [p.name for p in folder.iterdir()] == ["x"]
    assert run("verify", "--package", str(tmp_path / "none.zip")).exit_code == 2
    assert zipfile.is_zipfile(taken) is False


def test_an_issued_report_s_package_proves_what_it_said_offline(small, tmp_path):
    """Done when (issue 11): to someone who does not trust the program, the report files are the bytes
    issued (their SHA-256 is sealed in the issue event, which is in the tree head), and the events it
    rests on are in the tree head too."""
    store, _ = small
    issued = run("report", "--as-of", "2021-09-30", "--issue", "INF-T3", "--format", "md", "--store", store)
    assert issued.exit_code == 0, issued.output
    output = tmp_path / "issued.zip"
    assert run("evidence", "--issued", "INF-T3", "--output", str(output), "--store", store).exit_code == 0
    files = files_of(output)
    assert files["report.md"] == issued.stdout_bytes  # what was printed when it was issued
    assert offline.check(files) == []
    manifest = json.loads(files["manifest.json"])
    (issue,) = [e for e in json.loads(files["events.json"])["events"] if e["event"]["kind"] == "issue"]
    assert issue["event"]["reference"] == "INF-T3" and manifest["issued"] == "INF-T3"
    assert issue["event"]["data"]["seals"]["md"]["sha256"] == hashlib.sha256(issued.stdout_bytes).hexdigest()
    forged = altered(files, "report.md", issued.stdout_bytes.replace(b"|", b"!", 1), rehash=True)
    assert any("report.md: not the bytes report 'INF-T3' was issued with" in p for p in offline.check(forged))
    result = run("evidence", "--issued", "INF-T3", "--as-of", "2021-09-30", "--output", str(tmp_path / "x.zip"), "--store", store)
    assert result.exit_code == 2 and not (tmp_path / "x.zip").exists()
