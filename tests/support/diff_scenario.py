"""The scenario of the `poa diff` tests (tests/unit/test_diff.py, tests/integration/test_diff_cli.py);
the figures worked out by hand are in tests/unit/test_diff.py.

Plan T-2021, approved 2021-01-04 (operation weights 1 unless said):

    AEI 1
      ACP 1.1  w60 (w70 from 10-15)  schedule 25/50/75/100
        op 1.1.1                    TGN 1000          (+1000 TGN on 11-02)
        op 1.1.2                    TGN 500, Otros 500
        op 1.1.3  w2  added 10-15   Otros 300
      ACP 1.2  w40 (w30 from 10-15)  schedule 10/40/70/100
        op 1.2.1                    Otros 2000
        op 1.2.2                    TGN 1000          (-1000 TGN on 11-02; cancelled 11-10)
    AEI 2
      ACP 2.1  w0                   schedule 100/100/100/100
        op 2.1.1                    TGN 100           (nothing changes here after Q2)

Recorded order (seq):
   1  approval
   2-5   progress at 09-30: 1.1.1 = 50, 1.1.2 = 30, 1.2.1 = 60, 1.2.2 = 20
   6  progress 2.1.1 = 100 at 06-30
   7-8   execution at 09-30: 1.1.1 = 400, 1.2.1 = 900
   9  execution 2.1.1 = 100 at 06-30
  10  the Q3 report issued as INF-T3-2021 (as of 09-30)
  11  reformulation R1 (10-15): add op 1.1.3; 1.1 weight 70; 1.2 weight 30
  12-13 transfer (11-02): 1.2.2 TGN -1000, 1.1.1 TGN +1000
  14  reformulation R2 (11-10): cancel op 1.2.2
  15-18 progress at 12-31: 1.1.1 = 100, 1.1.2 = 80, 1.1.3 = 50, 1.2.1 = 100
  19-21 execution at 12-31: 1.1.1 = 1300, 1.1.2 = 700, 1.2.1 = 1800
  22  correction, recorded after the issued report: progress 1.2.1 = 70 at 09-30 (was 60, seq 4)
  23  late record, recorded after the issued report: execution 1.1.2 = 300 at 09-30
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

from poa.domain.facts import Recorded, ReportIssued
from support.builders import Command, execution, history_in_batches, open_store, progress, record

PLAN = "T-2021"
REPORT = "INF-T3-2021"

APPROVAL = {
    "approve": {
        "entity": "Entidad de Prueba",
        "year": 2021,
        "date": "2021-01-04",
        "reference": "RA 001/2021",
        "strategic_actions": [
            {"code": "1", "title": "AEI uno", "sector_code": "6"},
            {"code": "2", "title": "AEI dos", "sector_code": "12"},
        ],
        "short_term_actions": [
            {"code": "1.1", "parent": "1", "title": "ACP 1.1", "weight": "60"},
            {"code": "1.2", "parent": "1", "title": "ACP 1.2", "weight": "40", "schedule": ["10", "40", "70", "100"]},
            {"code": "2.1", "parent": "2", "title": "ACP 2.1", "weight": "0", "schedule": ["100", "100", "100", "100"]},
        ],
        "operations": [
            {"code": "1.1.1", "parent": "1.1", "title": "Op 1.1.1", "budget": {"TGN": "1000"}},
            {"code": "1.1.2", "parent": "1.1", "title": "Op 1.1.2", "budget": {"TGN": "500", "Otros": "500"}},
            {"code": "1.2.1", "parent": "1.2", "title": "Op 1.2.1", "budget": {"Otros": "2000"}},
            {"code": "1.2.2", "parent": "1.2", "title": "Op 1.2.2", "budget": {"TGN": "1000"}},
            {"code": "2.1.1", "parent": "2.1", "title": "Op 2.1.1", "budget": {"TGN": "100"}},
        ],
    }
}


Q3 = [
    APPROVAL,
    progress("1.1.1", "50", "2021-09-30"),
    progress("1.1.2", "30", "2021-09-30"),
    progress("1.2.1", "60", "2021-09-30"),
    progress("1.2.2", "20", "2021-09-30"),
    progress("2.1.1", "100", "2021-06-30"),
    execution("1.1.1", "400", "2021-09-30"),
    execution("1.2.1", "900", "2021-09-30"),
    execution("2.1.1", "100", "2021-06-30"),
]
Q4 = [
    {"reformulate": {
        "date": "2021-10-15", "reference": "RD 020/2021", "reason": "Nueva operación y reponderación",
        "changes": [
            {"add": {"kind": "operation", "code": "1.1.3", "parent": "1.1", "title": "Op 1.1.3",
                     "weight": "2", "budget": {"Otros": "300"}}},
            {"update": {"code": "1.1", "weight": "70"}},
            {"update": {"code": "1.2", "weight": "30"}},
        ],
    }},
    {"budget": {"code": "1.2.2", "source": "TGN", "amount": "-1000", "date": "2021-11-02",
                "reference": "RA 050/2021", "reason": "Traspaso a 1.1.1"}},
    {"budget": {"code": "1.1.1", "source": "TGN", "amount": "1000", "date": "2021-11-02",
                "reference": "RA 050/2021", "reason": "Traspaso desde 1.2.2"}},
    {"reformulate": {"date": "2021-11-10", "reference": "RD 025/2021", "reason": "Cancelación",
                     "changes": [{"cancel": {"code": "1.2.2"}}]}},
    progress("1.1.1", "100", "2021-12-31"),
    progress("1.1.2", "80", "2021-12-31"),
    progress("1.1.3", "50", "2021-12-31"),
    progress("1.2.1", "100", "2021-12-31"),
    execution("1.1.1", "1300", "2021-12-31"),
    execution("1.1.2", "700", "2021-12-31"),
    execution("1.2.1", "1800", "2021-12-31"),
]
LATE = [
    progress("1.2.1", "70", "2021-09-30"),  # corrects seq 4 (60)
    execution("1.1.2", "300", "2021-09-30"),  # not known when the Q3 report was issued
]

ISSUED = ReportIssued(REPORT, date(2021, 9, 30), "json")  # seq 10, recorded by "auditor"
KINDS = (
    ["approve"] + ["progress"] * 5 + ["execution"] * 3 + ["issue", "reformulate", "budget", "budget", "reformulate"]
    + ["progress"] * 4 + ["execution"] * 3 + ["progress", "execution"]
)


def history_in_memory() -> list[Recorded]:
    """The scenario recorded on a plan in memory: Q3, the issued report, Q4 and LATE, each with
    one recorded time (as a store stamps a transaction)."""
    return history_in_batches(PLAN, Q3, [ISSUED], Q4, LATE, actors=["tester", "auditor", "tester", "tester"])


def history_in_store(path: Path) -> list[Recorded]:
    """The scenario recorded in a new store at `path`: Q3, the issued report, Q4 and LATE, each
    one transaction (one recorded time each)."""
    ledger = open_store(str(path), create=True)
    record(ledger, PLAN, *Q3)
    ledger.record([Command(PLAN, ISSUED, "auditor", "test", 1)])
    record(ledger, PLAN, *Q4)
    record(ledger, PLAN, *LATE)
    history = ledger.history(PLAN)
    ledger.close()
    return history
