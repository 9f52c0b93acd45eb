"""``racesim schema``: the scenario file's JSON Schema, for editors."""

from __future__ import annotations

import json
from pathlib import Path

import click

from racesim.cli.common import CONTEXT, fail, may_write


@click.command("schema", context_settings=CONTEXT)
@click.option(
    "-o",
    "--out",
    type=click.Path(dir_okay=False),
    help="Write the schema to this file [default: print it].",
)
@click.option("--force", is_flag=True, help="Overwrite an existing file that is not a schema.")
def command(out: str | None, force: bool) -> None:
    """Print (or write with --out) the JSON Schema of a scenario file.

    \b
    Examples:
      racesim schema --out racesim-scenario.schema.json
      racesim schema > racesim-scenario.schema.json

    An editor that knows the schema completes field names as you type, shows what each
    field means and its unit, and marks a misspelt key or a wrong kind of value. In VS
    Code with the YAML extension, put this first line in a scenario file:

    \b
      # yaml-language-server: $schema=racesim-scenario.schema.json

    The schema checks each field on its own; `racesim validate FILE` also checks
    how fields relate (a mission's requires, dates within the horizon, ...).
    """
    from racesim.scenario.fileschema import file_schema

    text = json.dumps(file_schema(), indent=2, ensure_ascii=False) + "\n"
    if out is None:
        click.echo(text, nl=False)
        return
    path = Path(out)
    may_write([path], "schema", force)
    try:
        path.write_text(text, encoding="utf-8")
    except OSError as exc:
        fail(f"cannot write the schema {path}: {exc.strerror or exc}")
    click.echo(f"schema in {path}")
