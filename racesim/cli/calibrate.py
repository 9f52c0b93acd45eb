"""``racesim calibrate``: success chances by class, fitted to the landing record, and one
agency's attempts pooled with its class."""

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
@click.option(
    "--class",
    "classes",
    multiple=True,
    metavar="CLASS",
    help="Show only the attempts in this class; repeat it for attempts in every one "
    "of several classes (--class government --class later_attempt).",
)
@click.option(
    "--agency",
    metavar="AGENCY",
    help="Also show how this agency's own attempts in the --class classes are pooled "
    "with the other agencies' (what success: {record: [...], agency: AGENCY} gives), "
    "e.g. --agency cnsa.",
)
@click.option(
    "--strength",
    type=click.FloatRange(min=0, min_open=True),
    metavar="K",
    help="With --agency: give the prior the weight of K attempts instead of estimating it.",
)
def command(record: str, until, classes: tuple[str, ...], agency, strength) -> None:
    """Fit the chance that a landing attempt succeeds, by class, to the landing record.

    Each class gets Beta(1 + successes + partials/2, 1 + failures + partials/2): a
    uniform prior updated by the record, a partial landing counting half. Scenarios use
    a class with `success: {record: CLASS}`. The second table counts the three outcomes
    apart (success, partial landing, failure), as a mission that declares `partial`
    gets them. With --agency, the pooling of one agency's attempts with its class's:
    the class without the agency (the prior), the agency's own attempts, the posterior.
    """
    from racesim.output.text import format_calibration, format_pooling
    from racesim.scenario import record as cal
    from racesim.scenario.errors import did_you_mean
    from racesim.scenario.pooling import pool

    if strength is not None and agency is None:
        fail("--strength is the prior's weight for --agency; give --agency too")
    if agency is not None and not classes:
        fail(
            "--agency pools the agency's attempts in a class; name it with --class "
            "(e.g. --agency cnsa --class government --class later_attempt)"
        )
    try:
        rows = cal.read_record(record)
        cut = until.date() if until else None
        if classes:
            fits = [cal.fit(rows, classes, cut)]
            fits3 = [cal.fit3(rows, classes, cut)]
        else:
            fits = cal.table(rows, cut)
            fits3 = [cal.fit3(rows, [c], cut) for c in cal.CLASSES]
        out = format_calibration(fits, record, cut, fits3)
        if agency is not None:
            known = cal.agencies_in(rows)
            if agency not in known:
                raise cal.RecordError(
                    f"--agency: no agency {agency!r} in the landing record"
                    f"{did_you_mean(agency, known)}; its agencies are {', '.join(known)}"
                )
            chosen = cal.select(rows, classes, cut)
            for outcomes in (2, 3):
                out += "\n\n" + format_pooling(pool(chosen, agency, classes, outcomes, strength))
    except cal.RecordError as exc:
        fail(str(exc))
    if classes and fits[0].n == 0:
        fail(f"no attempts in the record match {list(classes)} up to {cut or 'the latest'}")
    click.echo(out)
