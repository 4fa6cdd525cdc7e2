"""The benchmark of issue 14: what a write, a report, a rebuild and a start-up cost, as ratios.

Run: ``python bench/run.py [--size smoke|medium|full] [--json FILE] [--keep DIR] [--repeats N]
[--no-postgres]``.

Builds the workloads of bench/workloads.py through the real CLI (``poa apply`` processes) and
runs every measurement as a whole process, each started through bench/measure.py, a small
wrapper that takes the child's wall time and its own peak RSS (``os.wait4``'s resource usage of
that child; see there why a wrapper). Timings are the fastest of 5 runs
(``full``; 3 for ``medium``, 1 for ``smoke``), the runs of the two sides of a ratio interleaved, so
that the machine's load at a given moment weighs on both sides alike. The fastest, not the median:
on a shared machine another process's load only ever adds time, so a command's fastest run is the
best estimate of its own cost (as the timeit module's documentation advises), and the median of a
few runs shifts with the load of the minute; every run's time is in the logs (``times.tsv``), and
each step's progress line gives both. It prints a table (id, figure,
value, unit, limit, ratio, target, met) and, with ``--json FILE``, writes the same rows as a
list of objects with those keys. ``value`` is the measured figure and ``limit`` what it is
compared with (the reference run's seconds, or 300 MB for memory); ``target`` bounds ``ratio``
(``≥`` for R1, ``≤`` for the others), except R5's, which bounds the value in MB; ``met`` says
whether it is met (null when there is no target or the row was skipped). The benchmark asserts no
timing: it exits 1 only when a step failed (a child exited with an error).

Rows (docs/performance.md says what each means):

- R1      ``poa apply`` of W1's whole history (one file, one batch) into an empty store, against
          the library's own insert of as many similar events in one ``save()`` (bench/baseline.py);
          ratio = library / poa, target ≥ 0.5.
- R2      ``poa report --plan M050-2025 --as-of 2025-12-31 --format json`` in the W2 store against
          the same plan alone in its own store; ratio = big / alone, target ≤ 1.2.
- R3      the Dec 31 JSON report of W1 (about 150,000 events) against W1 short: the same plan with
          the shortest history that gives the same report (each series' last record, about 13,500
          events; the issue's "2,000 events" cannot hold a record of each of W1's 12,000 elements,
          docs/performance.md); target ≤ 1.5.
- R4      ``poa project --rebuild`` of the W2 store against a raw read of its events through the
          library (bench/baseline.py read); target ≤ 3.
- R5-*    peak RSS (MB) of the W1 Dec 31 report, of ``poa project --rebuild`` of W2 and of ``poa
          apply`` of a 100,000-entry batch into an empty store; limit 300 MB.
- R6-*    ``poa --help`` and ``poa plans`` (W1 store) against ``python -c "import click"``;
          target ≤ 2.
- R7      ``poa apply`` of the next 1,000 entries to W1 against the same to W1 short (each run on
          a fresh copy of the store); target ≤ 1.5.
- S1      single-fact commands per second: N ``poa progress`` processes in a row on (a copy of)
          the W1 store; no target.
- R1-pg, R2-pg  R1 and R2 on the PostgreSQL store (127.0.0.1:5432, user postgres, trust
          authentication; a fresh database, dropped at the end); skipped when the server does not
          answer.

Everything is built in a temporary folder removed at the end; ``--keep DIR`` builds in DIR and
keeps it (the workloads are reused when DIR already holds those of the same size and seed).
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
MEMORY_LIMIT_MB = 300.0
# R1-pg's reference saves 2,000 events at a time: the library's one insert statement of W1's 151,331 stalls in
# psycopg's pipeline mode (it never ends), and 2,000 is the size of the PostgreSQL recorder's own statements
PG_PER_SAVE = 2000
W2_GROUP = 5  # W2's plans applied per `poa apply` process while building its store
SINGLE_FACTS = {"smoke": 1, "medium": 10, "full": 20}
REPEATS = {"smoke": 1, "medium": 3, "full": 5}
STARTUP_REPEATS = {"smoke": 1, "medium": 5, "full": 5}  # start-up takes a fraction of a second: more runs
PG = {"host": "127.0.0.1", "port": 5432, "user": "postgres"}
KEYS = ("id", "figure", "value", "unit", "limit", "ratio", "target", "met")


def _load_workloads():
    spec = importlib.util.spec_from_file_location("bench_workloads", HERE / "workloads.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


workloads = _load_workloads()


class StepFailed(Exception):
    """A child process exited with an error (or could not run)."""


@dataclass
class Child:
    seconds: float
    rss_mb: float
    out: Path


@dataclass
class Row:
    id: str
    figure: str
    value: float | None
    unit: str
    limit: float | None = None
    ratio: float | None = None
    target: float | None = None
    met: bool | None = None
    compare: str | None = None  # "≥" or "≤": how target bounds ratio (R5: the value)
    note: str = ""

    def as_json(self) -> dict:
        return {k: getattr(self, k) for k in KEYS}


def ratio_row(id_: str, figure: str, value: float, limit: float, *, target: float, compare: str,
              inverse: bool = False, unit: str = "s") -> Row:
    """`value` against `limit`; ratio = value / limit, or limit / value when `inverse` (R1)."""
    ratio = round(limit / value if inverse else value / limit, 3) if value and limit else None
    met = None if ratio is None else (ratio >= target if compare == "≥" else ratio <= target)  # as shown
    return Row(id_, figure, round(value, 4), unit, round(limit, 4), ratio, target, met, compare)


def memory_row(id_: str, figure: str, rss_mb: float) -> Row:
    return Row(id_, figure, round(rss_mb, 1), "MB", MEMORY_LIMIT_MB, round(rss_mb / MEMORY_LIMIT_MB, 3),
               MEMORY_LIMIT_MB, rss_mb <= MEMORY_LIMIT_MB, "≤")


def failed_row(id_: str, figure: str, unit: str, error: str) -> Row:
    return Row(id_, f"{figure} (failed)", None, unit, note=error)


def skipped_row(id_: str, figure: str, unit: str, why: str) -> Row:
    return Row(id_, f"{figure} (skipped: {why})", None, unit, note=why)


class Harness:
    """Runs the children: one process each, wall time and peak RSS measured from here."""

    def __init__(self, work: Path, size: str, repeats: int, verbose: bool = True,
                 child_timeout: float = 3600.0) -> None:
        self.work, self.size, self.repeats, self.verbose = work, size, repeats, verbose
        self.logs = work / "logs"
        self.stores = work / "stores"
        self.logs.mkdir(parents=True, exist_ok=True)
        if self.stores.exists():
            shutil.rmtree(self.stores)
        self.stores.mkdir()
        self.started = time.perf_counter()
        bindir = Path(sys.executable).parent
        self.poa = str(bindir / "poa") if (bindir / "poa").exists() else shutil.which("poa") or "poa"
        self.python = sys.executable
        env = {k: v for k, v in os.environ.items() if not k.startswith("POA_")}
        env.update(POA_ACTOR="bench", PYTHONWARNINGS="ignore")
        self.env = env
        self._child: subprocess.Popen | None = None
        self.child_timeout = child_timeout

    def say(self, text: str) -> None:
        if self.verbose:
            print(f"[{time.perf_counter() - self.started:8.1f} s] {text}", file=sys.stderr, flush=True)

    def run(self, args: list[str], name: str, timeout: float | None = None) -> Child:
        """Run one child through bench/measure.py, which reports its wall time and its own peak RSS
        (see there why not straight from here); past `timeout` seconds (default: --child-timeout)
        the child is killed (its whole process group) and the step fails."""
        timeout = timeout or self.child_timeout
        out, err, measured = (self.logs / f"{name}{suffix}" for suffix in (".out", ".err", ".measure.json"))
        if measured.exists():
            measured.unlink()
        killed = threading.Event()

        def kill() -> None:
            killed.set()
            self._kill(child)

        with out.open("wb") as o, err.open("wb") as e:
            try:
                child = subprocess.Popen([self.python, str(HERE / "measure.py"), str(measured), "--", *args],
                                         stdout=o, stderr=e, stdin=subprocess.DEVNULL, env=self.env, cwd=self.work,
                                         start_new_session=True)
            except OSError as error:
                raise StepFailed(f"{name}: cannot run {args[0]}: {error}") from None
            self._child = child
            timer = threading.Timer(timeout, kill)
            timer.start()
            try:
                child.wait()
            except BaseException:  # interrupted: the child goes too
                self._kill(child)
                raise
            finally:
                timer.cancel()
                self._child = None
        if killed.is_set():
            raise StepFailed(f"{name}: did not end within {timeout:.0f} s (killed)")
        try:
            m = json.loads(measured.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            tail = err.read_text(encoding="utf-8", errors="replace").strip().splitlines()[-5:]
            raise StepFailed(f"{name}: no measurement (exit {child.returncode}): {' | '.join(tail)}") from None
        seconds, rss_mb, code = m["seconds"], m["maxrss_kb"] / 1024, m["exit"]  # ru_maxrss: KiB on Linux
        with (self.logs / "times.tsv").open("a", encoding="utf-8") as log:
            log.write(f"{name}\t{seconds:.4f}\t{rss_mb:.1f}\t{code}\n")
        if code != 0:
            tail = err.read_text(encoding="utf-8", errors="replace").strip().splitlines()[-5:]
            raise StepFailed(f"{name}: exit {code}: {' | '.join(tail)}")
        return Child(seconds, rss_mb, out)

    @staticmethod
    def _kill(child: subprocess.Popen) -> None:
        """The child's whole process group (the wrapper and the command it runs), then reap it."""
        try:
            os.killpg(child.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        child.wait()

    def run_fresh(self, make_args: Callable[[], list[str]], name: str, timeout: float, retries: int) -> Child:
        """`run`, and if the child did not end within `timeout`, run again (at most `retries` more
        times) with the arguments made again (`make_args`: e.g. a fresh, empty store). Used for the
        library's baseline inserts: the library's PostgreSQL insert once hung here, the client and
        the server each waiting for the other."""
        try:
            return self.run(make_args(), name, timeout)
        except StepFailed as error:
            if not retries or "did not end" not in str(error):
                raise
            self.say(f"   {name} did not end within {timeout:.0f} s: killed, run again")
            return self.run_fresh(make_args, name, timeout, retries - 1)

    def poa_run(self, name: str, *args: str) -> Child:
        return self.run([self.poa, *args], name)

    def interrupt(self) -> None:
        """Stop the child in flight, if any (the harness was interrupted)."""
        child = self._child
        if child is not None and child.returncode is None:
            self._kill(child)

    def repeated(self, sides: dict[str, Callable[[int], Child]], repeats: int | None = None) -> dict[str, list[Child]]:
        """Each side run `repeats` times, interleaved (a, b, a, b, ...)."""
        runs: dict[str, list[Child]] = {k: [] for k in sides}
        for i in range(repeats or self.repeats):
            for k, fn in sides.items():
                runs[k].append(fn(i))
        self.say("   " + ", ".join(f"{k} {fastest(v):.3f} s (median {median(v):.3f})" for k, v in runs.items()))
        return runs


def baseline_timeout(poa_seconds: float) -> float:
    """How long the library's own insert may take before it is deemed hung: it does far less than
    `poa apply` of the same events, so 3 times that, and at least a minute."""
    return max(60.0, 3 * poa_seconds)


def fastest(children: list[Child]) -> float:
    """The fastest run's seconds: the figure every timing row gives (the module's docstring says why)."""
    return min(c.seconds for c in children)


def median(children: list[Child]) -> float:
    """The median run's seconds, shown beside the fastest in each step's progress line."""
    return statistics.median(c.seconds for c in children)


def peak(children: list[Child]) -> float:
    return max(c.rss_mb for c in children)


def copy_store(source: Path, target: Path) -> Path:
    """A SQLite store's file (and its WAL and shared-memory files, if any) copied."""
    for suffix in ("", "-wal", "-shm"):
        s = Path(str(source) + suffix)
        t = Path(str(target) + suffix)
        if t.exists():
            t.unlink()
        if s.exists():
            shutil.copyfile(s, t)
    return target


def remove_store(path: Path) -> None:
    for suffix in ("", "-wal", "-shm", "-journal"):
        p = Path(str(path) + suffix)
        if p.exists():
            p.unlink()


# -- PostgreSQL ----------------------------------------------------------------------------------


class Postgres:
    """A fresh database on the local server for this run, dropped by `drop`."""

    def __init__(self) -> None:
        self.name = f"poa_bench_{os.getpid()}_{uuid.uuid4().hex[:8]}"
        self.created = False

    def _connect(self, dbname: str = "postgres"):
        import psycopg

        return psycopg.connect(dbname=dbname, connect_timeout=5, autocommit=True, **PG)

    def create(self) -> str | None:
        """None when created, else why not."""
        try:
            with self._connect() as conn:
                conn.execute(f'CREATE DATABASE "{self.name}"')
            self.created = True
            return None
        except Exception as error:  # no driver, no server, no rights: the rows are skipped
            return f"PostgreSQL at {PG['host']}:{PG['port']} does not answer ({type(error).__name__})"

    def create_schema(self, schema: str) -> None:
        with self._connect(self.name) as conn:
            conn.execute(f'CREATE SCHEMA IF NOT EXISTS "{schema}"')

    def url(self, schema: str) -> str:
        return f"postgresql://{PG['user']}@{PG['host']}:{PG['port']}/{self.name}?schema={schema}"

    def drop(self) -> None:
        if not self.created:
            return
        try:
            with self._connect() as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')
            self.created = False
        except Exception as error:
            print(f"could not drop the PostgreSQL database {self.name}: {error}", file=sys.stderr)


# -- the measurements ------------------------------------------------------------------------------


class Benchmark:
    def __init__(self, h: Harness, data: Path, manifest: dict, postgres: bool) -> None:
        self.h, self.data, self.m, self.postgres = h, data, manifest, postgres
        self.rows: list[Row] = []
        self.failed = False
        self.w1 = manifest["w1"]
        self.middle = manifest["w2"][(len(manifest["w2"]) - 1) // 2]  # M050-2025 in full
        self.history_entries = manifest["entries"]["w1-history.json"]
        self.w1_store: Path | None = None
        self.w1_short: Path | None = None
        self.w2_store: Path | None = None
        self.w1_report_rss: list[float] = []
        self.project_rss: list[float] = []
        self.r1_rss: list[float] = []
        self.r1_seconds: float | None = None  # R1's poa apply on SQLite: bounds the same on PostgreSQL

    def step(self, ids: list[tuple[str, str, str]], fn: Callable[[], list[Row]]) -> None:
        """Run one measurement; a failure becomes failed rows for `ids` (id, figure, unit)."""
        try:
            self.rows += fn()
        except StepFailed as error:
            self.failed = True
            self.h.say(f"FAILED: {error}")
            self.rows += [failed_row(i, f, u, str(error)) for i, f, u in ids]

    def data_file(self, name: str) -> str:
        return str(self.data / name)

    # R1 ------------------------------------------------------------------------------------------
    def r1(self) -> list[Row]:
        h, n = self.h, self.history_entries
        h.say(f"R1: poa apply of W1 ({n:,} entries) against the library's insert, {h.repeats}x")

        last: list[float] = []

        def poa(i: int) -> Child:
            store = h.stores / f"r1-{i}.db"
            remove_store(store)
            child = h.poa_run(f"r1-poa-{i}", "apply", self.data_file("w1-history.json"), "--initial-load",
                              "--load-reference", "bench W1", "--store", str(store))
            last.append(child.seconds)
            return child

        def library(i: int) -> Child:
            db = h.stores / f"r1-lib-{i}.db"

            def args() -> list[str]:
                remove_store(db)
                return [h.python, str(HERE / "baseline.py"), "insert", "--events", str(n), "--sqlite", str(db)]

            child = h.run_fresh(args, f"r1-lib-{i}", timeout=baseline_timeout(last[-1]), retries=1)
            remove_store(db)
            return child

        runs = h.repeated({"poa": poa, "library": library})
        self.r1_rss = [c.rss_mb for c in runs["poa"]]
        self.r1_seconds = max(c.seconds for c in runs["poa"])
        self.w1_store = h.stores / "w1.db"
        copy_store(h.stores / "r1-0.db", self.w1_store)
        for i in range(len(runs["poa"])):
            remove_store(h.stores / f"r1-{i}.db")
        return [ratio_row("R1", f"poa apply of W1 ({n:,} entries, one batch) into an empty store vs the library's "
                                "one save() of as many events (SQLite)", fastest(runs["poa"]), fastest(runs["library"]),
                          target=0.5, compare="≥", inverse=True)]

    def build_w1(self) -> None:
        h = self.h
        if self.w1_store is None:
            raise StepFailed("W1's store was not built (R1 failed)")
        h.say("building W1: the late records; W1 short")
        h.poa_run("w1-late", "apply", self.data_file("w1-late.json"), "--store", str(self.w1_store))
        self.w1_short = h.stores / "w1-short.db"
        h.poa_run("w1-short", "apply", self.data_file("w1-short.json"), "--initial-load", "--load-reference",
                  "bench W1 short", "--store", str(self.w1_short))
        h.poa_run("w1-short-late", "apply", self.data_file("w1-late.json"), "--store", str(self.w1_short))

    # R3, R7, R6, S1, R5 ---------------------------------------------------------------------------
    def report_args(self, store: str, plan: str) -> list[str]:
        return ["report", "--store", store, "--plan", plan, "--as-of", "2025-12-31", "--format", "json"]

    def r3(self) -> list[Row]:
        h = self.h
        if self.w1_short is None:
            raise StepFailed("W1's stores were not built")
        h.say("R3: the Dec 31 report of W1 against W1 short")
        runs = h.repeated({
            "long": lambda i: h.poa_run("r3-long", *self.report_args(str(self.w1_store), self.w1)),
            "short": lambda i: h.poa_run("r3-short", *self.report_args(str(self.w1_short), self.w1)),
        })
        self.w1_report_rss = [c.rss_mb for c in runs["long"]]
        events = self.history_entries + self.m["entries"]["w1-late.json"]
        short = self.m["entries"]["w1-short.json"]
        return [ratio_row("R3", f"report W1 Dec 31 (json), {events:,} events vs the same plan with {short:,}",
                          fastest(runs["long"]), fastest(runs["short"]), target=1.5, compare="≤")]

    def r7(self) -> list[Row]:
        h = self.h
        if self.w1_short is None:
            raise StepFailed("W1's stores were not built")
        n = self.m["entries"]["w1-next.json"]
        h.say(f"R7: appending {n:,} entries to W1 against W1 short")

        def append(store: Path, name: str) -> Callable[[int], Child]:
            def fn(i: int) -> Child:
                copy = copy_store(store, h.stores / f"{name}-copy.db")
                child = h.poa_run(name, "apply", self.data_file("w1-next.json"), "--store", str(copy))
                remove_store(copy)
                return child
            return fn

        runs = h.repeated({"long": append(self.w1_store, "r7-long"), "short": append(self.w1_short, "r7-short")})
        return [ratio_row("R7", f"poa apply of {n:,} more entries to W1 vs to W1 short", fastest(runs["long"]),
                          fastest(runs["short"]), target=1.5, compare="≤")]

    def r6(self) -> list[Row]:
        h = self.h
        h.say("R6: start-up")
        runs = h.repeated({
            "click": lambda i: h.run([h.python, "-c", "import click"], "r6-click"),
            "help": lambda i: h.poa_run("r6-help", "--help"),
            "plans": lambda i: h.poa_run("r6-plans", "plans", "--store", str(self.w1_store)),
        }, STARTUP_REPEATS[h.size] if h.repeats == REPEATS[h.size] else h.repeats)
        click = fastest(runs["click"])
        return [
            ratio_row("R6-help", 'poa --help vs python -c "import click"', fastest(runs["help"]), click,
                      target=2, compare="≤"),
            ratio_row("R6-plans", 'poa plans (W1 store) vs python -c "import click"', fastest(runs["plans"]), click,
                      target=2, compare="≤"),
        ]

    def s1(self) -> list[Row]:
        h = self.h
        entries = json.loads((self.data / "w1-next.json").read_text(encoding="utf-8"))["entries"]
        progress = [e["progress"] for e in entries if "progress" in e][: SINGLE_FACTS[h.size]]
        h.say(f"S1: {len(progress)} single-fact poa progress commands")
        copy = copy_store(self.w1_store, h.stores / "s1.db")
        total = 0.0
        for i, p in enumerate(progress):
            total += h.poa_run("s1-progress", "progress", "--store", str(copy), "--code", p["code"], "--percent",
                               p["percent"], "--date", p["date"]).seconds
        remove_store(copy)
        return [Row("S1", f"single-fact commands per second: {len(progress)} poa progress processes in a row "
                          "on the W1 store", round(len(progress) / total, 3), "commands/s")]

    def r5_apply(self) -> list[Row]:
        h = self.h
        n = self.m["entries"]["w1-100k.json"]
        figure = f"peak RSS of poa apply of a {n:,}-entry batch into an empty store"
        if n == self.history_entries and self.r1_rss:  # smoke: the batch is W1's whole history, applied by R1
            return [memory_row("R5-apply", figure, max(self.r1_rss))]
        h.say(f"R5: peak RSS of poa apply of a {n:,}-entry batch")
        store = h.stores / "r5-apply.db"
        child = h.poa_run("r5-apply", "apply", self.data_file("w1-100k.json"), "--initial-load", "--store", str(store))
        remove_store(store)
        return [memory_row("R5-apply", figure, child.rss_mb)]

    # W2: R2, R4 ----------------------------------------------------------------------------------
    def build_w2(self, store: str, label: str) -> None:
        h, plans = self.h, self.m["w2"]
        h.say(f"building W2{label}: {len(plans)} plans, {self.m['w2_entries']:,} entries")
        for g in range(0, len(plans), W2_GROUP):
            files = [self.data_file(f"w2/{k}.json") for k in plans[g:g + W2_GROUP]]
            h.poa_run(f"w2-build{label}", "apply", *files, "--initial-load", "--load-reference", "bench W2",
                      "--store", store)
            if g and g % (W2_GROUP * 10) == 0:
                h.say(f"   {g + len(files)} plans")

    def r2(self, big: str, alone: str, suffix: str = "", what: str = "SQLite") -> list[Row]:
        h = self.h
        h.poa_run(f"r2-alone{suffix}", "apply", self.data_file(f"w2/{self.middle}.json"), "--initial-load",
                  "--load-reference", "bench W2", "--store", alone)
        h.say(f"R2{suffix}: report {self.middle} in the W2 store against alone")
        runs = h.repeated({
            "big": lambda i: h.poa_run(f"r2-big{suffix}", *self.report_args(big, self.middle)),
            "alone": lambda i: h.poa_run(f"r2-alone-report{suffix}", *self.report_args(alone, self.middle)),
        })
        return [ratio_row(f"R2{suffix}", f"report {self.middle} Dec 31 (json) in the W2 store "
                                         f"({self.m['w2_entries']:,} events) vs the plan alone ({what})",
                          fastest(runs["big"]), fastest(runs["alone"]), target=1.2, compare="≤")]

    def r4(self) -> list[Row]:
        h = self.h
        h.say("R4: poa project --rebuild of W2 against a raw read through the library")
        read = h.stores / "w2-read.db"

        def project(i: int) -> Child:  # into a new file each time, so that every run does the same work
            remove_store(read)
            return h.poa_run("r4-project", "project", "--rebuild", "--store", str(self.w2_store), "--db", str(read))

        runs = h.repeated({
            "project": project,
            "raw": lambda i: h.run([h.python, str(HERE / "baseline.py"), "read", "--store", str(self.w2_store)],
                                   "r4-raw"),
        })
        self.project_rss = [c.rss_mb for c in runs["project"]]
        remove_store(read)
        return [ratio_row("R4", f"poa project --rebuild of W2 ({self.m['w2_entries']:,} events) vs reading and "
                                "decoding them through the library", fastest(runs["project"]), fastest(runs["raw"]),
                          target=3, compare="≤")]

    # PostgreSQL -----------------------------------------------------------------------------------
    def postgres_rows(self, pg: Postgres) -> None:
        """R1-pg and R2-pg, each added to the rows as soon as it is measured."""
        h, n = self.h, self.history_entries
        h.say(f"R1-pg: poa apply of W1 against the library's insert, PostgreSQL database {pg.name}")

        last: list[float] = []

        # the library's PostgreSQL insert (poa's too) runs in psycopg's pipeline mode, where a large
        # insert has been seen to hang for good (client and server each waiting for the other):
        # past 5 times the same apply on SQLite, and at least 5 minutes, the row fails saying so
        timeout = max(300.0, 5 * self.r1_seconds) if self.r1_seconds else None

        def poa(i: int) -> Child:
            child = h.run([h.poa, "apply", self.data_file("w1-history.json"), "--initial-load", "--load-reference",
                           "bench W1", "--store", pg.url(f"r1_{i}")], f"r1-poa-pg-{i}", timeout)
            last.append(child.seconds)
            return child

        def library(i: int) -> Child:
            attempt = [0]

            def fresh_schema() -> str:  # a retry inserts into an empty schema again
                attempt[0] += 1
                schema = f"lib_{i}_{attempt[0]}"
                pg.create_schema(schema)
                return schema

            return h.run_fresh(lambda: [h.python, str(HERE / "baseline.py"), "insert", "--events", str(n),
                                        "--per-save", str(PG_PER_SAVE),
                                        "--postgres", pg.name, "--schema", fresh_schema(), "--host", PG["host"],
                                        "--port", str(PG["port"]), "--user", PG["user"]],
                               f"r1-lib-pg-{i}", timeout=baseline_timeout(last[-1]), retries=1)

        rows = self.rows
        try:
            runs = h.repeated({"poa": poa, "library": library})
            rows.append(ratio_row("R1-pg", f"poa apply of W1 ({n:,} entries, one batch) into an empty store vs the "
                                           f"library's saves of as many events, {PG_PER_SAVE:,} a save (PostgreSQL)",
                                  fastest(runs["poa"]), fastest(runs["library"]), target=0.5, compare="≥", inverse=True))
        except StepFailed as error:
            self.failed = True
            h.say(f"FAILED: {error}")
            rows.append(failed_row("R1-pg", "poa apply of W1 vs the library's insert (PostgreSQL)", "s", str(error)))
        try:
            self.build_w2(pg.url("w2"), "-pg")
            rows += self.r2(pg.url("w2"), pg.url("alone"), "-pg", "PostgreSQL")
        except StepFailed as error:
            self.failed = True
            h.say(f"FAILED: {error}")
            rows.append(failed_row("R2-pg", f"report {self.middle} in the W2 store vs alone (PostgreSQL)", "s",
                                   str(error)))

    # all ------------------------------------------------------------------------------------------
    def run(self) -> list[Row]:
        h = self.h
        self.step([("R1", "poa apply of W1 vs the library's insert (SQLite)", "s")], self.r1)
        w1 = [("R3", "report W1 vs W1 short", "s"), ("R5-report", "peak RSS of the W1 Dec 31 report", "MB"),
              ("R7", "append to W1 vs to W1 short", "s"), ("R6-help", "poa --help vs import click", "s"),
              ("R6-plans", "poa plans vs import click", "s"), ("S1", "single-fact commands per second", "commands/s")]
        try:
            self.build_w1()
        except StepFailed as error:
            self.failed = True
            h.say(f"FAILED: {error}")
            self.rows += [failed_row(i, f, u, str(error)) for i, f, u in w1]
        else:
            self.step(w1[:2], lambda: self.r3() + [memory_row("R5-report", "peak RSS of the W1 Dec 31 report (json)",
                                                              max(self.w1_report_rss))])
            self.step(w1[2:3], self.r7)
            self.step(w1[3:5], self.r6)
            self.step(w1[5:], self.s1)
        self.step([("R5-apply", "peak RSS of poa apply of a 100,000-entry batch", "MB")], self.r5_apply)
        w2 = [("R2", f"report {self.middle} in the W2 store vs alone (SQLite)", "s"),
              ("R4", "poa project --rebuild of W2 vs a raw read", "s"),
              ("R5-project", "peak RSS of poa project --rebuild of W2", "MB")]
        try:
            self.w2_store = h.stores / "w2.db"
            self.build_w2(str(self.w2_store), "")
        except StepFailed as error:
            self.failed = True
            h.say(f"FAILED: {error}")
            self.rows += [failed_row(i, f, u, str(error)) for i, f, u in w2]
        else:
            self.step(w2[:1], lambda: self.r2(str(self.w2_store), str(h.stores / "alone.db")))
            self.step(w2[1:], lambda: self.r4() + [memory_row("R5-project", "peak RSS of poa project --rebuild of W2",
                                                              max(self.project_rss))])
        pg_ids = [("R1-pg", "poa apply of W1 vs the library's insert (PostgreSQL)", "s"),
                  ("R2-pg", f"report {self.middle} in the W2 store vs alone (PostgreSQL)", "s")]
        if not self.postgres:
            self.rows += [skipped_row(i, f, u, "--no-postgres") for i, f, u in pg_ids]
        else:
            pg = Postgres()
            why = pg.create()
            if why:
                h.say(f"PostgreSQL skipped: {why}")
                self.rows += [skipped_row(i, f, u, why) for i, f, u in pg_ids]
            else:
                try:
                    self.postgres_rows(pg)
                finally:
                    pg.drop()
        return ordered(self.rows)


ORDER = ["R1", "R1-pg", "R2", "R2-pg", "R3", "R4", "R5-report", "R5-project", "R5-apply", "R6-help", "R6-plans", "R7",
         "S1"]


def ordered(rows: list[Row]) -> list[Row]:
    return sorted(rows, key=lambda r: ORDER.index(r.id) if r.id in ORDER else len(ORDER))


# -- output ------------------------------------------------------------------------------------------


def number(value: float | None, unit: str = "") -> str:
    if value is None:
        return "—"
    if unit == "MB":
        return f"{value:,.1f}"
    return f"{value:,.3f}" if abs(value) < 1000 else f"{value:,.0f}"


def print_table(rows: list[Row], title: str) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(title=title, title_justify="left")
    for name in KEYS:
        table.add_column(name, justify="right" if name in ("value", "limit", "ratio", "target") else "left",
                         overflow="fold")
    for r in rows:
        target = "—" if r.target is None else f"{r.compare} {number(r.target)}"
        met = "—" if r.met is None else ("yes" if r.met else "NO")
        table.add_row(r.id, r.figure, number(r.value, r.unit), r.unit, number(r.limit, r.unit), number(r.ratio),
                      target, met)
    Console(width=max(140, shutil.get_terminal_size((140, 20)).columns)).print(table)


def report(rows: list[Row], args: argparse.Namespace, title: str) -> None:
    print_table(rows, title)
    if args.json:
        Path(args.json).write_text(json.dumps([r.as_json() for r in rows], indent=1, ensure_ascii=False) + "\n",
                                   encoding="utf-8")
    for r in rows:
        if r.note and r.value is None:
            print(f"{r.id}: {r.note}", file=sys.stderr)


def _terminated(signum, frame) -> None:
    raise KeyboardInterrupt


def machine() -> str:
    import platform

    return f"{platform.node()}: {os.cpu_count()} CPUs, {platform.system()} {platform.release()}, Python {platform.python_version()}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", choices=sorted(workloads.SIZES), default="full")
    parser.add_argument("--json", metavar="FILE", help="also write the rows as a JSON list to FILE")
    parser.add_argument("--keep", metavar="DIR", help="build in DIR and keep it (workloads, stores, logs)")
    parser.add_argument("--repeats", type=int, help="runs of each timing, the fastest kept (default: 5 for full, 3 for medium, 1 for smoke)")
    parser.add_argument("--seed", type=int, default=workloads.SEED)
    parser.add_argument("--no-postgres", action="store_true", help="skip the PostgreSQL rows")
    parser.add_argument("--quiet", action="store_true", help="no progress lines on standard error")
    parser.add_argument("--child-timeout", type=float, default=3600.0,
                        help="seconds after which a child is killed and its step fails (default: 3600)")
    args = parser.parse_args(argv)
    repeats = args.repeats or REPEATS[args.size]
    if repeats < 1:
        parser.error("--repeats must be at least 1")
    work = Path(args.keep).resolve() if args.keep else Path(tempfile.mkdtemp(prefix="poa-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    h = bench = None
    try:
        h = Harness(work, args.size, repeats, verbose=not args.quiet, child_timeout=args.child_timeout)
        signal.signal(signal.SIGTERM, _terminated)
        data = work / "workloads"
        manifest_file = data / "manifest.json"
        manifest = json.loads(manifest_file.read_text(encoding="utf-8")) if manifest_file.exists() else None
        if not manifest or manifest.get("size") != args.size or manifest.get("seed") != args.seed:
            h.say(f"writing the {args.size} workloads (seed {args.seed})")
            if data.exists():
                shutil.rmtree(data)
            manifest = workloads.write(data, args.size, args.seed)
        bench = Benchmark(h, data, manifest, postgres=not args.no_postgres)
        rows = bench.run()
        report(rows, args, f"POA Ledger benchmark, size {args.size}, fastest of {repeats} "
                           f"({time.perf_counter() - started:.0f} s; {machine()})")
        return 1 if bench.failed else 0
    except KeyboardInterrupt:
        if h is not None:
            h.interrupt()
        print("interrupted", file=sys.stderr)
        if bench is not None and bench.rows:  # what was measured before, e.g. when a time limit ran out
            report(ordered(bench.rows), args, f"POA Ledger benchmark, size {args.size}, fastest of {repeats}, "
                   f"INTERRUPTED after {time.perf_counter() - started:.0f} s: the rows measured so far ({machine()})")
        return 130
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
