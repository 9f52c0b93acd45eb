"""``racesim validate SCENARIO``: check a scenario and report every problem."""

from __future__ import annotations

import click

from racesim.cli.common import CONTEXT, SCENARIO, load, set_option


@click.command("validate", context_settings=CONTEXT)
@SCENARIO
@set_option("Check the scenario with this field changed, as `racesim run --set` would. Repeatable.")
def command(scenario: str, overrides: tuple[str, ...]) -> None:
    """Check SCENARIO (a scenario file or a mixture of them) and report every
    problem, without running anything.

    It says what the scenario holds, and which of the mechanisms of scenario format 2
    (factors, hazards, partner terms, persistence, transit, partial landings) it uses.

    \b
    Examples:
      racesim validate scenarios/base.yaml
      racesim validate scenarios/base.yaml --set agencies.nasa.missions.artemis3.success=0.9
      racesim validate scenarios/2026-mixture.yaml
    """
    from racesim.output.text import format_mechanisms
    from racesim.scenario.mixture import Mixture

    s = load(scenario, overrides, mixtures=True)
    changed = f" (changed with --set: {'; '.join(overrides)})" if overrides else ""
    if isinstance(s, Mixture):
        parts = ", ".join(f"{c.file} {100 * c.weight:.1f}%" for c in s.components)
        click.echo(
            f"{scenario}{changed}: ok — mixture {s.name!r} of {len(s.components)} scenarios "
            f"({parts}), {len(s.agencies)} agencies, {len(s.milestones)} milestones, "
            f"{s.start} to {s.horizon}"
        )
        return
    n_missions = sum(len(a.missions) for a in s.agencies.values())
    click.echo(
        f"{scenario}{changed}: ok — scenario {s.name!r}, {len(s.agencies)} agencies, "
        f"{n_missions} missions, {len(s.milestones)} milestones, "
        f"{s.start} to {s.horizon}"
    )
    line = format_mechanisms(s)
    if line:
        click.echo(line)
