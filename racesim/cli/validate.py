"""``racesim validate SCENARIO``: check a scenario and report every problem."""

from __future__ import annotations

import click

from racesim.cli.common import CONTEXT, SCENARIO, load, set_option


@click.command("validate", context_settings=CONTEXT)
@SCENARIO
@set_option("Check the scenario with this field changed, as `racesim run --set` would. Repeatable.")
def command(scenario: str, overrides: tuple[str, ...]) -> None:
    """Check SCENARIO and report every problem, without running anything.

    It says what the scenario holds, and which of the mechanisms of scenario format 2
    (factors, hazards, partner terms, persistence, transit, partial landings) it uses.
    """
    from racesim.output.text import format_mechanisms

    s = load(scenario, overrides)
    n_missions = sum(len(a.missions) for a in s.agencies.values())
    click.echo(
        f"{scenario}: ok — scenario {s.name!r}, {len(s.agencies)} agencies, "
        f"{n_missions} missions, {len(s.milestones)} milestones, "
        f"{s.start} to {s.horizon}"
    )
    line = format_mechanisms(s)
    if line:
        click.echo(line)
