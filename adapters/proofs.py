"""Tree heads and proofs as JSON documents (`poa digest`, `poa prove`, the evidence package), and reading a
digest back (`poa verify --digest`).

Hashes are lower-case hex. A digest is kept outside the system by an auditor; it is the
JSON that `poa digest --format json` prints, or its short form ``SIZE:ROOT``. The
documents carry everything their check needs (docs/integrity.md, "Checking without
the program").
"""

from __future__ import annotations

import json
import re
from datetime import datetime
from pathlib import Path

from .interface import N_
from .interface import translate as _
from .ledger import Consistency, Inclusion
from .merkle_log import TreeHead
from .report_json import SCHEMA_VERSION, timestamp

SHORT_DIGEST = re.compile(r"\s*(\d{1,18}):([0-9a-fA-F]{64})(?:[ \t]+(\S+))?\s*")  # SIZE:ROOT [TIME]
DIGEST_SYNTAX = N_("a digest is what `poa digest` prints (SIZE:ROOT [TIME], or its JSON), or a file holding it")


class BadDigest(ValueError):
    """A digest that cannot be read."""


def head_to_dict(head: TreeHead) -> dict:
    """A tree head: its size (events), root hash, and the recorded time of its last event."""
    return {"size": head.size, "root": head.root.hex(), "time": timestamp(head.time)}


def digest_to_dict(head: TreeHead) -> dict:
    """`poa digest --format json`."""
    return {"schema_version": SCHEMA_VERSION, "tree_head": head_to_dict(head), "digest": short_digest(head)}


def short_digest(head: TreeHead) -> str:
    return f"{head.size}:{head.root.hex()}"


def digest_line(head: TreeHead) -> str:
    """`poa digest`: ``SIZE:ROOT TIME`` (the time: when its last event was recorded)."""
    return f"{short_digest(head)} {timestamp(head.time) or '-'}"


def inclusion_to_dict(proof: Inclusion) -> dict:
    """`poa prove --event`: the event, its leaf hash and log index, the tree head and the audit path."""
    return {
        "schema_version": SCHEMA_VERSION,
        "proof": "inclusion",
        "plan": proof.event["plan"],
        "seq": proof.event["seq"],
        "log_index": proof.entry.log_index,
        "leaf_hash": proof.entry.leaf.hex(),
        "tree_head": head_to_dict(proof.head),
        "path": [node.hex() for node in proof.proof],
        "event": proof.event,
    }


def consistency_to_dict(proof: Consistency) -> dict:
    """`poa prove --from`: two tree heads and the consistency proof between them."""
    return {
        "schema_version": SCHEMA_VERSION,
        "proof": "consistency",
        "old_tree_head": head_to_dict(proof.old),
        "new_tree_head": head_to_dict(proof.new),
        "path": [node.hex() for node in proof.proof],
    }


def _time(text: str | None) -> datetime | None:
    if text is None or text == "-":
        return None
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise BadDigest(
            _("{text}: not the time of a tree head ({syntax})").format(text=repr(text[:40]), syntax=_(DIGEST_SYNTAX))
        ) from None


def read_digest(text: str) -> TreeHead:
    """A digest given on the command line: ``SIZE:ROOT``, the JSON `poa digest` prints, or the name
    of a file holding either."""
    candidate = text
    if not SHORT_DIGEST.fullmatch(text) and not text.lstrip().startswith("{"):
        path = Path(text)
        try:
            candidate = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as error:
            raise BadDigest(
                _("{text}: not SIZE:ROOT, and no digest file can be read there ({error})").format(text=repr(text[:80]), error=error)
            ) from None
    short = SHORT_DIGEST.fullmatch(candidate)
    if short:
        return TreeHead(int(short.group(1)), bytes.fromhex(short.group(2)), _time(short.group(3)))
    try:
        document = json.loads(candidate)
        head = document["tree_head"] if "tree_head" in document else document
        size, root = head["size"], head["root"]
    except (ValueError, TypeError, KeyError):
        raise BadDigest(_("not a digest ({syntax})").format(syntax=_(DIGEST_SYNTAX))) from None
    if not isinstance(size, int) or isinstance(size, bool) or size < 0 or not isinstance(root, str) or not re.fullmatch(r"[0-9a-fA-F]{64}", root):
        raise BadDigest(
            _("not a digest: its size must be a whole number and its root 64 hex digits ({syntax})").format(syntax=_(DIGEST_SYNTAX))
        )
    return TreeHead(size, bytes.fromhex(root))
