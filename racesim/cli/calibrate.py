"""``racesim calibrate``: success chances by class, fitted to the landing record."""

from __future__ import annotations

import click

from racesim.cli.common import CONTEXT, fail


@click.command("calibrate", context_settings=CONTEXT)
@click.option(
    "--record",
    "record",
    type=click.Path(dir_okay=False),
    default="seeds/landings.csv",
    show_default=True,
    help="The landing record (CSV).",
)
@click.option(
    "--until",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    help="Use only attempts on or before this date (e.g. 2023-08-20).",
)
def command(record: str, until) -> None:
    """Fit the chance that a landing attempt succeeds, by class, to the landing record.

    Each class gets Beta(1 + successes + partials/2, 1 + failures + partials/2): a
    uniform prior updated by the record, a partial landing counting half. Scenarios use
    a class with `success: {record: CLASS}`.
    """
    from racesim.output.text import format_calibration
    from racesim.scenario import record as cal

    try:
        rows = cal.read_record(record)
    except cal.RecordError as exc:
        fail(str(exc))
    cut = until.date() if until else None
    click.echo(format_calibration(cal.table(rows, cut), record, cut))
