"""The store's Merkle log: every stored event a leaf of an append-only RFC 9162 Merkle tree (docs/integrity.md).

The tree runs over the store's notification order. Each leaf is
``SHA-256(0x00 ‖ canonical bytes of the event)`` (`event_leaf`): the event's plan,
aggregate, seq (its version), kind, effective date, recorded time, actor, reference,
batch and data (and, only for a fact of an initial load, its ``initial_load`` reference: the
leaves of every other event are those they always were), as one JSON object with sorted keys
and no spaces (`canonical_event`, `canonical_bytes`) — the form the evidence package lists them in, so that anyone can
recompute a leaf without the program.

Each store's recorder writes, in the transaction that inserts the events
(`adapters/sqlite_recorder.py`, `adapters/postgres_recorder.py`,
`adapters/memory_store.py`), one log entry per event — its log index, notification
id, aggregate, version, leaf hash and the tree head *after* it (the root of the tree
of the first ``log_index + 1`` leaves) — and the perfect nodes the new leaves
complete (`extend`, from the tree's frontier: a commit costs O(k log n) for k events,
never the whole history). The last entry's root is the store's tree head.

Reading a plan checks the plan's events against the log (`check_plan`): each event
hashes to its leaf, and each leaf is included in the current tree head by a proof
built from the stored nodes. `audit` checks the whole store (`poa verify`).
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import datetime
from json.encoder import c_make_encoder, encode_basestring
from uuid import UUID

from attrs import frozen

from poa.domain.facts import Recorded

from . import merkle
from .interface import ngettext
from .interface import translate as _
from .report_json import fact_fields, timestamp

LEAF_FIELDS = ("plan", "aggregate", "seq", "kind", "date", "recorded_at", "actor", "reference", "batch", "data")
OPTIONAL_LEAF_FIELDS = ("initial_load",)  # in the canonical form only when set (an older event's leaf is unchanged)


def canonical_event(plan: str, aggregate: UUID, recorded: Recorded) -> dict:
    """The event as its leaf hashes it: plain JSON values, every figure exactly as recorded; the
    initial load's reference only when the fact came in one (`OPTIONAL_LEAF_FIELDS`)."""
    event = {
        "plan": plan,
        "aggregate": _text(aggregate),
        "seq": recorded.seq,
        "kind": recorded.kind,
        "date": recorded.fact.date.isoformat(),
        "recorded_at": _moment(recorded.recorded_at),
        "actor": recorded.actor,
        "reference": recorded.reference,
        "batch": recorded.batch,
        "data": _data(recorded),
    }
    if recorded.initial_load is not None:
        event["initial_load"] = recorded.initial_load
    return event


def _data(recorded: Recorded) -> dict:
    """The fact's own fields but those the event states itself (its date, its reference)."""
    data = fact_fields(recorded.fact, number=str)
    data.pop("date", None)
    data.pop("reference", None)
    return data


_text = functools.lru_cache(maxsize=64)(str)  # an aggregate id's text: a save's events share a few
_moment = functools.lru_cache(maxsize=64)(timestamp)  # a recorded time's text: a save's events share one
_CANONICAL = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False)
# the C encoder `_CANONICAL.encode` makes anew for each value (the json module's `iterencode`), made once
# (without its check for circular references: a canonical event holds none); None where there is none (PyPy)
_C_CANONICAL = c_make_encoder and c_make_encoder(None, _CANONICAL.default, encode_basestring, None, ":", ",", True, False, True)


def _encoded(value: object) -> str:
    """`value` as canonical JSON text: `_CANONICAL.encode(value)`."""
    return "".join(_C_CANONICAL(value, 0)) if _C_CANONICAL else _CANONICAL.encode(value)


def canonical_bytes(event: Mapping) -> bytes:
    """A canonical event's bytes: JSON, keys sorted, no spaces, UTF-8 (non-ASCII characters as themselves)."""
    return _encoded(event).encode("utf-8")


def event_leaf(plan: str, aggregate: UUID, recorded: Recorded) -> bytes:
    """The event's leaf hash: SHA-256(0x00 ‖ canonical bytes)."""
    return merkle.leaf_hash(_canonical_text(plan, aggregate, recorded).encode("utf-8"))


def _canonical_text(plan: str, aggregate: UUID, recorded: Recorded) -> str:
    """`canonical_bytes(canonical_event(...))` as text, written key by key in their sorted order: the
    keys an event shares with the others of its save (actor, aggregate, batch; kind, plan, recorded
    time) are written once (`_head`, `_middle`), its data by the canonical encoder. The same text
    (tests/unit/test_canonical_form.py, against the generic form, hypothesis)."""
    load = recorded.initial_load
    return "".join((
        _head(recorded.actor, aggregate, recorded.batch),
        _encoded(_data(recorded)),
        ',"date":"', recorded.fact.date.isoformat(), '"',
        "" if load is None else ',"initial_load":' + _encoded(load),
        _middle(recorded.kind, plan, recorded.recorded_at),
        ',"reference":', _encoded(recorded.reference),
        ',"seq":', str(recorded.seq), "}",
    ))


@functools.lru_cache(maxsize=64)
def _head(actor: str, aggregate: UUID, batch: str | None) -> str:
    encode = _encoded
    return f'{{"actor":{encode(actor)},"aggregate":{encode(_text(aggregate))},"batch":{encode(batch)},"data":'


@functools.lru_cache(maxsize=64)
def _middle(kind: str, plan: str, recorded_at: datetime) -> str:
    encode = _encoded
    return f',"kind":{encode(kind)},"plan":{encode(plan)},"recorded_at":{encode(_moment(recorded_at))}'


@frozen
class LogEntry:
    """One event's entry in the log: where it is, its leaf hash, and the tree head after it."""

    log_index: int  # 0-based, the leaf's index in the tree
    notification_id: int
    originator_id: UUID
    version: int
    leaf: bytes
    root: bytes  # the root of the tree of the first log_index + 1 leaves

    @property
    def size(self) -> int:
        return self.log_index + 1


@frozen
class TreeHead:
    """A tree head: the number of leaves, the root, and the recorded time of the last event."""

    size: int
    root: bytes
    time: datetime | None = None


def extend(
    frontier: Sequence[bytes], size: int, leaves: Sequence[bytes]
) -> tuple[list[tuple[int, bytes, bytes]], list[tuple[int, int, bytes]]]:
    """Append leaf hashes to a tree of `size` leaves given by its frontier (`merkle.frontier_positions`):
    the new entries as (log_index, leaf, root after it) and the perfect nodes (level >= 1) they complete."""
    entries, nodes, _frontier = extended(frontier, size, leaves)
    return entries, nodes


def extended(
    frontier: Sequence[bytes], size: int, leaves: Sequence[bytes]
) -> tuple[list[tuple[int, bytes, bytes]], list[tuple[int, int, bytes]], list[bytes]]:
    """`extend`, with the frontier of the tree the leaves make (for the next leaves)."""
    entries, nodes = [], []
    frontier = list(frontier)
    for offset, leaf in enumerate(leaves):
        frontier, completed = merkle.append(frontier, size + offset, leaf)
        entries.append((size + offset, leaf, merkle.frontier_root(frontier)))
        nodes.extend(completed)
    return entries, nodes, frontier


LeafHashes = Callable[[Sequence], list[bytes]]  # stored events -> their leaf hashes (set on a recorder by the ledger)
# stored events -> their rows of the index (aggregate id, then `selection.IndexRow`'s fields but seq), set likewise
IndexRows = Callable[[Sequence], list[tuple]]
CatalogueRows = Callable[[Sequence], list[tuple]]  # stored events -> (aggregate id, the catalogue's values) of each plan approved


# -- checking a plan's events when they are read --------------------------------------------------------


class LogBroken(Exception):
    """The log says the events read are not those recorded: the message names the first bad one."""


def check_plan(
    plan: str, aggregate: UUID, history: Sequence[Recorded], entries: Sequence[LogEntry], head: LogEntry | None,
    nodes: Callable[[Iterable[tuple[int, int]]], Mapping[tuple[int, int], bytes]], stored: Callable[[int], bool],
    every_entry: Callable[[], Sequence[LogEntry]],
) -> None:
    """Raise `LogBroken` unless each event of the plan read (`history`, seqs k..n in order: all of them,
    or those after its snapshot) hashes to its leaf
    in the log (`entries`: the plan's entries, read after the events, in any order) and each of those
    leaves is included in the tree `head` by a proof from the stored `nodes` (when one is not, the
    first entry rewritten is looked for among `every_entry()`). An entry of a later seq
    is an event recorded since the events were read, unless its event is no longer `stored` (by
    notification id): then events were deleted."""
    last = history[-1].seq if history else 0
    for entry in entries:
        if entry.version > last and not stored(entry.notification_id):
            raise LogBroken(
                _(
                    "plan {plan} seq {seq} (log index {index}) is in the store's Merkle log but its event is gone: "
                    "events were deleted"
                ).format(plan=plan, seq=entry.version, index=entry.log_index)
            )
    by_version = {e.version: e for e in entries if e.version <= last}
    for recorded in history:
        entry = by_version.get(recorded.seq)
        if entry is None and head is None:
            raise LogBroken(
                _(
                    "the store has no Merkle log (made by a version of POA Ledger without it, or its log was removed); "
                    "an operator's next write with `poa --no-verify` logs every event, after which `poa verify` checks them"
                )
            )
        if entry is None:
            raise LogBroken(
                _(
                    "plan {plan} seq {seq} is not in the store's Merkle log "
                    "(inserted behind the ledger, or recorded by a version without the log)"
                ).format(plan=plan, seq=recorded.seq)
            )
        if event_leaf(plan, aggregate, recorded) != entry.leaf:
            raise LogBroken(
                _(
                    "plan {plan} seq {seq} (log index {index}) no longer matches its leaf hash: "
                    "the event was changed after it was recorded"
                ).format(plan=plan, seq=recorded.seq, index=entry.log_index)
            )
    if not by_version:
        return
    if head is None or head.size <= max(e.log_index for e in by_version.values()):
        raise LogBroken(_("plan {plan}: the store's Merkle log has no tree head covering its events").format(plan=plan))
    leaves = {e.log_index: e.leaf for e in by_version.values()}
    found = nodes(merkle.root_positions(leaves, head.size))
    try:
        root = merkle.root_from(leaves, head.size, lambda level, index: found[(level, index)])
    except KeyError:
        root = None
    if root != head.root:
        culprit = first_rewritten(every_entry())
        entry = culprit if culprit is not None and culprit.originator_id == aggregate else min(
            by_version.values(), key=lambda e: e.log_index
        )
        if culprit and culprit is not entry:
            said = _(
                "plan {plan} seq {seq} (log index {index}) is not included in the store's tree head (size {size}): "
                "its leaf hash or the tree was rewritten (at log index {culprit}, another plan's event)"
            )
        else:
            said = _(
                "plan {plan} seq {seq} (log index {index}) is not included in the store's tree head (size {size}): "
                "its leaf hash or the tree was rewritten"
            )
        raise LogBroken(
            said.format(plan=plan, seq=entry.version, index=entry.log_index, size=head.size,
                        culprit=culprit.log_index if culprit else None)
        )


def first_rewritten(entries: Sequence[LogEntry]) -> LogEntry | None:
    """The first entry whose stored tree head does not match the leaf hashes up to it: where the log was rewritten."""
    frontier: list[bytes] = []
    for size, entry in enumerate(sorted(entries, key=lambda e: e.log_index)):
        if entry.log_index != size:
            return entry
        frontier, _completed = merkle.append(frontier, size, entry.leaf)
        if merkle.frontier_root(frontier) != entry.root:
            return entry
    return None


# -- checking the whole store (`poa verify`) ------------------------------------------------------------


@frozen
class StoredLeaf:
    """An event as the store holds it, with the leaf hash recomputed from it (None: it cannot be read back)."""

    notification_id: int
    originator_id: UUID
    version: int
    name: str  # how messages name it (`event_name`): "plan AN-2020 seq 12", or its aggregate when its plan is unknown
    leaf: bytes | None
    as_seq: Callable[[int], bytes] | None = None  # its leaf hash had it been recorded as another seq


def event_name(plan: str | None, seq: int, aggregate: UUID) -> str:
    """How the messages of `poa verify` name an event, in the interface's language: "plan AN-2020 seq 12",
    or by its aggregate when its plan is unknown."""
    if plan:
        return _("plan {plan} seq {seq}").format(plan=plan, seq=seq)
    return _("seq {seq} of aggregate {aggregate} (plan unknown)").format(seq=seq, aggregate=aggregate)


def audit(events: Sequence[StoredLeaf], entries: Sequence[LogEntry], nodes: Mapping[tuple[int, int], bytes]) -> list[str]:
    """Every way the store's events, its log entries and its stored nodes disagree, the first of each
    kind of damage named by its event (plan and seq) and log index."""
    problems: list[str] = []
    ordered = sorted(entries, key=lambda e: e.log_index)
    for position, entry in enumerate(ordered):
        if entry.log_index != position:
            problems.append(
                _("the Merkle log skips from log index {previous} to {index}: entries were deleted").format(
                    previous=position - 1, index=entry.log_index
                )
            )
            break
    by_notification = {e.notification_id: e for e in ordered}
    by_leaf = {e.leaf: e for e in ordered}
    names = {}
    for event in events:
        entry = by_notification.get(event.notification_id)
        names[event.notification_id] = event.name
        if entry is None:
            problems.append(_("{event}: not in the Merkle log (an event inserted behind the ledger)").format(event=event.name))
        elif event.leaf is None:
            problems.append(
                _("{event} (log index {index}): changed, it cannot even be read back").format(event=event.name, index=entry.log_index)
            )
        elif event.leaf != entry.leaf:
            other = by_leaf.get(event.leaf) or _recorded_elsewhere(event, ordered, by_leaf)
            if other is not None:
                problems.append(
                    _("{event} (log index {index}): holds the event recorded at log index {other} (rows moved or swapped)").format(
                        event=event.name, index=entry.log_index, other=other.log_index
                    )
                )
            else:
                problems.append(
                    _("{event} (log index {index}): changed since it was recorded (it no longer hashes to its leaf)").format(
                        event=event.name, index=entry.log_index
                    )
                )
        elif (event.originator_id, event.version) != (entry.originator_id, entry.version):
            problems.append(
                _("{event} (log index {index}): moved to another plan or seq").format(event=event.name, index=entry.log_index)
            )
    present = {e.notification_id for e in events}
    for entry in ordered:
        if entry.notification_id not in present:
            problems.append(
                _("log index {index} (seq {seq} of aggregate {aggregate}): its event is gone (deleted)").format(
                    index=entry.log_index, seq=entry.version, aggregate=entry.originator_id
                )
            )
    rewritten = first_rewritten(ordered)
    if rewritten is not None:
        name = names.get(rewritten.notification_id) or _("seq {seq} of aggregate {aggregate}").format(
            seq=rewritten.version, aggregate=rewritten.originator_id
        )
        problems.append(
            _(
                "{event} (log index {index}): the tree head recorded with it no longer matches the leaf hashes up to it "
                "(its leaf hash, or the log's, was rewritten; every later head differs too)"
            ).format(event=name, index=rewritten.log_index)
        )
    tree = merkle.MemoryTree([e.leaf for e in ordered])
    for (level, index), stored in sorted(nodes.items()):
        if (index + 1) << level > tree.size or tree.node(level, index) != stored:
            first, last = index << level, ((index + 1) << level) - 1
            problems.append(
                _("the Merkle log's node over log indexes {first}-{last} does not match their leaf hashes (rewritten)").format(
                    first=first, last=last
                )
            )
            break
    return problems


def _recorded_elsewhere(event: StoredLeaf, entries: Sequence[LogEntry], by_leaf: Mapping[bytes, LogEntry]) -> LogEntry | None:
    """The log entry of the same plan whose event this one's content is, had it kept that entry's seq
    (rows whose states were swapped keep their seqs), if any."""
    if event.as_seq is None:
        return None
    for entry in entries:
        if entry.originator_id == event.originator_id and entry.version != event.version:
            found = by_leaf.get(event.as_seq(entry.version))
            if found is entry:
                return entry
    return None


def extends(head: TreeHead, leaves: Sequence[bytes]) -> str | None:
    """Why a ledger whose events hash to `leaves` (in log order) does not extend the tree head
    `head` (a digest kept elsewhere), or None when it does."""
    if head.size > len(leaves):
        return ngettext(  # English keeps "events" for one too; Spanish gets both forms
            "the ledger holds {count} events, fewer than the {size} of the digest: events were removed",
            "the ledger holds {count} events, fewer than the {size} of the digest: events were removed",
            len(leaves),
        ).format(count=len(leaves), size=head.size)
    if merkle.MemoryTree(leaves).root(head.size) != head.root:
        return ngettext(
            "the ledger's first {size} events no longer hash to the digest's root {root}: they were changed since the "
            "digest was taken",
            "the ledger's first {size} events no longer hash to the digest's root {root}: they were changed since the "
            "digest was taken",
            head.size,
        ).format(size=head.size, root=head.root.hex())
    return None
