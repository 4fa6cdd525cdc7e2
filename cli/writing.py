"""Commands that record facts: `apply` and one command per entry kind."""

from __future__ import annotations

import re
from functools import partial

import click

from poa.adapters import use_cases
from poa.adapters.batch_files import parse_text, read_data
from poa.adapters.interface import translate as _
from poa.domain.fact_kinds import FACT_KIND
from poa.domain.values import preview

from .common import (
    Refused,
    actor_option,
    again_option,
    cli,
    plan_option,
    read_only_asked,
    record,
    refusing,
    store_option,
)


@cli.command()
@click.argument("files", nargs=-1, required=True)
@store_option
@plan_option
@actor_option
@again_option
@refusing
def apply(files, store, plan, actor, again):
    """Apply batch FILES (YAML or JSON; - for stdin) atomically: every entry of every file, or nothing.

    The same batch (the same entries for the same plan, however the file is
    written) is recorded once: applying it again is refused unless --again.
    """
    record(partial(use_cases.apply, store, files, plan=plan, actor=actor, again=again, read_only=read_only_asked()))


@cli.command()
@click.argument("file")
@store_option
@plan_option
@actor_option
@again_option
@refusing
def approve(file, store, plan, actor, again):
    """Approve a new plan from a structure FILE (the fields of an `approve` entry)."""
    record(partial(use_cases.approve, store, plan, file, actor=actor, again=again, read_only=read_only_asked()))


@cli.command()
@click.option("--date", "date_", required=True, help="Effective date, YYYY-MM-DD.")
@click.option("--reference", required=True, help="Resolution that approves it.")
@click.option("--reason", required=True, help="Why the plan is reformulated.")
@click.option("--changes", "changes_file", help="YAML or JSON file with the list of changes.")
@click.option("--add", "adds", multiple=True, help='New element, e.g. "{kind: operation, code: 6.1.1.5, parent: 6.1.1, title: ...}".')
@click.option("--update", "updates", multiple=True, help='e.g. "{code: 6.1.1, weight: 10}".')
@click.option("--cancel", "cancels", multiple=True, help="Code of an element to cancel (with its descendants).")
@click.option("--budget", "budgets", multiple=True, help='Budget line, e.g. "{code: 6.1.1.1, source: Otros, amount: -1000}".')
@store_option
@plan_option
@actor_option
@again_option
@refusing
def reformulate(date_, reference, reason, changes_file, adds, updates, cancels, budgets, store, plan, actor, again):
    """Record an approved reformulation: from a changes file, or from repeated options.

    Changes given as options apply in this order: adds, updates, budget lines, cancellations.
    """
    changes, origins = [], []
    if changes_file:
        data, source = read_data(changes_file)
        if isinstance(data, dict) and set(data) == {"changes"}:
            data = data["changes"]
        if not isinstance(data, list):
            raise Refused(_("{file}: a changes file is a list of add/update/cancel/budget changes").format(file=changes_file))
        changes += data
        origins += [_("{source}: change {n}").format(source=source, n=n) for n in range(1, len(data) + 1)]
    for action, values in (("add", adds), ("update", updates), ("budget", budgets)):
        for value in values:
            changes.append({action: parse_text(value, _("option {name}").format(name=f"--{action}"), json_format=False)})
            origins.append(_("option {name}").format(name=f"--{action} {preview(value)}"))
    changes += [{"cancel": {"code": code}} for code in cancels]
    origins += [_("option {name}").format(name=f"--cancel {preview(code)}") for code in cancels]

    def locate(field: str) -> str | None:
        """``changes[3].add.parent`` → where change 3 came from, and its field."""
        match = re.match(r"changes\[(\d+)\](?:\.\w+)?(?:\.(.+))?$", field)
        if not match or not changes:
            return None
        where = origins[int(match.group(1)) - 1]
        return _("{where}: field '{field}'").format(where=where, field=match.group(2)) if match.group(2) else where

    fields = {"date": date_, "reference": reference, "reason": reason, "changes": changes}
    record(_entry(store, plan, actor, again, "reformulate", fields), locate)


def _entry(store, plan, actor, again, kind: str, fields: dict):
    """The use-case recording one entry whose fields are the command's options."""
    return partial(
        use_cases.record_entry, store, plan, kind, fields, actor=actor, again=again, read_only=read_only_asked()
    )


def entry_command(kind: str) -> click.Command:
    """The `poa KIND` command recording one entry whose fields are its options (`fact_kinds.FACT_KINDS`)."""
    spec = FACT_KIND[kind].command

    def command(store, plan, actor, again, **options):
        fields = {name.rstrip("_"): value for name, value in options.items() if value is not None}
        record(_entry(store, plan, actor, again, kind, fields))

    for option in reversed(spec.options):
        name = f"{option.name}_" if option.name == "date" else option.name
        command = click.option(f"--{option.name}", name, required=option.required, help=option.help)(command)
    command = refusing(again_option(actor_option(plan_option(store_option(command)))))
    return cli.command(name=kind, help=spec.help)(command)


budget = entry_command("budget")
progress = entry_command("progress")
execution = entry_command("execution")
result = entry_command("result")
justify = entry_command("justify")
close = entry_command("close")
reopen = entry_command("reopen")


@cli.command()
@click.option("--reference", required=True, help="The report's title or number.")
@click.option("--issued", required=True, help="When the entity issued it, YYYY-MM-DD.")
@click.option("--date", "date_", required=True, help="Its cut-off date, YYYY-MM-DD.")
@click.option("--declared", required=True, help='Declared plan totals, e.g. "{budget_current: 578301240, physical_progress_pct: 82.41}".')
@click.option("--short-term-actions", "short_term_actions", help='Declared figures per ACP, e.g. "{6.1.1: {progress_pct: 78.92}}".')
@store_option
@plan_option
@actor_option
@again_option
@refusing
def publish(reference, issued, date_, declared, short_term_actions, store, plan, actor, again):
    """Record a report the entity issued, with the figures it declared (compare them with `poa reconcile`)."""
    fields = {"reference": reference, "issued": issued, "date": date_}
    fields["declared"] = parse_text(declared, _("option {name}").format(name="--declared"), json_format=False)
    if short_term_actions:
        fields["short_term_actions"] = parse_text(
            short_term_actions, _("option {name}").format(name="--short-term-actions"), json_format=False
        )
    record(_entry(store, plan, actor, again, "publish", fields))
