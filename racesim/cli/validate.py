"""``racesim validate SCENARIO``: check a scenario and report every problem."""

from __future__ import annotations

import click

from racesim.cli.common import CONTEXT, SCENARIO, load


@click.command("validate", context_settings=CONTEXT)
@SCENARIO
def command(scenario: str) -> None:
    """Check SCENARIO and report every problem, without running anything."""
    s = load(scenario, ())
    n_missions = sum(len(a.missions) for a in s.agencies.values())
    click.echo(
        f"{scenario}: ok — scenario {s.name!r}, {len(s.agencies)} agencies, "
        f"{n_missions} missions, {len(s.milestones)} milestones, "
        f"{s.start} to {s.horizon}"
    )
