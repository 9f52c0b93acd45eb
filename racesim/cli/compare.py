"""``racesim compare A [B]``: B against A, replication by replication."""

from __future__ import annotations

import contextlib
from pathlib import Path

import click

from racesim.cli.common import (
    CONTEXT,
    JOBS,
    Progress,
    a_and_b,
    by_dates_or_fail,
    by_option,
    fail,
    failures,
    load,
    note,
    out_option,
    replications_option,
    seed_option,
)


@click.command("compare", context_settings=CONTEXT)
@a_and_b("Change a field of B (the variant; B is A when no file B is given). Repeatable.")
@replications_option("Replications of each scenario [default: A's `replications`].")
@seed_option("Root seed of both runs [default: A's `seed`].")
@JOBS
@out_option(
    "Also write the comparison into this folder: compare.json, compare.csv, the dates "
    "of A and B, the chart compare.png/svg and report.html."
)
@click.option("--force", is_flag=True, help="Replace an existing --out folder.")
@by_option(
    "Also compare each agency's chance of being first, and of having got there, on or "
    "before DATE (repeatable), e.g. --by 2028-12-31."
)
def command(
    scenario_a: str,
    scenario_b: str | None,
    overrides: tuple[str, ...],
    overrides_a: tuple[str, ...],
    n: int | None,
    seed: int | None,
    jobs: int,
    out: str | None,
    force: bool,
    by: tuple = (),
) -> None:
    """Compare scenario B with scenario A, replication by replication.

    \b
    Examples:
      racesim compare scenarios/base.yaml \\
          --set agencies.roscosmos.budget.annual=120
      racesim compare scenarios/base.yaml my_variant.yaml \\
          -n 5000 --out results/cmp

    B is a second scenario file, or A changed by --set (at least one of the two is
    needed: A against itself would show nothing).

    Both scenarios run the same replications at the same seed: replication i of A and
    of B use the same random numbers, agency by agency (common random numbers). So B-A
    shows the effect of the change alone, and its interval is much narrower than the
    one two independent runs would give.

    It first lists the fields in which B differs from A (as `racesim diff` does).
    Then, for each milestone and agency that can reach it in A or B (the others are
    named on one line), the chance of being first and of getting there at all, in A
    and in B, the difference B-A in percentage points with a 95%
    interval, and * where that interval excludes 0 (a clearly non-zero difference).
    Method: from the per-replication pairs of outcomes, Bonett & Price's adjusted Wald
    interval for a difference of paired proportions; when no replication differs, the
    interval is [0, 0].
    """
    from racesim import api
    from racesim.output.folders import staged_folder

    if scenario_b is None and not overrides and not overrides_a:
        fail(
            f"compare needs something to compare {scenario_a} with: a second scenario "
            "file B, or --set PATH=VALUE to make B from A (see racesim compare --help)."
        )
    a = load(scenario_a, overrides_a)
    b = load(scenario_b or scenario_a, overrides)
    if not [k for k in a.milestones if k in b.milestones]:
        fail(
            f"A and B have no milestone in common (A: {', '.join(a.milestones)}; "
            f"B: {', '.join(b.milestones)}); there is nothing to compare."
        )
    by_dates_or_fail([a, b], by)
    progress = Progress(2 * (n or a.replications), "compare")
    staged = staged_folder(Path(out), force) if out else contextlib.nullcontext()
    with failures("interrupted; nothing was written."), staged as tmp:
        try:
            result = api.compare(a, b, n, seed, jobs, progress=progress, by=by)
        finally:
            progress.close()
        if tmp is not None:
            result.write(tmp)
    click.echo(result.text())
    if out:
        note(f"written to {out}/")
