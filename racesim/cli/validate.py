"""``racesim validate SCENARIO``: check a scenario and report every problem."""

from __future__ import annotations

import click

from racesim.cli.common import CONTEXT, SCENARIO, load, set_option


@click.command("validate", context_settings=CONTEXT)
@SCENARIO
@set_option("Change a field first, as for `racesim run`, and check the result. Repeatable.")
def command(scenario: str, overrides: tuple[str, ...]) -> None:
    """Check SCENARIO and report every problem, without running anything.

    \b
    Examples:
      racesim validate scenarios/base.yaml
      racesim validate scenarios/base.yaml --set agencies.nasa.missions.artemis3.success=0.9
    """
    s = load(scenario, overrides)
    n_missions = sum(len(a.missions) for a in s.agencies.values())
    changed = f" (changed with --set: {'; '.join(overrides)})" if overrides else ""
    click.echo(
        f"{scenario}{changed}: ok — scenario {s.name!r}, {len(s.agencies)} agencies, "
        f"{n_missions} missions, {len(s.milestones)} milestones, "
        f"{s.start} to {s.horizon}"
    )
