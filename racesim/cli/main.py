"""The ``racesim`` command group; each command lives in its own module of this folder
(``run.py``, ``validate.py``, ...), and what they share in :mod:`racesim.cli.common`."""

from __future__ import annotations

import click

from racesim import __version__
from racesim.cli import (
    backtest,
    calibrate,
    compare,
    crowd,
    diff,
    params,
    plot,
    report,
    run,
    schema,
    sensitivity,
    sweep,
    trace,
    validate,
)
from racesim.cli.common import CONTEXT, fail


class _Group(click.Group):
    """The command group; Ctrl-C (or SIGTERM) outside a command's own handling (while
    a scenario loads, say) ends in one line and exit status 130, as inside it, not in
    click's "Aborted!" and status 1."""

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except KeyboardInterrupt:
            fail("interrupted.", 130)


@click.group(cls=_Group, context_settings=CONTEXT)
@click.version_option(__version__, "--version", prog_name="racesim")
def main() -> None:
    """racesim: who reaches each lunar milestone first, and when.

    Run a scenario with `racesim run scenarios/base.yaml`; check one with
    `racesim validate FILE`; list what --set can change with `racesim params FILE`;
    see how two scenarios differ with `racesim diff A B`; redraw a results folder's
    plots or report with `racesim plot RESULTS` or `racesim report RESULTS`.
    """
    import signal

    def _terminate(_signum, _frame):  # `kill` stops a run as cleanly as Ctrl-C does
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, _terminate)


for _module in (
    validate,
    params,
    diff,
    schema,
    run,
    trace,
    calibrate,
    backtest,
    crowd,
    plot,
    report,
    compare,
    sweep,
    sensitivity,
):
    main.add_command(_module.command)


if __name__ == "__main__":  # pragma: no cover
    main()
