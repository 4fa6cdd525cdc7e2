"""Commands that record facts: `apply` and one command per entry kind."""

from __future__ import annotations

import re
from functools import partial

import click

from poa.adapters.interface import translate as _
from poa.domain.fact_kinds import FACT_KIND
from poa.domain.facts import LATEST
from poa.domain.values import preview

from .common import (
    Refused,
    cli,
    initial_load_options,
    read_only_asked,
    record,
    refusing,
    write_options,
)


@cli.command()
@click.argument("files", nargs=-1, required=True)
@write_options
@initial_load_options
@refusing
def apply(files, store, plan, actor, again, dry_run, initial_load, load_reference):
    """Apply batch FILES (YAML or JSON; - for stdin) atomically: every entry of every file, or nothing.

    The same batch (the same entries for the same plan, however the file is
    written) is recorded once: applying it again is refused unless --again.
    """
    from poa.adapters import use_cases

    record(partial(
        use_cases.apply, store, files, plan=plan, actor=actor, again=again, dry_run=dry_run, read_only=read_only_asked(),
        initial_load=initial_load, load_reference=load_reference,
    ))


@cli.command()
@click.argument("file")
@write_options
@refusing
def approve(file, store, plan, actor, again, dry_run):
    """Approve a new plan from a structure FILE (the fields of an `approve` entry)."""
    from poa.adapters import use_cases

    record(partial(
        use_cases.approve, store, plan, file, actor=actor, again=again, dry_run=dry_run, read_only=read_only_asked()
    ))


@cli.command()
@click.option("--date", "date_", required=True, help="Effective date, YYYY-MM-DD.")
@click.option("--reference", required=True, help="Resolution that approves it.")
@click.option("--reason", required=True, help="Why the plan is reformulated.")
@click.option("--changes", "changes_file", help="YAML or JSON file with the list of changes.")
@click.option("--add", "adds", multiple=True, help='New element, e.g. "{kind: operation, code: 6.1.1.5, parent: 6.1.1, title: ...}".')
@click.option("--update", "updates", multiple=True, help='e.g. "{code: 6.1.1, weight: 10}".')
@click.option("--cancel", "cancels", multiple=True, help="Code of an element to cancel (with its descendants).")
@click.option("--budget", "budgets", multiple=True, help='Budget line, e.g. "{code: 6.1.1.1, source: Otros, amount: -1000}".')
@write_options
@refusing
def reformulate(date_, reference, reason, changes_file, adds, updates, cancels, budgets, store, plan, actor, again, dry_run):
    """Record an approved reformulation: from a changes file, or from repeated options.

    Changes given as options apply in this order: adds, updates, budget lines, cancellations.
    """
    from poa.adapters.batch_files import parse_text, read_data

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
    record(_entry(store, plan, actor, again, dry_run, "reformulate", fields), locate)


def _entry(store, plan, actor, again, dry_run, kind: str, fields: dict):
    """The use-case recording one entry whose fields are the command's options (`dry_run`: checking it only)."""
    from poa.adapters import use_cases

    return partial(
        use_cases.record_entry, store, plan, kind, fields, actor=actor, again=again, dry_run=dry_run,
        read_only=read_only_asked(),
    )


def entry_command(kind: str, *, replace_flag: bool = False) -> click.Command:
    """The `poa KIND` command recording one entry whose fields are its options (`fact_kinds.FACT_KINDS`);
    `replace_flag`: with ``--replace``, the entry's ``replaces: latest`` (a result's, a justification's)."""
    spec = FACT_KIND[kind].command

    def command(store, plan, actor, again, dry_run, replace=False, **options):
        fields = {name.rstrip("_"): value for name, value in options.items() if value is not None}
        if replace:
            if "replaces" in fields:
                raise Refused(_("give either --replaces SEQ or --replace, not both"))
            fields["replaces"] = LATEST
        record(_entry(store, plan, actor, again, dry_run, kind, fields))

    if replace_flag:
        command = click.option(
            "--replace", "replace", is_flag=True,
            help="Supersede the latest text of the same kind, element and date (what --replaces SEQ names by its seq).",
        )(command)
    for option in reversed(spec.options):
        name = f"{option.name}_" if option.name == "date" else option.name
        command = click.option(f"--{option.name}", name, required=option.required, help=option.help)(command)
    command = refusing(write_options(command))
    return cli.command(name=kind, help=spec.help)(command)


budget = entry_command("budget")
progress = entry_command("progress")
execution = entry_command("execution")
result = entry_command("result", replace_flag=True)
justify = entry_command("justify", replace_flag=True)
close = entry_command("close")
reopen = entry_command("reopen")


@cli.command()
@click.option("--reference", required=True, help="The report's title or number.")
@click.option("--issued", required=True, help="When the entity issued it, YYYY-MM-DD.")
@click.option("--date", "date_", required=True, help="Its cut-off date, YYYY-MM-DD.")
@click.option("--declared", required=True, help='Declared plan totals, e.g. "{budget_current: 578301240, physical_progress_pct: 82.41}".')
@click.option("--short-term-actions", "short_term_actions", help='Declared figures per ACP, e.g. "{6.1.1: {progress_pct: 78.92}}".')
@write_options
@refusing
def publish(reference, issued, date_, declared, short_term_actions, store, plan, actor, again, dry_run):
    """Record a report the entity issued, with the figures it declared (compare them with `poa reconcile`)."""
    from poa.adapters.batch_files import parse_text

    fields = {"reference": reference, "issued": issued, "date": date_}
    fields["declared"] = parse_text(declared, _("option {name}").format(name="--declared"), json_format=False)
    if short_term_actions:
        fields["short_term_actions"] = parse_text(
            short_term_actions, _("option {name}").format(name="--short-term-actions"), json_format=False
        )
    record(_entry(store, plan, actor, again, dry_run, "publish", fields))


# where `poa transfer`'s entry fields came from: the options that state them
_TRANSFER_OPTIONS = {
    "from": "--from", "from.code": "--from", "from.source": "--source",
    "to": "--to", "to.code": "--to", "to.source": "--to-source",
}


def _transfer_option(field: str) -> str | None:
    option = _TRANSFER_OPTIONS.get(field)
    return None if option is None else _("option {name}").format(name=option)


@cli.command()
@click.option("--from", "from_code", required=True, help="Code of the operation the budget moves from.")
@click.option("--to", "to_code", required=True, help="Code of the operation the budget moves to.")
@click.option("--source", required=True, help="Funding source it moves from (TGN, Otros, ...).")
@click.option("--to-source", "to_source", help="Funding source it moves to; default: the same as --source.")
@click.option("--amount", required=True, help="Amount moved, greater than 0.")
@click.option("--date", "date_", required=True, help="Effective date, YYYY-MM-DD.")
@click.option("--reference", required=True, help="Resolution that approves it.")
@click.option("--reason", required=True, help="Why the budget moves.")
@write_options
@refusing
def transfer(from_code, to_code, source, to_source, amount, date_, reference, reason, store, plan, actor, again, dry_run):
    """Record a budget transfer between two operations (or two sources) as one fact: the plan's total stays the same.

    The amount leaves the --from operation's --source budget and enters the --to operation's
    --to-source budget at once; the giving side may not go below 0 at any date.
    """
    to = {"code": to_code} if to_source is None else {"code": to_code, "source": to_source}
    fields = {
        "from": {"code": from_code, "source": source}, "to": to, "amount": amount, "date": date_,
        "reference": reference, "reason": reason,
    }
    record(_entry(store, plan, actor, again, dry_run, "transfer", fields), _transfer_option)


@cli.command()
@click.option("--code", required=True, help="Code of the element whose recorded value was wrong.")
@click.option("--title", help="The title as it should have been recorded.")
@click.option("--weight", help="The weight as it should have been recorded.")
@click.option(
    "--budget", "budget", multiple=True, metavar="SOURCE=AMOUNT",
    help="An amount as it should have been recorded, by funding source (repeatable): an approved or added operation's "
    "approved amount, a budget modification's or budget line's signed amount, or the signed amount of one side of a "
    "transfer (negative: the giving side; positive: the receiving side; the other side follows).",
)
@click.option("--reason", required=True, help="The data-entry error corrected.")
@click.option(
    "--corrects", help="Seq of the fact corrected; default: the fact that last set that field of the element."
)
@write_options
@refusing
def correct(code, title, weight, budget, reason, corrects, store, plan, actor, again, dry_run):
    """Correct a title, weight or approved amount as an earlier fact should have recorded it.

    A data-entry fix, not a change of the plan: it counts from the corrected fact's own
    date, is shown as a correction in history, explain and diff, and is neither a
    reformulation nor a budget modification. Give one of --title, --weight, --budget.
    """
    fields = {"code": code, "reason": reason}
    for name, value in (("title", title), ("weight", weight), ("corrects", corrects)):
        if value is not None:
            fields[name] = value
    if budget:
        amounts = {}
        for given in budget:
            source, sign, amount = given.partition("=")
            if not sign or not source.strip() or not amount.strip():
                raise Refused(
                    _("{option}: expected SOURCE=AMOUNT, got {value}").format(
                        option=_("option {name}").format(name="--budget"), value=preview(given)
                    )
                )
            if source.strip() in amounts:
                raise Refused(
                    _("{option}: source {source} given twice").format(
                        option=_("option {name}").format(name="--budget"), source=preview(source.strip())
                    )
                )
            amounts[source.strip()] = amount.strip()
        fields["budget"] = amounts
    record(_entry(store, plan, actor, again, dry_run, "correct", fields))
