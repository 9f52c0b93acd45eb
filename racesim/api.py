"""racesim from Python (notebooks, scripts): one function per command, each returning
a result object (:mod:`racesim.api_results`) with DataFrame accessors, ``.text()`` (what
the command prints) and ``.save(folder)`` (the folder the command writes).

::

    import racesim
    s = racesim.load("scenarios/base.yaml", {"agencies.roscosmos.budget.annual": 120})
    run = racesim.simulate(s, n=2000, seed=1)
    run.summary                  # dict shaped like summary.json
    run.first()                  # DataFrame: milestone, agency, p, lo, hi
    run.table()                  # the per-replication table (replications.csv)
    run.story(17)                # replication 17, told in date order
    run.save("results/py-try1")  # a results folder, as `racesim run` writes it
    racesim.open("results/py-try1")  # ... read back as the same Run
    racesim.compare("scenarios/base.yaml", overrides_b={"agencies.nasa.budget.growth": 0})
    racesim.sweep(s, ["agencies.nasa.missions.artemis3.success=0.5:0.9:3"], n=500)
    racesim.sensitivity(s, "crewed_landing", n=200)
    racesim.backtest("scenarios/base.yaml", n=2000)

The results are those of ``racesim run`` with the same scenario, seed and number of
replications (whatever ``jobs``).  pandas is needed only for the DataFrame methods and
matplotlib only for the plots (``pip install 'racesim[notebook]'``).  Nothing here
prints.
"""

from __future__ import annotations

import contextlib
import copy
import datetime as dt
import os
import sys
import weakref
from collections.abc import Callable, Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any

import numpy as np
import yaml

from racesim.api_evidence import (  # noqa: F401 - racesim.backtests, racesim.crowd
    BacktestsResult,
    CrowdResult,
    backtests,
    crowd,
)
from racesim.api_open import open_run
from racesim.api_results import (  # noqa: F401 - the result types, importable from here
    BacktestResult,
    CompareResult,
    Run,
    SensitivityResult,
    SweepResult,
    in_api_words,
)
from racesim.run.worlds import check_worlds
from racesim.scenario.errors import ScenarioError
from racesim.scenario.extends import read_yaml
from racesim.scenario.loading import MIXTURE_REFUSED, from_data
from racesim.scenario.mixture import Mixture, is_mixture, load_mixture
from racesim.scenario.overrides import apply_overrides, parse_override, set_path
from racesim.scenario.schema import Scenario

#: keep the per-replication table in memory by default up to this many replications
KEEP_TABLE_LIMIT = 100_000
#: with ``precision`` and no ``n``, the first batch (later batches are sized from it)
PRECISION_START = 500
#: the finest ``precision`` (95% half-width) a run may ask for: finer needs more than
#: :data:`racesim.scenario.schema.MAX_REPLICATIONS` replications
MIN_PRECISION = 1e-5

Overrides = Mapping[str, Any] | Iterable[str] | str | None

# where a loaded scenario came from (file, overrides as PATH=VALUE), for the manifest;
# keyed by id() since scenarios are immutable and unhashable
_ORIGINS: dict[int, tuple[weakref.ref, str, list[str]]] = {}


def remember(s: Scenario, path: str | os.PathLike, overrides: Iterable[str]) -> Scenario:
    """Note that ``s`` was loaded from ``path`` (as given) with ``overrides``
    (``PATH=VALUE``), for manifests and labels; returns ``s``."""
    key = id(s)
    entry = (weakref.ref(s, lambda _r: _ORIGINS.pop(key, None)), os.fspath(path), list(overrides))
    _ORIGINS[key] = entry
    return s


def _origin(s: Scenario) -> tuple[str | None, list[str]]:
    hit = _ORIGINS.get(id(s))
    if hit is not None and hit[0]() is s:
        return hit[1], list(hit[2])
    return None, []


class WorkersError(RuntimeError):
    """The worker processes of ``jobs > 1`` could not start or died."""


_WORKERS_HINT = (
    "with jobs > 1 each worker process imports the calling script again, which a "
    "script read from stdin cannot be: save the script to a file (with the call under "
    'if __name__ == "__main__":), or use jobs=1'
)


@contextlib.contextmanager
def _workers(jobs: int, executor: str | None = "local") -> Iterator[None]:
    """Worker processes that cannot start (a script fed on stdin) or that die, as one
    :class:`WorkersError` with a hint instead of a broken process pool's traceback."""
    from concurrent.futures.process import BrokenProcessPool

    if jobs > 1 and executor in (None, "local"):
        main = sys.modules.get("__main__")
        file = getattr(main, "__file__", None)
        if isinstance(file, str) and not os.path.exists(file):
            raise WorkersError(f"the worker processes cannot start: {_WORKERS_HINT}")
    try:
        yield
    except BrokenProcessPool:
        raise WorkersError(
            "a worker process stopped before its work was done (out of memory, killed, or "
            f"unable to start); {_WORKERS_HINT}"
        ) from None


# -- loading ------------------------------------------------------------------------------
def _as_text(path: str, value: Any) -> str:
    """An override as the ``PATH=VALUE`` text `racesim run --set` would take."""
    if isinstance(value, dt.date):
        value = value.isoformat()
    text = yaml.safe_dump(value, default_flow_style=True, sort_keys=False, width=10**6).strip()
    return f"{path}={text.removesuffix('...').strip()}"


def _api_issues(exc: ScenarioError) -> ScenarioError:
    """``exc`` with its messages in the API's words (see :func:`in_api_words`)."""
    issues = [(in_api_words(p), in_api_words(m)) for p, m in exc.issues]
    return ScenarioError(issues, exc.source)


def load(path: str | os.PathLike, overrides: Overrides = None) -> Scenario:
    """Read and validate a scenario file, with ``overrides`` applied like ``--set``.

    ``overrides``: a mapping ``{"agencies.roscosmos.budget.annual": 120, ...}`` (values
    are Python values: numbers, strings, dates, dicts for distributions) or
    ``PATH=VALUE`` strings (values read as YAML).  Missions are reached by id.  Raises
    :class:`racesim.scenario.ScenarioError` listing every problem, in the words of
    this API (``overrides``, not ``--set``)."""
    try:
        return _load(path, overrides)
    except ScenarioError as exc:
        raise _api_issues(exc) from None


def _load(path: str | os.PathLike, overrides: Overrides = None) -> Scenario:
    """:func:`load`, with the messages in the command line's words."""
    given, path = path, Path(path)
    origins: dict = {}
    data = read_yaml(path, origins)
    if is_mixture(data):  # --set applies to every component, each checking it
        texts = _texts(overrides)
        return remember(load_mixture(data, path, texts), given, texts)
    applied: list[str] = []
    texts: list[str] = []
    if overrides is None:
        pass
    elif isinstance(overrides, Mapping):
        data = copy.deepcopy(data)
        issues = []
        for key, value in overrides.items():
            try:
                parts, _ = parse_override(f"{key}=")
                applied.append(set_path(data, parts, copy.deepcopy(value)))
                texts.append(_as_text(str(key), value))
            except ScenarioError as exc:
                issues.extend(exc.issues)
        if issues:
            raise ScenarioError(issues, str(path))
    else:
        texts = [overrides] if isinstance(overrides, str) else list(overrides)
        data = apply_overrides(data, texts, source=str(path), applied=applied)
    s = from_data(data, source=str(path), base_dir=path.parent, set_paths=applied, origins=origins)
    return remember(s, given, texts)


def _scenario(
    scenario: Scenario | Mixture | str | os.PathLike, overrides: Overrides, mixtures: bool = False
) -> Scenario:
    """The scenario to run; a mixture only where ``mixtures`` (run, trace), else
    :class:`ScenarioError` saying the command takes one scenario."""
    s = _any_scenario(scenario, overrides)
    if isinstance(s, Mixture) and not mixtures:
        source, _ = _origin(s)
        raise ScenarioError([("", MIXTURE_REFUSED)], source or f"(mixture {s.name})")
    return s


def _any_scenario(scenario, overrides: Overrides):
    if isinstance(scenario, Scenario | Mixture):
        if overrides:
            raise ValueError(
                "overrides apply when loading a scenario file: pass the path "
                "(or use racesim.load(path, overrides))"
            )
        return scenario
    if isinstance(scenario, Mapping):
        if overrides:
            raise ValueError("overrides apply when loading a scenario file")
        return from_data(scenario)
    return load(scenario, overrides)


# -- running ------------------------------------------------------------------------------
def simulate(
    scenario: Scenario | str | os.PathLike,
    n: int | None = None,
    seed: int | None = None,
    jobs: int = 1,
    *,
    overrides: Overrides = None,
    keep_table: bool | None = None,
    precision: float | None = None,
    max_replications: int | None = None,
    executor: str | None = None,
    scheduler: str | None = None,
    progress: Callable[[int], None] | None = None,
    sink: Callable[[int, np.ndarray], None] | None = None,
    by: Iterable[str | dt.date] = (),
    questions: str | os.PathLike | None = "auto",
    worlds: int | None = None,
    versus: Iterable[str | tuple[str, str]] = (),
) -> Run:
    """Run ``n`` replications (default: the scenario's ``replications``) at root
    ``seed`` (default: the scenario's), on ``jobs`` processes (0: one per core).

    ``scenario``: a :class:`Scenario` (e.g. from :func:`load`), a scenario file (with
    ``overrides`` as for :func:`load`) or plain scenario data.  ``keep_table``: keep the
    per-replication table in memory for :meth:`Run.table` and :meth:`Run.save` (default:
    when at most 100,000 replications can run).  ``precision``, ``max_replications``,
    ``executor``, ``scheduler``: as for ``racesim run`` (see :func:`precision_batches`;
    :attr:`Run.precision_reached` and :attr:`Run.half_width` say what it got).
    ``progress(k)`` is told how many replications just finished; ``sink(first,
    reached)`` is given each chunk of reach times as it is made (replications
    ``first`` on; shape (count, milestones, agencies), years, NaN where not reached),
    e.g. to stream the table to a file.  ``by``: dates (ISO texts or dates) at which
    to give the chance of each outcome on or before it, as ``--by`` does
    (``summary["milestones"][M]["by"][DATE]``; :meth:`Run.by` as a DataFrame).
    ``questions``: a crowd file (``seeds/crowd.csv``'s columns) whose questions the run
    answers too (:attr:`Run.crowd`; ``crowd.csv`` of the saved folder and a table in
    its report); ``"auto"``: the scenario file's ``../seeds/crowd.csv`` if there is
    one; None: none. ``worlds``: split the replications into that
    many worlds, each drawing every factor once (``racesim run --worlds``; between 1
    and ``n``, not with ``precision``): each ``p`` of the summary then has a
    ``worlds: {p10, p50, p90}`` spread beside it.
    ``versus``: pairs of agencies to set head to
    head, as ``"cnsa:nasa"`` or ``("cnsa", "nasa")``: ``summary["versus"]`` and
    :meth:`Run.head_to_head` then say, per milestone, how often each gets there before
    the other and by how much (as ``racesim run --versus``)."""
    from racesim.analysis import crowd as cr
    from racesim.analysis.summary import by_dates, by_summary, date_tally, summarize
    from racesim.analysis.versus import parse_pairs, summarize_versus
    from racesim.run import montecarlo

    s = _scenario(scenario, overrides, mixtures=True)
    executor = montecarlo.resolve_executor(executor, scheduler)
    dates = by_dates(s, [by] if isinstance(by, str | dt.date) else by)
    if questions == "auto":
        # with worlds, the crowd's answers would need the worlds' clustered intervals
        questions = None if worlds is not None else cr.default_file(_origin(s)[0])
    elif questions is not None and worlds is not None:
        raise ValueError("worlds cannot be combined with questions yet (as with by)")
    asks: list = []
    if questions is not None:
        asks, _ = cr.questions_for(s, cr.read_crowd(questions), questions, strict=False)
    asked = sorted(set(dates) | set(cr.deadlines(asks)))
    n, max_replications = precision_batches(s, n, precision, max_replications)
    if n < 1:
        raise ValueError(f"n must be at least 1, not {n}")
    check_worlds(worlds, n, precision)
    if worlds is not None and (dates or versus):
        raise ValueError(
            "worlds cannot be combined with by or versus yet: their intervals do not "
            "allow for the replications of a world sharing its factors"
        )
    seed = s.seed if seed is None else seed
    if seed < 0:
        raise ValueError(f"seed must be >= 0, not {seed}")
    jobs = jobs or os.cpu_count() or 1
    agencies = list(s.agencies)
    pairs = parse_pairs(s, [versus] if isinstance(versus, str) else versus)
    if keep_table is None:
        most = n if precision is None else max(n, max_replications or n * 100)
        keep_table = most <= KEEP_TABLE_LIMIT
    chunks: list[np.ndarray] = []
    by_tally = date_tally(s, asked) if asked else None

    def keep(first: int, reached: np.ndarray) -> None:
        if keep_table:
            chunks.append(reached)
        if by_tally is not None:
            by_tally.add(reached)
        if sink is not None:
            sink(first, reached)

    with _workers(jobs, executor):
        out = montecarlo.run_many(
            s,
            n,
            seed,
            jobs,
            sink=keep if keep_table or sink is not None or by_tally is not None else None,
            progress=progress,
            precision=precision,
            max_replications=max_replications,
            executor=executor,
            scheduler=scheduler,
            worlds=worlds,
            versus=[(agencies.index(a), agencies.index(b)) for a, b in pairs],
        )
    reached = np.concatenate(chunks) if keep_table else None
    source, texts = _origin(s)
    settings: dict[str, Any] = {"precision": precision, "executor": executor}
    if worlds is not None:
        settings["worlds"] = worlds
    if precision is not None:
        half = out.tally.max_half_width()
        settings["precision_reached"] = bool(half <= precision)
        settings["half_width"] = round(half, 6)
    summary = summarize(s, out.tally, out.seed, out.parts, out.worlds)
    if out.versus is not None:
        summary["versus"] = summarize_versus(s, out.versus)
    answers = None
    if by_tally is not None:
        every = by_summary(s, asked, by_tally)
        if dates:
            wanted = {d.isoformat() for d in dates}
            for key, per in every.items():
                summary["milestones"][key]["by"] = {d: v for d, v in per.items() if d in wanted}
        if asks:
            answers = cr.answer(asks, every)
    run = Run(
        s,
        out.seed,
        out.n,
        summary,
        out.tally,
        reached,
        out.seconds,
        jobs,
        Path(source) if source is not None else None,
        texts,
        settings,
        out.started,
        out.versus,
    )
    run.crowd = answers
    return run


def precision_batches(
    s: Scenario, n: int | None, precision: float | None, max_replications: int | None
) -> tuple[int, int | None]:
    """The first batch and the limit of a run: ``n`` (default: the scenario's
    ``replications``), or with ``precision`` and no ``n`` a small first batch
    (:data:`PRECISION_START`) and a limit of 100 x the scenario's ``replications``.
    Raises ``ValueError`` when ``max_replications`` is below ``n``, ``precision`` is not
    from :data:`MIN_PRECISION` to 0.5, or a count is above ``MAX_REPLICATIONS``."""
    from racesim.scenario.schema import MAX_REPLICATIONS

    for what, count in (("n", n), ("max_replications", max_replications)):
        if count is not None and count > MAX_REPLICATIONS:
            raise ValueError(f"{what} ({count:,}) is more than {MAX_REPLICATIONS:,} replications")
    if precision is not None and not MIN_PRECISION <= precision <= 0.5:  # False for NaN
        raise ValueError(f"precision must be from {MIN_PRECISION:g} to 0.5, got {precision!r}")
    if precision is None:
        if max_replications is not None:
            raise ValueError("max_replications is the limit of precision; give precision too")
        return (s.replications if n is None else n), None
    if n is None:
        n = min(PRECISION_START, s.replications)
        if max_replications is None:
            max_replications = min(100 * s.replications, MAX_REPLICATIONS)
        n = min(n, max_replications)
    if max_replications is not None and max_replications < n:
        raise ValueError(
            f"max_replications ({max_replications:,}) is below n ({n:,}): the first "
            "batch alone is more than the limit; raise max_replications or lower n"
        )
    return n, max_replications


def trace(
    scenario: Scenario | str | os.PathLike,
    replication: int,
    seed: int | None = None,
    overrides: Overrides = None,
    worlds: tuple[int, int] | None = None,
):
    """Replication ``replication`` of ``scenario`` told in date order (a
    :class:`racesim.output.story.Story`); the same as ``Run.story`` of any run with that
    seed.  ``worlds``: ``(K, N)`` for that replication of a run of N replications with
    K worlds (its factors are its world's)."""
    from racesim.output.story import tell

    if worlds is not None:
        k, n = worlds
        check_worlds(k, n, None)
        if not 0 <= replication < n:
            raise ValueError(f"a run of {n:,} replications has replications 0 to {n - 1:,}")
    return tell(_scenario(scenario, overrides, mixtures=True), replication, seed, worlds=worlds)


# -- the analyses -------------------------------------------------------------------------
#: told, once the input is checked and before anything runs: one line saying what will
#: run, the replications in all, and the base scenario
Announce = Callable[[str, int, Scenario], None]


def _texts(overrides: Overrides) -> list[str]:
    """Overrides as ``PATH=VALUE`` texts, as ``--set`` takes them."""
    if overrides is None:
        return []
    if isinstance(overrides, Mapping):
        return [_as_text(str(k), v) for k, v in overrides.items()]
    return [overrides] if isinstance(overrides, str) else list(overrides)


def _jobs(jobs: int) -> int:
    return jobs or os.cpu_count() or 1


def compare(
    a: Scenario | str | os.PathLike,
    b: Scenario | str | os.PathLike | None = None,
    n: int | None = None,
    seed: int | None = None,
    jobs: int = 1,
    *,
    overrides_a: Overrides = None,
    overrides_b: Overrides = None,
    progress: Callable[[int], None] | None = None,
    by: Iterable[str | dt.date] = (),
) -> CompareResult:
    """B against A, replication by replication on common random numbers (``racesim
    compare``).  ``b``: a second scenario, or None for A changed by ``overrides_b``.
    ``n`` and ``seed`` default to A's.  ``by``: dates at which to compare the chance
    of each outcome on or before it, too (as ``--by``).  Raises ``ValueError`` when A
    and B have no milestone in common or a ``by`` date is outside either's clock,
    :class:`ScenarioError` for a bad scenario."""
    import time

    from racesim.analysis import compare as cmp
    from racesim.analysis.summary import by_dates

    if b is None and not overrides_b and not overrides_a:
        raise ValueError("compare needs a second scenario b, or overrides_b to make B from A")
    sa = _scenario(a, overrides_a)
    sb = _scenario(a if b is None else b, overrides_b)
    if not [k for k in sa.milestones if k in sb.milestones]:
        raise ValueError(
            f"A and B have no milestone in common (A: {', '.join(sa.milestones)}; "
            f"B: {', '.join(sb.milestones)}); there is nothing to compare"
        )
    by = [by] if isinstance(by, str | dt.date) else list(by)
    dates = sorted(set(by_dates(sa, by)) | set(by_dates(sb, by)))
    n = n or sa.replications
    seed = sa.seed if seed is None else seed
    jobs = _jobs(jobs)
    (fa, oa), (fb, ob) = _origin(sa), _origin(sb)
    t0 = time.perf_counter()
    with _workers(jobs):
        result = cmp.compare(sa, sb, n, seed, jobs, progress=progress, by=dates)
    result.labels = {
        side: {
            "file": f,
            "overrides": o,
            "label": " ".join([f or f"(scenario {s.name})", *(f"--set {x}" for x in o)]),
        }
        for side, f, o, s in (("a", fa, oa, sa), ("b", fb, ob, sb))
    }
    return CompareResult(
        result, sa, sb, n, seed, jobs, time.perf_counter() - t0, (fa, fb), (oa, ob)
    )


def sweep(
    scenario: Scenario | str | os.PathLike,
    vary: Iterable[str],
    n: int = 1000,
    seed: int | None = None,
    jobs: int = 1,
    *,
    overrides: Overrides = None,
    progress: Callable[[int], None] | None = None,
    announce: Announce | None = None,
) -> SweepResult:
    """The scenario at every point of a grid (``racesim sweep``): ``vary`` holds
    ``PATH=LOW:HIGH:STEPS`` texts (paths as for overrides); every point runs the same
    ``n`` replications at ``seed``.  Every point is validated before anything runs
    (:class:`ScenarioError` naming the first bad one).  ``announce(line, total, base)``
    is told what will run before it starts."""
    import time

    from racesim.analysis import sweep as sw
    from racesim.analysis.variants import parse_spans

    vary = list(vary)
    if isinstance(scenario, Scenario | Mapping):
        base = _scenario(scenario, overrides)
        data, source, base_dir = base.to_data(), None, None
        spans = parse_spans(vary, "--vary", True, data, source)
    else:
        source, texts = os.fspath(scenario), _texts(overrides)
        raw = read_yaml(Path(source))
        if is_mixture(raw):
            raise ScenarioError([("", MIXTURE_REFUSED)], source)
        data = apply_overrides(raw, texts, source=source)
        spans = parse_spans(vary, "--vary", True, data, source)
        base = _load(source, texts)
        base_dir = Path(source).parent
    points, scenarios = sw.build_points(data, spans, source, base_dir)
    seed = base.seed if seed is None else seed
    jobs = _jobs(jobs)
    if announce is not None:
        line = f"{base.name}: {len(points)} points x {n:,} replications, seed {seed}"
        announce(line, len(points) * n, base)
    t0 = time.perf_counter()
    with _workers(jobs):
        result = sw.run_sweep(spans, points, scenarios, n, seed, jobs, progress)
    rows = sw.rows(result)
    file, texts = _origin(base)
    return SweepResult(
        result, rows, base, vary, n, seed, jobs, time.perf_counter() - t0, file, texts
    )


def sensitivity(
    scenario: Scenario | str | os.PathLike,
    milestone: str,
    agency: str | None = None,
    ranges: Iterable[str] = (),
    method: str = "oat",
    n: int = 1000,
    samples: int = 32,
    seed: int | None = None,
    jobs: int = 1,
    *,
    overrides: Overrides = None,
    progress: Callable[[int], None] | None = None,
    announce: Announce | None = None,
) -> SensitivityResult:
    """Which parameters move ``agency``'s chance of reaching ``milestone`` first
    (``racesim sensitivity``; by default the agency most likely to).  ``method``:
    "oat" (one at a time: every numeric parameter at -20% and +20%, or only the
    ``ranges``, ``PATH=LOW:HIGH`` texts) or "sobol" (at least two ``ranges``; needs
    SALib).  ``announce(line, total, base)`` is told what will run before it starts."""
    import time

    from racesim.analysis import sensitivity as sens
    from racesim.analysis.variants import parse_spans

    if method not in ("oat", "sobol"):
        raise ValueError(f"method must be 'oat' or 'sobol', not {method!r}")
    ranges = list(ranges)
    base = _scenario(scenario, overrides)
    source, texts = _origin(base)
    spans = parse_spans(ranges, "--range", False, base.to_data(), source)
    sens.resolve_outcome(base, milestone, agency)
    if method == "sobol":
        if len(spans) < 2:
            raise ScenarioError(
                [
                    (
                        "--range",
                        "--method sobol needs at least two fields given with --range PATH=LOW:HIGH",
                    )
                ]
            )
        sens.require_salib()
    params = sens.range_parameters(base, spans) if spans else sens.default_parameters(base)
    if not params:
        raise ScenarioError(
            [("", "no numeric parameter can vary; give --range PATH=LOW:HIGH")], source
        )
    seed = base.seed if seed is None else seed
    jobs = _jobs(jobs)
    evaluations = 1 + (2 * len(params) if method == "oat" else samples * (len(params) + 2))
    if announce is not None:
        what = (
            f"the base and {evaluations - 1:,} samples"
            if method == "sobol"
            else f"the base and {len(params):,} parameters at low and high"
        )
        line = f"{base.name}: {evaluations:,} scenarios ({what}) x {n:,} replications, seed {seed}"
        announce(line, evaluations * n, base)
    t0 = time.perf_counter()
    with _workers(jobs):
        if method == "oat":
            result = sens.one_at_a_time(base, milestone, agency, params, n, seed, jobs, progress)
        else:
            result = sens.sobol(base, milestone, params, agency, samples, n, seed, jobs, progress)
    return SensitivityResult(
        result,
        base,
        method,
        [s.path for s in spans],
        ranges,
        evaluations,
        samples,
        n,
        seed,
        jobs,
        time.perf_counter() - t0,
        source,
        texts,
    )


def backtest(
    scenario: Scenario | str | os.PathLike,
    outcomes: str | os.PathLike = "seeds/outcomes.csv",
    n: int | None = None,
    seed: int | None = None,
    jobs: int = 1,
    *,
    scoring: str = "strict",
    overrides: Overrides = None,
    progress: Callable[[int], None] | None = None,
) -> BacktestResult:
    """Score the scenario's forecasts against what happened by the outcomes' cut-off
    (``racesim backtest``).  A bad outcomes file raises
    :class:`racesim.analysis.backtest.OutcomesError` before anything runs."""
    from racesim.analysis import backtest as bt
    from racesim.api_evidence import record_checked

    s = _scenario(scenario, overrides)
    facts = bt.read_outcomes(outcomes)
    bt.events(s, facts, scoring=scoring)  # a bad file fails before the run
    record_checked(s)
    with _workers(_jobs(jobs)):
        reached, run = bt.reach_times(s, n, seed, _jobs(jobs), progress=progress)
    file, _ = _origin(s)
    base_dir = Path(file).parent if file is not None else None
    result = bt.backtest(s, facts, reached, scoring=scoring, base_dir=base_dir, seed=run.seed)
    return BacktestResult(result, os.fspath(outcomes))


# -- finding your way ----------------------------------------------------------------------
def params(
    scenario: Scenario | str | os.PathLike, prefix: str | None = None, overrides: Overrides = None
) -> list:
    """Every settable field of the scenario (``racesim params``), or those under
    ``prefix``: a list of :class:`racesim.scenario.params.Param` (``path`` as
    overrides take it, ``value`` as data, ``text`` as shown, ``unit``)."""
    from racesim.scenario.params import params as settable

    try:
        return settable(_scenario(scenario, overrides), prefix)
    except ScenarioError as exc:
        raise _api_issues(exc) from None


def diff(
    a: Scenario | str | os.PathLike,
    b: Scenario | str | os.PathLike | None = None,
    *,
    overrides_a: Overrides = None,
    overrides_b: Overrides = None,
) -> list:
    """The resolved differences of B from A (``racesim diff``), after ``extends`` and
    the overrides: a list of :class:`racesim.scenario.params.Difference` (``path``,
    ``a``, ``b`` as shown).  ``b`` None: A changed by ``overrides_b``."""
    from racesim.scenario.params import differences

    sa = _scenario(a, overrides_a)
    sb = _scenario(a if b is None else b, overrides_b)
    return differences(sa, sb)


def schema() -> dict:
    """The scenario file's JSON Schema (``racesim schema``), as a dict."""
    from racesim.scenario.fileschema import file_schema

    return file_schema()


def open(folder: str | os.PathLike) -> Run:  # noqa: A001 - racesim.open(folder)
    """A results folder read back as the :class:`Run` that :func:`simulate` returned
    (see :func:`racesim.api_open.open_run`)."""
    return open_run(folder)
