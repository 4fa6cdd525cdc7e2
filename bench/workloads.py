"""Deterministic synthetic workloads for the benchmark (issue 14): batch files for `poa apply`.

Run: ``python bench/workloads.py [--size smoke|medium|full] [--seed N] --out DIR``. Every file is
JSON (`poa apply` reads `.json` with the json module, far faster than YAML); numbers are written as
strings ("1234.50"), which the entry parser reads exactly as it reads JSON numbers. The same size
and seed always write the same bytes (one ``random.Random(seed)`` per plan, no clock).

Files written in DIR (``DIR/manifest.json`` lists them with their entry counts):

- ``w1-approve.json``   W1's approval alone (plan ``W1-2025``, year 2025): one entry holding the
                        whole structure (full: 20 strategic actions, 200 short-term actions whose
                        weights, with 2 decimals, sum to 100, 2,000 operations with budgets by
                        source TGN/Otros, 10,000 tasks).
- ``w1-history.json``   W1's approval AND its year's history in one batch (full: about 150,000
                        entries), in the order an operator would have recorded them: monthly
                        progress on every task and monthly execution on every operation and source
                        (cut-off: the last day of each month; percentages and amounts rise, amounts
                        stay below 85 % of the operation's approved amount for that source, so below
                        its current budget at every date), four reformulations (adds an operation with
                        tasks and tasks under existing operations, cancels one task and, in two of
                        them, one operation with its tasks, moves weight between two short-term
                        actions keeping the total at 100, renames operations, changes a schedule, adds
                        budget lines), budget modifications and transfers, quarterly results,
                        justifications and a published report per quarter, and 1 % corrections (a
                        second progress or execution record for the same element, source and cut-off
                        date, placed about two weeks after the record it corrects: recorded later).
                        Cancelled elements and their descendants get no record dated after their
                        cancellation; added ones get records from the end of the month they are
                        added in.
- ``w1-late.json``      1 % of W1's progress and execution records, taken OUT of the history: the
                        late records (see below).
- ``w1-short.json``     the same plan with the shortest history that gives the same Dec 31 report:
                        every entry of ``w1-history.json`` but the progress and execution records,
                        and of those only each series' last (full: about 13,500 entries; with
                        ``w1-late.json`` applied after it, as on W1, the report is W1's).
- ``w1-next.json``      "the next 1,000 entries" to append to W1 or to W1 short: Dec 31 progress of
                        800 active tasks and Dec 31 execution of 200 operation/source pairs, with new
                        values (the plan's year is over, so the next records are Dec 31 revisions; the
                        same file is valid on both stores).
- ``w1-100k.json``      the first 100,000 entries of ``w1-history.json`` (the approval included): a
                        prefix of the history, hence a valid batch for an empty store (smoke: the
                        whole history).
- ``w2/M001-2025.json`` … W2, a ministry: one file per plan (full: 100 plans the size of the
                        Aduana example's: 4 strategic actions, 19 short-term actions, 45 operations,
                        800 tasks, monthly progress on every task and execution on every operation,
                        one reformulation, 1 % corrections, about 10,300 entries each, about
                        1,030,000 in all), each its approval and its history in one batch.

Late records. Every fact is stamped with its commit time, and the benchmark records the year
2025 afterwards, so every record would be more than 30 days after its cut-off ("late") unless
recorded as an initial load. The realistic picture, where an operator records each month's
figures within days of the cut-off and only a few come late, is obtained so:
``w1-history.json``, ``w1-short.json``, ``w1-100k.json`` and W2's files are applied with
``poa apply --initial-load`` (the year transcribed from the monthly documents: never late), and
``w1-late.json`` without it afterwards: its 1 % are late records (recorded in 2026, more than 30
days after their 2025 cut-offs). ``w1-next.json`` is applied without the flag too.

Importable by path (``importlib``) or as ``bench.workloads``; ``write(out, size, seed)`` writes
the files and returns the manifest.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from calendar import monthrange
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

YEAR = 2025
SEED = 2025
W1_KEY = f"W1-{YEAR}"
CENT = Decimal("0.01")
EXECUTION_CAP = Decimal("0.85")  # execution stays below 85 % of the approved amount of each source
CUT_CAP = Decimal("0.10")  # negative budget lines and transfers take at most 10 % of it


@dataclass(frozen=True)
class Shape:
    """The size of one plan and of its history."""

    strategic: int
    short_term: int
    operations: int
    tasks: int
    reformulations: int = 4
    corrections: float = 0.01
    late: float = 0.01
    modifications: int = 0  # budget modifications (each quarter gets its share); as many transfers / 2
    next_progress: int = 0  # the next batch: Dec 31 progress records
    next_execution: int = 0


@dataclass(frozen=True)
class Size:
    w1: Shape
    w2: Shape
    w2_plans: int
    prefix: int  # entries of w1-100k.json


SIZES = {
    "full": Size(
        w1=Shape(20, 200, 2000, 10000, reformulations=4, modifications=40, next_progress=800, next_execution=200),
        w2=Shape(4, 19, 45, 800, reformulations=1, late=0.0, modifications=4),
        w2_plans=100,
        prefix=100_000,
    ),
    # about 1/10 of full: for developing the harness
    "medium": Size(
        w1=Shape(10, 40, 200, 1000, reformulations=4, modifications=12, next_progress=80, next_execution=20),
        w2=Shape(4, 19, 45, 80, reformulations=1, late=0.0, modifications=4),
        w2_plans=20,
        prefix=10_000,
    ),
    "smoke": Size(
        w1=Shape(2, 4, 10, 20, reformulations=4, modifications=4, next_progress=8, next_execution=2),
        w2=Shape(2, 3, 4, 8, reformulations=1, late=0.0, modifications=2),
        w2_plans=3,
        prefix=100_000,
    ),
}

WORDS = (
    "fortalecer", "implementar", "desarrollar", "mejorar", "evaluar", "coordinar", "ejecutar", "elaborar",
    "sistema", "gestión", "control", "procesos", "servicios", "información", "capacidades", "seguimiento",
    "institucional", "aduanero", "regional", "digital", "normativa", "infraestructura", "calidad",
    "transparencia", "operativos", "recursos", "humanos", "planificación", "presupuesto", "frontera",
)


def month_end(month: int) -> date:
    return date(YEAR, month, monthrange(YEAR, month)[1])


def money(value: Decimal) -> str:
    return str(value.quantize(CENT))


def title(rng: random.Random, lo: int = 4, hi: int = 12) -> str:
    words = [rng.choice(WORDS) for _ in range(rng.randint(lo, hi))]
    return " ".join(words).capitalize()


def split_evenly(count: int, parents: list[str]) -> list[str]:
    """The parent of each of `count` children: contiguous blocks over `parents`."""
    return [parents[i * len(parents) // count] for i in range(count)]


def weights_summing_to_100(rng: random.Random, count: int) -> list[Decimal]:
    raw = [rng.randint(50, 150) for _ in range(count)]
    cents = [r * 10000 // sum(raw) for r in raw]
    for i in range(10000 - sum(cents)):
        cents[i % count] += 1
    return [Decimal(c) / 100 for c in cents]


def schedule(rng: random.Random) -> list[str]:
    q = sorted(rng.sample(range(5, 96), 3))
    return [str(q[0]), str(q[1]), str(q[2]), "100"]


@dataclass
class Element:
    kind: str
    code: str
    parent: str | None
    budget: dict[str, Decimal] = field(default_factory=dict)
    added: date | None = None  # None: approved
    cancelled: date | None = None
    final: Decimal = Decimal(0)  # progress at Dec 31 (tasks)
    start: int = 0  # the month before its first record
    executed: dict[str, Decimal] = field(default_factory=dict)  # execution at Dec 31 per source
    children: list[str] = field(default_factory=list)


@dataclass
class Timed:
    """An entry with the moment an operator would record it (for the order of the history)."""

    at: date
    order: int
    entry: dict
    record: bool = False  # a progress or execution record (may become a correction or a late record)


class PlanBuilder:
    def __init__(self, key: str, entity: str, shape: Shape, rng: random.Random) -> None:
        self.key, self.entity, self.shape, self.rng = key, entity, shape, rng
        self.elements: dict[str, Element] = {}
        self.weights: dict[str, Decimal] = {}
        self.timed: list[Timed] = []
        self.structural: list[Timed] = []  # reformulations, budget modifications, transfers
        self._order = 0
        self.approval_entry: dict | None = None

    # -- the approval --------------------------------------------------------------------------

    def approval(self) -> dict:
        s, rng = self.shape, self.rng
        aei = [str(i + 1) for i in range(s.strategic)]
        acp_parents = split_evenly(s.short_term, aei)
        acps = []
        for parent in aei:
            for n, _ in enumerate([p for p in acp_parents if p == parent]):
                acps.append(f"{parent}.{n + 1}")
        op_parents = split_evenly(s.operations, acps)
        ops = self._codes(op_parents)
        task_parents = split_evenly(s.tasks, ops)
        tasks = self._codes(task_parents)
        for code in aei:
            self.elements[code] = Element("strategic_action", code, None)
        for code, parent in zip(acps, acp_parents):
            self.elements[code] = Element("short_term_action", code, parent)
        for code, parent in zip(ops, op_parents):
            self.elements[code] = Element("operation", code, parent, budget=self._budget())
        for code, parent in zip(tasks, task_parents):
            self.elements[code] = Element("task", code, parent)
        for e in self.elements.values():
            if e.parent:
                self.elements[e.parent].children.append(e.code)
        weights = weights_summing_to_100(rng, len(acps))
        self.weights = dict(zip(acps, weights))
        approve = {
            "entity": self.entity,
            "year": YEAR,
            "date": f"{YEAR}-01-02",
            "reference": f"RA {rng.randint(1, 99):02d}/{YEAR}",
            "strategic_actions": [
                {"code": c, "sector_code": str(rng.randint(1, 20)), "title": title(rng)} for c in aei
            ],
            "short_term_actions": [
                {"code": c, "parent": p, "weight": str(w), "title": title(rng),
                 **({"schedule": schedule(rng)} if rng.random() < 0.5 else {})}
                for c, p, w in zip(acps, acp_parents, weights)
            ],
            "operations": [
                {"code": c, "parent": p, "weight": str(rng.randint(1, 5)), "title": title(rng),
                 "budget": {k: money(v) for k, v in self.elements[c].budget.items()}}
                for c, p in zip(ops, op_parents)
            ],
            "tasks": [
                {"code": c, "parent": p, "weight": str(rng.randint(1, 3)), "title": title(rng)}
                for c, p in zip(tasks, task_parents)
            ],
        }
        self.approval_entry = {"approve": approve}
        return self.approval_entry

    @staticmethod
    def _codes(parents: list[str]) -> list[str]:
        seen: dict[str, int] = {}
        codes = []
        for p in parents:
            seen[p] = seen.get(p, 0) + 1
            codes.append(f"{p}.{seen[p]}")
        return codes

    def _budget(self) -> dict[str, Decimal]:
        r = self.rng.random()
        sources = ("TGN", "Otros") if r < 0.25 else ("TGN",) if r < 0.625 else ("Otros",)
        return {s: Decimal(self.rng.randint(1_000, 200_000) * 10) + Decimal(self.rng.randint(0, 99)) / 100
                for s in sources}

    # -- the history ---------------------------------------------------------------------------

    def _add(self, at: date, entry: dict, record: bool = False, structural: bool = False) -> None:
        self._order += 1
        t = Timed(at, self._order, entry, record)
        self.timed.append(t)
        if structural:
            self.structural.append(t)

    def active(self, code: str, day: date) -> bool:
        """The element and its ancestors exist and are not cancelled on `day`."""
        while code is not None:
            e = self.elements[code]
            if (e.added and e.added > day) or (e.cancelled and e.cancelled <= day):
                return False
            code = e.parent
        return True

    def history(self) -> None:
        s, rng = self.shape, self.rng
        reform_months = sorted(rng.sample(range(2, 12), s.reformulations))
        modification_months = [rng.randint(2, 12) for _ in range(s.modifications)]
        for month in range(1, 13):
            if month in reform_months:
                self.reformulation(date(YEAR, month, rng.randint(10, 20)), reform_months.index(month))
            for _ in range(modification_months.count(month)):
                self.modification(date(YEAR, month, rng.randint(3, 25)))
            self.monthly(month)

    def _pick(self, kind: str, day: date, k: int = 1) -> list[str]:
        """`k` elements of `kind` active on `day` and not added that day."""
        pool = [e.code for e in self.elements.values()
                if e.kind == kind and e.added != day and self.active(e.code, day)]
        return self.rng.sample(pool, min(k, len(pool)))

    def reformulation(self, day: date, n: int) -> None:
        rng = self.rng
        changes: list[dict] = []
        # an operation with three tasks under an active short-term action
        (acp,) = self._pick("short_term_action", day)
        op = f"{acp}.{len(self.elements[acp].children) + 1}"
        budget = {"Otros": Decimal(rng.randint(1_000, 50_000) * 10)}
        self._new(Element("operation", op, acp, budget=budget, added=day))
        changes.append({"add": {"kind": "operation", "code": op, "parent": acp, "title": title(rng),
                                "budget": {k: money(v) for k, v in budget.items()}}})
        for _ in range(3):
            task = f"{op}.{len(self.elements[op].children) + 1}"
            self._new(Element("task", task, op, added=day))
            changes.append({"add": {"kind": "task", "code": task, "parent": op, "title": title(rng),
                                    "weight": str(rng.randint(1, 3))}})
        for parent in self._pick("operation", day, 2):
            task = f"{parent}.{len(self.elements[parent].children) + 1}"
            self._new(Element("task", task, parent, added=day))
            changes.append({"add": {"kind": "task", "code": task, "parent": parent, "title": title(rng)}})
        # weight moved between two short-term actions (the total stays 100)
        a, b = self._pick("short_term_action", day, 2)
        moved = min(self.weights[a] - CENT, Decimal(rng.randint(10, 150)) / 100)
        self.weights[a] -= moved
        self.weights[b] += moved
        changes.append({"update": {"code": a, "weight": str(self.weights[a])}})
        changes.append({"update": {"code": b, "weight": str(self.weights[b])}})
        for code in self._pick("operation", day, 2):
            changes.append({"update": {"code": code, "title": title(rng)}})
        (acp,) = self._pick("short_term_action", day)
        changes.append({"update": {"code": acp, "schedule": schedule(rng)}})
        # budget lines: one up, one down (within the cut cap, so execution stays below the budget)
        up, down = self._pick("operation", day, 2)
        source = rng.choice(sorted(self.elements[up].budget))
        changes.append({"budget": {"code": up, "source": source, "amount": money(Decimal(rng.randint(100, 5000) * 10))}})
        source = rng.choice(sorted(self.elements[down].budget))
        cut = self._cut(down, source)
        if cut:
            changes.append({"budget": {"code": down, "source": source, "amount": money(-cut)}})
        # cancellations: a task, and in every other reformulation an operation with its tasks
        for task in self._pick("task", day):
            self.elements[task].cancelled = day
            changes.append({"cancel": {"code": task}})
        if n % 2 == 1:
            ops = [c for c in self._pick("operation", day, 5) if self.elements[c].added is None]
            if ops:
                self.elements[ops[0]].cancelled = day
                changes.append({"cancel": {"code": ops[0]}})
        self._add(day, {"reformulate": {"date": day.isoformat(), "reference": f"RD 01-{n + 1:03d}-{YEAR % 100}",
                                        "reason": title(rng, 6, 16), "changes": changes}}, structural=True)

    def _new(self, e: Element) -> None:
        self.elements[e.code] = e
        self.elements[e.parent].children.append(e.code)

    def _cut(self, code: str, source: str) -> Decimal:
        """A cut within the cap, remembered so that later cuts of the same line stay within it."""
        e = self.elements[code]
        taken = e.executed.get("cut:" + source, Decimal(0))
        room = e.budget[source] * CUT_CAP - taken
        cut = min(room, Decimal(self.rng.randint(10, 500) * 10)).quantize(CENT)
        if cut <= 0:
            return Decimal(0)
        e.executed["cut:" + source] = taken + cut
        return cut

    def modification(self, day: date) -> None:
        rng = self.rng
        ops = self._pick("operation", day, 2)
        if len(ops) < 2:
            return
        giver, taker = ops
        source = rng.choice(sorted(self.elements[giver].budget))
        reference, reason = f"RA {rng.randint(100, 999)}/{YEAR}", title(rng, 5, 12)
        if rng.random() < 0.5:
            amount = Decimal(rng.randint(100, 5000) * 10)
            if rng.random() < 0.5:
                cut = self._cut(giver, source)
                if not cut:
                    return
                amount = -cut
            self._add(day, {"budget": {"code": giver, "source": source, "amount": money(amount),
                                       "date": day.isoformat(), "reference": reference, "reason": reason}},
                      structural=True)
        else:
            cut = self._cut(giver, source)
            if not cut:
                return
            self._add(day, {"transfer": {"from": {"code": giver, "source": source}, "to": {"code": taker},
                                         "amount": money(cut), "date": day.isoformat(), "reference": reference,
                                         "reason": reason}}, structural=True)

    def monthly(self, month: int) -> None:
        """Every active task's progress and every active operation's execution at the month's end,
        recorded on the 5th of the next month; results, justifications and the report each quarter."""
        rng, cut_off = self.rng, month_end(month)
        recorded = cut_off + timedelta(days=5)
        for e in self.elements.values():
            if not self.active(e.code, cut_off):
                continue
            if e.kind == "task":
                if not e.final:
                    e.final = Decimal(rng.randint(4000, 10000)) / 100
                    e.start = month - 1 if e.added else 0
                span = 12 - e.start
                value = (e.final * (month - e.start) / span).quantize(CENT)
                self._add(recorded, {"progress": {"code": e.code, "percent": str(value), "date": cut_off.isoformat()}},
                          record=True)
            elif e.kind == "operation":
                for source in sorted(e.budget):
                    key = "final:" + source
                    if key not in e.executed:
                        e.executed[key] = (e.budget[source] * EXECUTION_CAP * Decimal(rng.randint(50, 100)) / 100)
                        e.executed["start:" + source] = Decimal(month - 1 if e.added else 0)
                    start = e.executed["start:" + source]
                    value = (e.executed[key] * (month - start) / (12 - start)).quantize(CENT)
                    self._add(recorded, {"execution": {"code": e.code, "amount": money(value),
                                                       "date": cut_off.isoformat(), "source": source}}, record=True)
        if month % 3 == 0:
            for code in self._pick("short_term_action", cut_off, len(self.weights)):
                self._add(recorded, {"result": {"code": code, "date": cut_off.isoformat(), "text": title(rng, 10, 30)}})
            for code in self._pick("short_term_action", cut_off, max(1, len(self.weights) // 10)):
                self._add(recorded, {"justify": {"code": code, "date": cut_off.isoformat(), "text": title(rng, 10, 30)}})
            self._add(recorded, {"justify": {"date": cut_off.isoformat(), "text": title(rng, 10, 30)}})
            counts = {
                "strategic_actions": sum(1 for e in self.elements.values()
                                         if e.kind == "strategic_action" and self.active(e.code, cut_off)),
                "short_term_actions": sum(1 for e in self.elements.values()
                                          if e.kind == "short_term_action" and self.active(e.code, cut_off)),
            }
            self._add(recorded + timedelta(days=10),
                      {"publish": {"reference": f"Informe de Seguimiento POA, trimestre {month // 3}, {YEAR}",
                                   "issued": (recorded + timedelta(days=10)).isoformat(),
                                   "date": cut_off.isoformat(), "declared": counts}})

    # -- the batches ---------------------------------------------------------------------------

    def batches(self) -> dict[str, list[dict]]:
        s, rng = self.shape, self.rng
        records = [t for t in self.timed if t.record]
        chosen = rng.sample(range(len(records)), round(len(records) * (s.corrections + s.late)))
        n_corrections = round(len(records) * s.corrections)
        corrected, late = chosen[:n_corrections], set(chosen[n_corrections:])
        for i in corrected:
            t = records[i]
            kind, fields = next(iter(t.entry.items()))
            fields = dict(fields)
            if kind == "progress":
                fields["percent"] = str(min(Decimal(100), Decimal(fields["percent"]) + Decimal(rng.randint(1, 300)) / 100))
            else:
                fields["amount"] = money(Decimal(fields["amount"]) * Decimal(rng.randint(95, 99)) / 100)
            # recorded about two weeks after the record it corrects
            self._add(t.at + timedelta(days=12), {kind: fields}, record=False)
        late_ids = {id(records[i]) for i in late}
        ordered = sorted(self.timed, key=lambda t: (t.at, t.order))
        approval = self.approval_entry
        assert approval is not None
        history = [approval] + [t.entry for t in ordered if id(t) not in late_ids]
        late_entries = [t.entry for t in ordered if id(t) in late_ids]
        dec31 = month_end(12)
        tasks = [e.code for e in self.elements.values() if e.kind == "task" and self.active(e.code, dec31)]
        pairs = [(e.code, src) for e in self.elements.values() if e.kind == "operation" and self.active(e.code, dec31)
                 for src in sorted(e.budget)]

        def progress(codes, delta):
            return [{"progress": {"code": c, "percent": str(min(Decimal(100), self.elements[c].final + delta)),
                                  "date": dec31.isoformat()}} for c in codes]

        def execution(chosen, factor):
            return [{"execution": {"code": c, "amount": money(self.elements[c].executed["final:" + src] * factor),
                                   "date": dec31.isoformat(), "source": src}} for c, src in chosen]

        short = latest_only(history)
        nxt = (progress(rng.sample(tasks, min(s.next_progress, len(tasks))), Decimal("-0.5"))
               + execution(rng.sample(pairs, min(s.next_execution, len(pairs))), Decimal("0.97")))
        return {"history": history, "late": late_entries, "short": short, "next": nxt}


def latest_only(history: list[dict]) -> list[dict]:
    """The shortest history with the same Dec 31 report: every entry but the progress and execution
    records, and of those only each series' (element's, source's) last."""
    last = {}
    for i, entry in enumerate(history):
        (kind, fields), = entry.items()
        if kind in ("progress", "execution"):
            last[(kind, fields["code"], fields.get("source"))] = i
    kept = set(last.values())
    return [e for i, e in enumerate(history) if next(iter(e)) not in ("progress", "execution") or i in kept]


def build_plan(key: str, entity: str, shape: Shape, seed: int) -> tuple[dict, dict[str, list[dict]]]:
    builder = PlanBuilder(key, entity, shape, random.Random(f"{seed}:{key}"))
    approval = builder.approval()
    builder.history()
    return approval, builder.batches()


def dump(path: Path, key: str, entries: list[dict]) -> int:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8") as f:
        json.dump({"plan": key, "entries": entries}, f, ensure_ascii=False, separators=(",", ":"))
        f.write("\n")
    return len(entries)


def write(out: str | Path, size: str = "full", seed: int = SEED) -> dict:
    """Write every workload file of `size` into `out`; return the manifest (also written)."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    spec = SIZES[size]
    approval, w1 = build_plan(W1_KEY, "Entidad de prueba W1", spec.w1, seed)
    files = {
        "w1-approve.json": dump(out / "w1-approve.json", W1_KEY, [approval]),
        "w1-history.json": dump(out / "w1-history.json", W1_KEY, w1["history"]),
        "w1-late.json": dump(out / "w1-late.json", W1_KEY, w1["late"]),
        "w1-short.json": dump(out / "w1-short.json", W1_KEY, w1["short"]),
        "w1-next.json": dump(out / "w1-next.json", W1_KEY, w1["next"]),
        "w1-100k.json": dump(out / "w1-100k.json", W1_KEY, w1["history"][: spec.prefix]),
    }
    w2 = []
    for n in range(1, spec.w2_plans + 1):
        key = f"M{n:03d}-{YEAR}"
        _, batches = build_plan(key, f"Entidad {n:03d} del ministerio", spec.w2, seed)
        name = f"w2/{key}.json"
        files[name] = dump(out / name, key, batches["history"] + batches["late"])
        w2.append(key)
    manifest = {"size": size, "seed": seed, "year": YEAR, "w1": W1_KEY, "w2": w2, "entries": files,
                "w2_entries": sum(v for k, v in files.items() if k.startswith("w2/"))}
    (out / "manifest.json").write_text(json.dumps(manifest, indent=1) + "\n", encoding="utf-8")
    return manifest


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", choices=sorted(SIZES), default="full")
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--out", required=True, help="folder to write the batch files into")
    args = parser.parse_args(argv)
    manifest = write(args.out, args.size, args.seed)
    for name, count in manifest["entries"].items():
        if not name.startswith("w2/"):
            print(f"{name:<18} {count:>9,} entries")
    print(f"{'w2/*.json':<18} {manifest['w2_entries']:>9,} entries in {len(manifest['w2'])} plans")
    return 0


if __name__ == "__main__":
    sys.exit(main())
