"""``racesim diff A [B]``: how two scenarios differ, field by field, once resolved."""

from __future__ import annotations

import click

from racesim.cli.common import CONTEXT, a_and_b, fail, load


@click.command("diff", context_settings=CONTEXT)
@a_and_b("Change a field of B (B is A when no file B is given), as for compare. Repeatable.")
def command(
    scenario_a: str,
    scenario_b: str | None,
    overrides: tuple[str, ...],
    overrides_a: tuple[str, ...],
) -> None:
    """List the fields in which scenario B differs from scenario A.

    \b
    Examples:
      racesim diff scenarios/base.yaml scenarios/base-russia-leaves-ilrs.yaml
      racesim diff scenarios/base.yaml --set agencies.nasa.budget.growth=0.02

    Both are compared as they run: after `extends` and --set, with every default
    filled in. One line per difference: the field's path (as --set takes it), A's
    value and B's value ("-" where a side has no such field; a mission or agency that
    only one side has is one line). "PATH (order)" means the same missions (or
    agencies) in another order, which changes who is funded first and who wins a tie.
    `racesim compare A B` prints the same list above its results.
    """
    from racesim.output.text import format_differences
    from racesim.scenario.params import differences

    if scenario_b is None and not overrides and not overrides_a:
        fail(
            f"diff needs something to compare {scenario_a} with: a second scenario file B, "
            "or --set PATH=VALUE to make B from A (see racesim diff --help)."
        )
    a = load(scenario_a, overrides_a)
    b = load(scenario_b or scenario_a, overrides)
    label_a = " ".join([scenario_a, *(f"--set {x}" for x in overrides_a)])
    label_b = " ".join([scenario_b or scenario_a, *(f"--set {x}" for x in overrides)])
    click.echo(f"A: {label_a}\nB: {label_b}")
    click.echo(format_differences(differences(a, b)))
