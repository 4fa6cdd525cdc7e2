"""Check a POA Ledger evidence package without the program: `python3 check_evidence.py [PACKAGE]`.

This file is copied, as it is, into every evidence package (`poa evidence`) as
``check_evidence.py``; it needs Python 3 and nothing else. `poa verify --package`
runs the same checks. PACKAGE is the package's folder or .zip file (default: the
folder this script is in). It checks:

1. every file the manifest lists has the SHA-256 and size the manifest gives, and no
   other file is there (besides the manifest and this script);
2. every event in events.json hashes to its leaf hash: SHA-256(0x00 ‖ the event as
   JSON, keys sorted, no spaces, UTF-8);
3. every leaf is included in the package's tree head, by its audit path (RFC 9162,
   section 2.1.3.2);
4. the events are the plan's seqs 1..n, each at its own log index, and the tree head
   is the one the manifest names;
5. for an issued report's package, that every report file is the bytes the report was
   issued with: its SHA-256 is the one sealed in the report's own issue event (which is
   in the events, and so in the tree head).

What it cannot check alone: that the tree head is the ledger's. Compare the tree
head (size and root) with a digest you obtained independently (`poa digest`, kept
by you or published), or ask for a consistency proof from your digest to it
(`poa prove --from SIZE`, checked with `verify_consistency` below). Exit status 0
when every check passes, 1 otherwise; each failure is printed.
"""

from __future__ import annotations

import hashlib
import json
import sys
import zipfile
from pathlib import Path

MANIFEST = "manifest.json"
CHECKER = "check_evidence.py"


def leaf_hash(data: bytes) -> bytes:
    return hashlib.sha256(b"\x00" + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


def canonical_bytes(event: dict) -> bytes:
    return json.dumps(event, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def verify_inclusion(leaf: bytes, index: int, size: int, path: list[bytes], root: bytes) -> bool:
    """RFC 9162, 2.1.3.2: whether `path` proves that `leaf` is leaf `index` of the tree of `size` leaves with `root`."""
    if not 0 <= index < size:
        return False
    fn, sn, r = index, size - 1, leaf
    for p in path:
        if sn == 0:
            return False
        if fn % 2 == 1 or fn == sn:
            r = node_hash(p, r)
            while fn % 2 == 0 and fn != 0:
                fn, sn = fn >> 1, sn >> 1
        else:
            r = node_hash(r, p)
        fn, sn = fn >> 1, sn >> 1
    return sn == 0 and r == root


def verify_consistency(old_size: int, new_size: int, old_root: bytes, new_root: bytes, path: list[bytes]) -> bool:
    """RFC 9162, 2.1.4.2: whether `path` proves that the tree of `new_size` leaves extends that of `old_size`."""
    if old_size == new_size:
        return not path and old_root == new_root
    if not 0 < old_size < new_size or not path:
        return False
    if old_size & (old_size - 1) == 0:  # a power of two: the old root is the first node
        path = [old_root, *path]
    fn, sn = old_size - 1, new_size - 1
    while fn % 2 == 1:
        fn, sn = fn >> 1, sn >> 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            return False
        if fn % 2 == 1 or fn == sn:
            fr, sr = node_hash(c, fr), node_hash(c, sr)
            while fn % 2 == 0 and fn != 0:
                fn, sn = fn >> 1, sn >> 1
        else:
            sr = node_hash(sr, c)
        fn, sn = fn >> 1, sn >> 1
    return fr == old_root and sr == new_root and sn == 0


def read_package(package: Path) -> dict[str, bytes]:
    """Every file of the package (a folder or a .zip), by its path inside it."""
    if package.is_dir():
        return {p.relative_to(package).as_posix(): p.read_bytes() for p in sorted(package.rglob("*")) if p.is_file()}
    with zipfile.ZipFile(package) as archive:
        return {name: archive.read(name) for name in archive.namelist() if not name.endswith("/")}


def check(files: dict[str, bytes]) -> list[str]:
    """Every check above; what failed (nothing: the package is intact)."""
    if MANIFEST not in files:
        return [f"no {MANIFEST}: not an evidence package"]
    try:
        manifest = json.loads(files[MANIFEST])
        listed = manifest["files"]
        head = manifest["tree_head"]
        size, root = head["size"], bytes.fromhex(head["root"])
    except (ValueError, KeyError, TypeError) as error:
        return [f"{MANIFEST}: cannot be read ({type(error).__name__}: {error})"]
    problems = []
    for name, entry in sorted(listed.items()):
        data = files.get(name)
        if data is None:
            problems.append(f"{name}: listed in the manifest, missing from the package")
        elif hashlib.sha256(data).hexdigest() != entry.get("sha256") or len(data) != entry.get("bytes"):
            problems.append(f"{name}: its SHA-256 or size is not the manifest's (the file was changed)")
    for name in sorted(set(files) - set(listed) - {MANIFEST, CHECKER}):
        problems.append(f"{name}: not listed in the manifest")
    try:
        document = json.loads(files["events.json"])
        events = document["events"]
        if document["tree_head"] != head:
            problems.append("events.json: its tree head is not the manifest's")
    except (ValueError, KeyError, TypeError) as error:
        return [*problems, f"events.json: cannot be read ({type(error).__name__}: {error})"]
    indexes, sealed = set(), None
    for number, item in enumerate(events, start=1):
        try:
            event, index, leaf = item["event"], item["log_index"], bytes.fromhex(item["leaf_hash"])
            path = [bytes.fromhex(node) for node in item["path"]]
            name = f"event {number} (plan {event['plan']} seq {event['seq']}, log index {index})"
        except (ValueError, KeyError, TypeError) as error:
            problems.append(f"events.json: event {number} cannot be read ({type(error).__name__}: {error})")
            continue
        seal = manifest.get("issued") is not None and event.get("kind") == "issue" and event.get("reference") == manifest["issued"]
        if seal:
            sealed = event
        elif event.get("plan") != manifest.get("plan") or event.get("seq") != number:
            problems.append(f"{name}: not seq {number} of plan {manifest.get('plan')} (the events must be the plan's seqs 1..n)")
        if index in indexes:
            problems.append(f"{name}: a log index given twice")
        indexes.add(index)
        if leaf_hash(canonical_bytes(event)) != leaf:
            problems.append(f"{name}: does not hash to its leaf hash (the event was changed)")
        elif not verify_inclusion(leaf, index, size, path, root):
            problems.append(f"{name}: its audit path does not lead to the tree head's root")
    if manifest.get("issued") is not None:
        problems += check_seal(files, manifest, sealed)
    return problems


def check_seal(files: dict[str, bytes], manifest: dict, event: dict | None) -> list[str]:
    """The package of an issued report: its report files must be the bytes sealed in its issue event."""
    reference = manifest["issued"]
    if event is None:
        return [f"events.json: the issue event of report {reference!r}, which holds its seal, is missing"]
    seals = (event.get("data") or {}).get("seals") or {}
    problems = []
    for fmt, name in sorted((manifest.get("reports") or {}).items()):
        expected = (seals.get(fmt) or {}).get("sha256")
        if expected is None:
            problems.append(f"{name}: report {reference!r} sealed no {fmt} form")
        elif hashlib.sha256(files.get(name, b"")).hexdigest() != expected:
            problems.append(f"{name}: not the bytes report {reference!r} was issued with (its SHA-256 is not the seal's)")
    return problems


def main(argv: list[str]) -> int:
    package = Path(argv[1]) if len(argv) > 1 else Path(__file__).resolve().parent
    try:
        files = read_package(package)
    except (OSError, zipfile.BadZipFile) as error:
        print(f"{package}: cannot be read ({error})", file=sys.stderr)
        return 1
    problems = check(files)
    for problem in problems:
        print(f"- {problem}", file=sys.stderr)
    if problems:
        print(f"{package}: NOT intact ({len(problems)} problems)", file=sys.stderr)
        return 1
    manifest = json.loads(files[MANIFEST])
    head = manifest["tree_head"]
    issued = f"report {manifest['issued']!r} as issued, " if manifest.get("issued") else ""
    print(
        f"{package}: intact: {issued}plan {manifest['plan']} as of {manifest['as_of']} as known at {manifest['known_at']}; "
        f"{len(json.loads(files['events.json'])['events'])} events, each in the tree head {head['size']}:{head['root']}. "
        "Compare that tree head with a digest you hold."
    )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
