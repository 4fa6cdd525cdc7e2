"""What a write asks of the ledger: the entries to record (`Command`), and why one is refused.

A batch is a sequence of commands, recorded all or nothing. `CommandError` names
the command the ledger refused and carries the reason: an `EntryError` of the
rules, a `BatchRepeated`, or an unknown plan.
"""

from __future__ import annotations

from attrs import frozen

from .facts import Fact
from .messages import ngettext
from .plan import BatchRecord
from .values import EntryError


@frozen
class Command:
    """One entry to record: which plan, which fact, who records it, and where it came from.

    `source` names the input (a file, or the command line) and `entry` the entry's
    number in it (0: the input is one entry); `plan_given` says the plan key was
    given for the whole write (the `plan` parameter) rather than by the batch's own
    ``plan:`` field, so that a refusal names the right one. `initial_load`: the reference
    of the initial load the entry comes in (`poa apply --initial-load`; None: not one),
    stored on its event.
    """

    plan: str
    fact: Fact
    actor: str
    source: str
    entry: int
    plan_given: bool = False
    initial_load: str | None = None


class CommandError(Exception):
    """An entry the ledger refuses, with the place it came from."""

    def __init__(self, command: Command, error: Exception):
        super().__init__(str(error))
        self.command = command
        self.error = error


class BatchRepeated(EntryError):
    """A batch whose every entry a plan already holds, recorded together: refused unless asked again."""

    def __init__(self, message: str):
        super().__init__(None, message)

    @classmethod
    def of(cls, key: str, known: BatchRecord) -> "BatchRepeated":
        """The refusal of a batch that plan `key` already holds (`known`: where it was recorded)."""
        first = known.first
        seqs = f"seq {first.seq}" if known.last_seq == first.seq else f"seq {first.seq}-{known.last_seq}"
        said = ngettext(
            "this same batch was already recorded in plan {plan} at {recorded_at} by {actor} ({seqs}); nothing was "
            "recorded. To record it once more, use --again",
            "this same batch was already recorded in plan {plan} {times} times, last at {recorded_at} by {actor} "
            "({seqs}); nothing was recorded. To record it once more, use --again",
            known.times,
        )
        return cls(said.format(plan=key, times=known.times, recorded_at=first.recorded_at.isoformat(), actor=first.actor, seqs=seqs))
