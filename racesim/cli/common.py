"""What every command shares: the context settings, the options several commands take,
the progress bar, loading a scenario, and turning an error into one line on stderr
with no traceback (the README's "What a run prints" and "The results folder")."""

from __future__ import annotations

import contextlib
import os
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import click

from racesim.output.folders import ResultsExistError, WriteError

CONTEXT = {"help_option_names": ["-h", "--help"], "max_content_width": 100}


class Progress:
    """A progress bar on stderr, shown only for runs longer than a moment on a terminal.

    ``plain_label``: without a terminal (a log, a pipe), write a plain line every 10%
    instead, naming ``plain_label``.  ``announce(line, total)`` (an analysis' announce
    callback) prints what will run and sets the total."""

    def __init__(self, total: int, label: str, plain_label: str | None = None, quiet: bool = False):
        self.total = total
        self.label = label
        self.done = 0
        self.t0 = time.perf_counter()
        self.bar = None
        self.enabled = sys.stderr.isatty() and not quiet
        self.plain_label = None if quiet else plain_label
        self._tenths = 0

    def announce(self, line: str, total: int) -> None:
        click.echo(line, err=True)
        self.total = total
        self.t0 = time.perf_counter()

    def __call__(self, k: int) -> None:
        self.done += k
        if not self.enabled:
            if self.plain_label is not None:
                self._plain()
            return
        if self.bar is None and time.perf_counter() - self.t0 > 0.7:
            self.bar = click.progressbar(
                length=max(self.total, self.done),
                label=self.label,
                file=sys.stderr,
                show_eta=False,  # the time, labelled, is in status()
                show_pos=True,
                item_show_func=self.status,
            )
            self.bar.__enter__()
            self.bar.update(self.done)
            return
        if self.bar is not None:
            if self.done > self.bar.length:
                self.bar.length = self.done
            self.bar.update(k)

    def _plain(self) -> None:
        tenth = min(10, self.done * 10 // max(1, self.total))
        if tenth <= self._tenths:
            return
        self._tenths = tenth
        elapsed = time.perf_counter() - self.t0
        left = elapsed * max(0, self.total - self.done) / max(1, self.done)
        click.echo(
            f"{self.plain_label}: {10 * tenth}% ({self.plain_detail()}), "
            f"{elapsed:,.0f} s elapsed, about {left:,.0f} s left",
            err=True,
        )

    def plain_detail(self) -> str:
        return f"{self.done:,} of {self.total:,} replications"

    def status(self, _item=None) -> str:
        """What the bar shows after the count: the rate, the time elapsed and the time
        left, each labelled (``1,200 rep/s, 0:05 elapsed, about 0:12 left``)."""
        elapsed = time.perf_counter() - self.t0
        rate = self.done / max(1e-9, elapsed)
        left = max(0, self.total - self.done) / rate if self.done else None
        about = f", about {_clock(left)} left" if left is not None else ""
        return f"{rate:,.0f} rep/s, {_clock(elapsed)} elapsed{about}"

    def close(self) -> None:
        if self.bar is not None:
            self.bar.__exit__(None, None, None)


def _clock(seconds: float) -> str:
    """``75`` -> ``1:15``; ``3725`` -> ``1:02:05``."""
    s = int(round(seconds))
    h, rest = divmod(s, 3600)
    m, s = divmod(rest, 60)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m}:{s:02d}"


def note(text: str) -> None:
    """A note for the person at the terminal (where the results went, how long it
    took): on stderr, so that stdout holds only the command's table or JSON."""
    click.echo(text, err=True)


#: the longest message :func:`fail` prints whole (a value quoted in it may be huge)
MAX_MESSAGE = 2000


def fail(message: str, code: int = 2) -> None:
    """Print ``racesim: MESSAGE`` on stderr (cut in the middle beyond
    :data:`MAX_MESSAGE` characters) and exit with ``code``."""
    if len(message) > MAX_MESSAGE:
        cut = len(message) - MAX_MESSAGE
        message = f"{message[:1200]} [... {cut:,} characters ...] {message[-800:]}"
    click.echo(f"racesim: {message}", err=True)
    sys.exit(code)


def load(path: str, overrides: tuple[str, ...], mixtures: bool = False):
    """The scenario at ``path`` with ``--set`` applied, or exit with its message;
    with ``mixtures``, a mixture too (``--set`` applies to each component)."""
    from racesim.api import remember
    from racesim.scenario import ScenarioError, load_scenario
    from racesim.scenario.loading import load_file

    try:
        read = load_file if mixtures else load_scenario
        return remember(read(path, overrides), path, overrides)
    except ScenarioError as exc:
        fail(exc.describe())


def jobs_or_cores(jobs: int) -> int:
    return jobs or os.cpu_count() or 1


@contextlib.contextmanager
def failures(interrupted: str = "interrupted; no results were written.") -> Iterator[None]:
    """Turn the errors a command expects into one line on stderr: a bad scenario or
    option, a results folder that may not be replaced, a file-system error, Ctrl-C."""
    from racesim.analysis.backtest import OutcomesError
    from racesim.analysis.crowd import CrowdError
    from racesim.analysis.sensitivity import MissingDependency
    from racesim.analysis.summary import ByDateError
    from racesim.api import WorkersError
    from racesim.output.tables import MissingPyarrow
    from racesim.run.montecarlo import ExecutorError
    from racesim.scenario import ScenarioError

    try:
        yield
    except ScenarioError as exc:
        fail(exc.describe())
    except (
        ResultsExistError,
        WriteError,
        ExecutorError,
        OutcomesError,
        CrowdError,
        ByDateError,
        MissingDependency,
        MissingPyarrow,
    ) as exc:
        fail(str(exc))
    except WorkersError as exc:  # in the command line's words
        fail(str(exc).replace("jobs > 1", "-j > 1").replace("jobs=1", "-j 1"))
    except KeyboardInterrupt:
        fail(interrupted, 130)


class _Stage:
    """A results folder staged once the analysis has checked its input: see
    :func:`staged_later`."""

    def __init__(self, stack: contextlib.ExitStack, out: str | None, kind: str, force: bool):
        self.stack, self.out, self.kind, self.force = stack, out, kind, force
        self.folder: Path | None = None
        self.tmp: Path | None = None

    def announcing(self, progress: Progress):
        """An analysis' ``announce`` callback: say what will run, then stage the folder
        (default ``results/<scenario name>-<kind>``)."""
        from racesim.output.folders import staged_folder

        def announce(line: str, total: int, scenario) -> None:
            progress.announce(line, total)
            self.folder = (
                Path(self.out) if self.out else Path("results") / f"{scenario.name}-{self.kind}"
            )
            self.tmp = self.stack.enter_context(staged_folder(self.folder, self.force))

        return announce


@contextlib.contextmanager
def staged_later(out: str | None, kind: str, force: bool) -> Iterator[_Stage]:
    """A results folder staged when the analysis announces its run (its input valid,
    nothing run yet), which appears whole when the block ends without an error."""
    with contextlib.ExitStack() as stack:
        yield _Stage(stack, out, kind, force)


# options shared by several commands
JOBS = click.option(
    "-j",
    "--jobs",
    type=click.IntRange(min=0),
    default=1,
    show_default=True,
    help="Worker processes (0 = one per core). Results do not depend on it.",
)
FORCE = click.option("--force", is_flag=True, help="Replace an existing results folder.")


def seed_option(help: str = "Root seed [default: the scenario's `seed`]."):  # noqa: A002
    return click.option("--seed", type=click.IntRange(min=0), help=help)


def out_option(help: str):  # noqa: A002 - click's word
    return click.option("-o", "--out", type=click.Path(file_okay=False), help=help)


SEED = seed_option()
SCENARIO = click.argument("scenario", type=click.Path(dir_okay=False))


def plots_option(help: str):  # noqa: A002 - click's word
    """``--plots some|all`` (default some): which set of plots a command draws."""
    return click.option(
        "--plots",
        "plot_set",
        type=click.Choice(["some", "all"]),
        default="some",
        show_default=True,
        help=help,
    )


def set_option(help: str):  # noqa: A002 - click's word
    return click.option("--set", "overrides", multiple=True, metavar="PATH=VALUE", help=help)


def a_and_b(set_help: str):
    """The arguments ``A [B]`` with ``--set`` (B's changes, help ``set_help``) and
    ``--set-a`` (A's), as ``compare`` and ``diff`` take them."""

    def wrap(f):
        f = click.option(
            "--set-a",
            "overrides_a",
            multiple=True,
            metavar="PATH=VALUE",
            help="Change a field of A. Repeatable.",
        )(f)
        f = set_option(set_help)(f)
        f = click.argument(
            "scenario_b", metavar="[B]", required=False, type=click.Path(dir_okay=False)
        )(f)
        return click.argument("scenario_a", metavar="A", type=click.Path(dir_okay=False))(f)

    return wrap


class Replications(click.ParamType):
    """A count of replications (``low`` = 1) or a replication's index (``low`` = 0)
    below :data:`racesim.scenario.schema.MAX_REPLICATIONS` (read when used, so that the
    command line starts without loading the scenario models)."""

    name = "integer"

    def __init__(self, low: int = 1):
        self.low = low

    def convert(self, value, param, ctx):
        from racesim.scenario.schema import MAX_REPLICATIONS

        v = click.INT.convert(value, param, ctx)
        high = MAX_REPLICATIONS - 1 + self.low
        if not self.low <= v <= high:
            self.fail(f"{v} is not in the range {self.low}<=x<={high:,}.", param, ctx)
        return v


def replications_range() -> Replications:
    """A count of replications: 1 to :data:`racesim.scenario.schema.MAX_REPLICATIONS`."""
    return Replications(1)


def replications_option(help: str, default: int | None = None):  # noqa: A002
    return click.option(
        "-n",
        "--replications",
        "n",
        type=Replications(1),
        default=default,
        show_default=default is not None,
        help=help,
    )


def results_folder(folder: str) -> dict:
    """A results folder's contents (:func:`racesim.output.results.load_run`), or exit."""
    from racesim.output.results import NotAResultsFolder, load_run, recover

    usable(Path(folder), "the results folder")
    recover(Path(folder))  # a run that died replacing it may have left it aside
    if not Path(folder).is_dir():
        fail(f"{folder} is not a folder; give a folder that `racesim run` wrote.")
    try:
        return load_run(folder)
    except NotAResultsFolder as exc:
        if all((Path(folder) / f).is_file() for f in ("scores.csv", "calibration.csv")):
            fail(
                f"{folder} is a folder of `racesim backtest`, whose reliability diagram is "
                "calibration.png there; plot and report draw the folders of run, compare, "
                "sweep and sensitivity."
            )
        fail(f"{exc}; give a folder that `racesim run` wrote, such as results/base.")
    except (OSError, ValueError) as exc:
        fail(f"cannot read the results folder {folder}: {exc}")


def usable(path: Path, what: str) -> None:
    """Refuse a path the file system cannot even look up (a name too long)."""
    from racesim.output.folders import name_too_long

    problem = name_too_long(path)
    if problem is not None:
        fail(f"cannot use {what} {path}: {problem}.")


def may_write(paths: list[Path], kind: str, force: bool, source: Path | None = None) -> None:
    """Refuse (before drawing anything) to overwrite a file racesim did not write as
    this kind of output, a file of a results folder, or the report or plots of a
    results folder other than ``source`` (the one drawn from), unless --force."""
    from racesim.output.overwrite import overwrite_problem

    for p in paths:
        usable(p, f"the {kind} file")
        problem = overwrite_problem(p, kind, source)
        if problem is None:
            continue
        reason, allowed = problem
        if not allowed:
            fail(f"{reason}; racesim will not write the {kind} over it. Choose another --out.")
        if not force:
            fail(
                f"{reason}; racesim will not overwrite it. Choose another --out, or pass "
                "--force to overwrite it."
            )


def noted(paths: list[Path]) -> None:
    """Record files just written inside a results folder in its marker."""
    from racesim.output.folders import note_written

    for folder in {Path(p).absolute().parent for p in paths}:
        for f in (folder, folder.parent):
            try:
                note_written(f, [p for p in paths if Path(p).absolute().is_relative_to(f)])
            except OSError:
                pass


class Precision(click.ParamType):
    """``--precision``: a 95% half-width from :data:`racesim.api.MIN_PRECISION` to 0.5
    (not NaN, which every range check lets through)."""

    name = "FLOAT"

    def convert(self, value, param, ctx):
        from racesim.api import MIN_PRECISION

        try:
            v = float(value)
        except (TypeError, ValueError):
            self.fail(f"{str(value)[:40]!r} is not a number", param, ctx)
        if not MIN_PRECISION <= v <= 0.5:  # False for NaN
            self.fail(
                f"{value} is not a 95% half-width from {MIN_PRECISION:g} to 0.5 (e.g. 0.005)",
                param,
                ctx,
            )
        return v


class IsoDate(click.ParamType):
    """An ISO date (``2028-12-31``), checked at the command line."""

    name = "DATE"

    def convert(self, value, param, ctx):
        import datetime as dt

        if isinstance(value, dt.date):
            return value
        try:
            return dt.date.fromisoformat(str(value).strip())
        except ValueError:
            self.fail(f"{value!r} is not an ISO date (YYYY-MM-DD, e.g. 2028-12-31)", param, ctx)


def by_option(help: str):  # noqa: A002 - click's word
    return click.option("--by", "by", multiple=True, type=IsoDate(), metavar="DATE", help=help)


def by_dates_or_fail(scenarios, by) -> None:
    """Exit with one line if a ``--by`` date is outside a scenario's start..horizon."""
    from racesim.analysis.summary import ByDateError, by_dates

    for s in scenarios:
        try:
            by_dates(s, by)
        except ByDateError as exc:
            fail(str(exc).replace("by date ", "--by ", 1) + f" (scenario {s.name!r}).")
