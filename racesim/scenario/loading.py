"""Loading a scenario: a file (with its ``extends`` chain), the ``--set`` overrides,
the record fits, the schema and the cross-checks, in that order; every problem found
is reported at once, in the file and at the place that wrote it."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

from pydantic import ValidationError

from racesim.scenario.checks import cross_check, reference_issues
from racesim.scenario.checks_mechanisms import mechanism_issues
from racesim.scenario.checks_v2 import v2_issues
from racesim.scenario.errors import ScenarioError, fmt_path, parse_path, pydantic_issues
from racesim.scenario.extends import origin, read_yaml
from racesim.scenario.mixture import Mixture, is_mixture, load_mixture
from racesim.scenario.overrides import apply_overrides, mark_overrides
from racesim.scenario.record import resolve_records_joint
from racesim.scenario.schema import Scenario


def load_file(path: str | Path, overrides: Iterable[str] = ()) -> Scenario | Mixture:
    """A scenario file, or a mixture of them (:mod:`racesim.scenario.mixture`), with
    ``overrides`` applied (to every component of a mixture)."""
    path = Path(path)
    origins: dict = {}
    data = read_yaml(path, origins)
    if is_mixture(data):
        return load_mixture(data, path, overrides)
    return _load_data(path, data, origins, overrides)


def load_scenario(path: str | Path, overrides: Iterable[str] = ()) -> Scenario:
    """Read, override and validate a scenario file (a mixture is refused: see
    :func:`load_file`)."""
    path = Path(path)
    origins: dict = {}
    data = read_yaml(path, origins)
    if is_mixture(data):
        raise ScenarioError([("mixture", MIXTURE_REFUSED)], str(path))
    return _load_data(path, data, origins, overrides)


#: what a command that takes one scenario says of a mixture
MIXTURE_REFUSED = (
    "this file is a mixture of scenario files; this command takes one scenario (run, "
    "validate and trace take mixtures): give it one of the components"
)


def _load_data(path: Path, data, origins: dict, overrides: Iterable[str]) -> Scenario:
    set_paths: list[str] = []
    set_issues: list[tuple[str, str]] = []  # reported with the scenario's, all at once
    data = apply_overrides(
        data, overrides, source=str(path), applied=set_paths, problems=set_issues
    )
    try:
        scenario = from_data(
            data, source=str(path), base_dir=path.parent, set_paths=set_paths, origins=origins
        )
    except ScenarioError as exc:
        raise ScenarioError([*set_issues, *exc.issues], str(path)) from None
    if set_issues:
        raise ScenarioError(set_issues, str(path))
    return scenario


def from_data(
    data: Mapping,
    source: str | None = None,
    base_dir: Path | None = None,
    set_paths: Sequence[str] = (),
    origins: Mapping | None = None,
) -> Scenario:
    """Validate plain data into a :class:`Scenario`, reporting all problems at once.

    ``base_dir`` is where relative paths in the scenario (the landing record) are
    resolved; ``set_paths`` are fields that came from ``--set`` (for the messages);
    ``origins`` (from :func:`read_yaml`) says which file of an ``extends`` chain wrote
    each part, so that a problem is reported in that file, at its place there.
    """
    data, issues, joint = resolve_records_joint(data, base_dir)
    scenario = None
    try:
        scenario = Scenario.model_validate(data)
    except ValidationError as exc:
        issues.extend(pydantic_issues(exc, Scenario))
    issues.extend(reference_issues(data))
    issues.extend(cross_check(data))
    issues.extend(v2_issues(data))
    issues.extend(mechanism_issues(data, joint))
    if issues:
        issues = with_hints(mark_overrides(issues, set_paths), data, origins, source)
        raise ScenarioError(issues, source)
    if base_dir is not None:
        scenario = scenario.with_record_dir(base_dir)
    return scenario


_IN_MISSION = re.compile(r"^agencies\.([^.\[]+)\.missions\[([0-9]+)\]")


def with_hints(
    issues: list[tuple[str, str]],
    data: Mapping,
    origins: Mapping | None = None,
    source: str | None = None,
) -> list[tuple[str, str]]:
    """Append ' (mission ID)' to paths inside a mission, to help find it in the file;
    a path written in another file of the ``extends`` chain (see ``origins``) becomes
    'in FILE: PATH', with PATH as in that file."""
    out = []
    for path, msg in issues:
        hint = ""
        m = _IN_MISSION.match(path)
        if m:
            try:
                mid = data["agencies"][m.group(1)]["missions"][int(m.group(2))]["id"]
                if isinstance(mid, str):
                    hint = f" (mission {mid})"
            except (KeyError, IndexError, TypeError):
                pass
        loc = parse_path(path)
        if origins and loc is not None and "(value given with --set)" not in msg:
            found = origin(origins, loc)
            if found is not None:
                file, at = found
                if file == source:
                    path = fmt_path(at)
                else:
                    path = f"in {file}: {fmt_path(at)}"
        out.append((path + hint, msg))
    return out
