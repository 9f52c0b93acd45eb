"""``racesim crowd SCENARIO``: the crowd's forecasts beside racesim's, and the ledger."""

from __future__ import annotations

from pathlib import Path

import click

from racesim.cli.common import (
    CONTEXT,
    JOBS,
    SCENARIO,
    SEED,
    Progress,
    fail,
    failures,
    load,
    replications_option,
    set_option,
    usable,
)


@click.command("crowd", context_settings=CONTEXT)
@SCENARIO
@click.option(
    "--questions",
    type=click.Path(dir_okay=False),
    default="seeds/crowd.csv",
    show_default=True,
    help="The crowd's dated forecasts (columns id, question, milestone, agency, measure, "
    "by, date, p, source, url).",
)
@replications_option("Number of replications [default: the scenario's `replications`].")
@SEED
@JOBS
@set_option("Override one field, as for `racesim run`. Repeatable.")
@click.option(
    "-o",
    "--out",
    type=click.Path(dir_okay=False),
    help="Also write racesim's answers to this CSV file (a forecast ledger), with the "
    "scenario's hash, the racesim version, the seed, N and today's date.",
)
@click.option(
    "--since",
    metavar="DATE",
    help="Also ask the questions dated from DATE on (default: the scenario's start), "
    "e.g. --since 2026-06-01. A question asked before the start was answered by the "
    "crowd without facts the scenario has: the comparison then favours racesim.",
)
@click.option("--force", is_flag=True, help="Replace an existing --out file.")
def command(
    scenario: str,
    questions: str,
    n: int | None,
    seed: int | None,
    jobs: int,
    overrides: tuple[str, ...],
    out: str | None,
    force: bool,
    since: str | None = None,
) -> None:
    """Print the crowd's forecasts beside racesim's for SCENARIO.

    \b
    Examples:
      racesim crowd scenarios/2026.yaml
      racesim crowd scenarios/2026.yaml --out my-forecasts.csv
      racesim crowd scenarios/2026.yaml --since 2026-05-01

    For each question of the crowd file (prediction markets, forecasting platforms)
    dated on or after the scenario's start, such as "NASA lands humans on the Moon
    before 2030?": the crowd's chance, racesim's chance for the same question (that
    it happens on or before the question's deadline) with its 95% interval, and the
    difference racesim - crowd in percentage points, largest difference first.
    """
    import datetime as dt

    from racesim import api
    from racesim.analysis.crowd import CrowdError, questions_for, read_crowd

    s = load(scenario, overrides)
    when = None
    if since is not None:
        try:
            when = dt.date.fromisoformat(since.strip())
        except ValueError:
            fail(f"--since {since!r} is not an ISO date (YYYY-MM-DD, e.g. 2026-06-01).")
    path = Path(out) if out else None
    if path is not None:
        usable(path, "the ledger file")
        if path.is_dir():
            fail(f"{path} is a folder; give a file name for the ledger (e.g. forecasts.csv).")
        if (path.exists() or path.is_symlink()) and not path.is_file():
            fail(
                f"{path} is not a regular file (a device, pipe, socket or broken link); "
                "racesim will not write the ledger over it. Choose another --out."
            )
        if path.exists() and not force:
            fail(
                f"{path} exists; racesim will not overwrite it. Choose another --out, or "
                "pass --force to replace it."
            )
        if not path.parent.is_dir():
            fail(f"cannot write the ledger {path}: its folder {path.parent} does not exist.")
    try:
        questions_for(s, read_crowd(questions), questions, strict=True, since=when)
    except CrowdError as exc:
        fail(str(exc))
    progress = Progress(n or s.replications, s.name)
    with failures("interrupted; nothing was written."):
        try:
            result = api.crowd(s, questions, n, seed, jobs, progress=progress, since=when)
        finally:
            progress.close()
    click.echo(result.text())
    if path is not None:
        try:
            result.save_ledger(path)
        except OSError as exc:
            fail(f"cannot write the ledger {path}: {exc.strerror or exc}")
        click.echo(f"\nledger written to {path}")
