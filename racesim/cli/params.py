"""``racesim params SCENARIO [PREFIX]``: every field ``--set`` can change, with its
value and unit."""

from __future__ import annotations

import click

from racesim.cli.common import CONTEXT, SCENARIO, fail, load, set_option


@click.command("params", context_settings=CONTEXT)
@SCENARIO
@click.argument("prefix", required=False)
@set_option("Change a field first, as for `racesim run` (shows the result). Repeatable.")
def command(scenario: str, prefix: str | None, overrides: tuple[str, ...]) -> None:
    """List every field of SCENARIO that --set can change: its path, its value and its unit.

    \b
    Examples:
      racesim params scenarios/base.yaml
      racesim params scenarios/base.yaml agencies.nasa.missions.artemis3
      racesim params scenarios/base.yaml agencies.roscosmos.budget \\
          --set agencies.roscosmos.budget.annual=120

    One field a line, after `extends` and --set: its path, its value and its unit,
    for example

    \b
      agencies.nasa.missions.artemis3.success  beta(a=7, b=2), mean 0.78  probability

    PREFIX keeps only the paths that start with it (a whole part: agencies.nasa, not
    agencies.na). Each path is exactly what --set, sweep --vary and sensitivity
    --range take (missions by their id); a distribution's parameter is the path
    followed by the family and the parameter, e.g. ...artemis3.success.beta.a.
    """
    from racesim.output.text import format_params
    from racesim.scenario import ScenarioError
    from racesim.scenario.params import params

    s = load(scenario, overrides)
    try:
        found = params(s, prefix)
    except ScenarioError as exc:
        fail(
            f"{ScenarioError(exc.issues, scenario).describe()} "
            f"`racesim params {scenario}` lists every one."
        )
    click.echo(format_params(found))
