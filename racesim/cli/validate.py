"""``racesim validate SCENARIO``: check a scenario and report every problem."""

from __future__ import annotations

import click

from racesim.cli.common import CONTEXT, SCENARIO, load


@click.command("validate", context_settings=CONTEXT)
@SCENARIO
def command(scenario: str) -> None:
    """Check SCENARIO (a scenario file or a mixture of them) and report every
    problem, without running anything."""
    from racesim.scenario.mixture import Mixture

    s = load(scenario, (), mixtures=True)
    if isinstance(s, Mixture):
        parts = ", ".join(f"{c.file} {100 * c.weight:.1f}%" for c in s.components)
        click.echo(
            f"{scenario}: ok — mixture {s.name!r} of {len(s.components)} scenarios "
            f"({parts}), {len(s.agencies)} agencies, {len(s.milestones)} milestones, "
            f"{s.start} to {s.horizon}"
        )
        return
    n_missions = sum(len(a.missions) for a in s.agencies.values())
    click.echo(
        f"{scenario}: ok — scenario {s.name!r}, {len(s.agencies)} agencies, "
        f"{n_missions} missions, {len(s.milestones)} milestones, "
        f"{s.start} to {s.horizon}"
    )
