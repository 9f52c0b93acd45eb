"""``racesim trace SCENARIO -r K``: the story of one replication."""

from __future__ import annotations

import click

from racesim.cli.common import CONTEXT, SCENARIO, SEED, Replications, load, set_option


@click.command("trace", context_settings=CONTEXT)
@SCENARIO
@click.option(
    "-r",
    "--replication",
    "k",
    type=Replications(0),
    required=True,
    metavar="K",
    help="Which replication (0 is the first; the `replication` column of replications.csv).",
)
@SEED
@set_option("Override one field, as for `racesim run`. Repeatable.")
@click.option(
    "--worlds",
    type=int,
    metavar="K",
    help="Tell replication K of a run with --worlds (give its -n too): the factors are "
    "then those of the replication's world.",
)
@click.option(
    "-n",
    "n",
    type=int,
    metavar="N",
    help="With --worlds: the replications of that run [default: the scenario's].",
)
@click.option(
    "--only",
    metavar="AGENCY",
    help="Show only this agency's events (key or name) and those of the missions it helps pay for.",
)
def command(
    scenario: str,
    k: int,
    seed: int | None,
    overrides: tuple[str, ...],
    only: str | None,
    worlds: int | None = None,
    n: int | None = None,
) -> None:
    """Tell the story of one replication of SCENARIO, in date order.

    Budgets (and shocks), developments starting, stalling for want of money and
    resuming, attempts and their outcomes, milestones (and who got there first), and
    what was left undone at the horizon. It is replication K of every `racesim run`
    with the same seed, whatever its -n or --jobs.
    """
    from racesim import api

    s = load(scenario, overrides, mixtures=True)
    in_worlds = None
    if worlds is not None:
        n = s.replications if n is None else n
        try:
            in_worlds = (worlds, n)
            api.check_worlds(worlds, n, None)
        except ValueError as exc:
            raise click.BadParameter(str(exc), param_hint="--worlds") from None
        if k >= n:
            raise click.BadParameter(
                f"a run of {n:,} replications has replications 0 to {n - 1:,}", param_hint="-r"
            )
    elif n is not None:
        raise click.BadParameter("-n is the run's replications with --worlds; give --worlds too")
    story = api.trace(s, k, seed, worlds=in_worlds)
    if only is not None:
        try:
            story.agency_key(only)
        except ValueError as exc:
            raise click.BadParameter(str(exc), param_hint="--only") from None
    text = story.text(only)
    if overrides:  # under the two header lines, as `racesim run` shows them
        head = text.split("\n", 2)
        note = "changed with --set: " + "; ".join(overrides)
        text = "\n".join([*head[:2], note, *head[2:]])
    click.echo(text, nl=False)
