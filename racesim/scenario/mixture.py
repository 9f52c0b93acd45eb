"""A mixture: a scenario file made of weighted scenario files (structural uncertainty).

::

    name: asof-2026-mixture
    seed: 20260413
    mixture:
      - {file: 2026.yaml, weight: 0.5}                # paths relative to this file
      - {file: 2026-artemis-slip.yaml, weight: 0.3}
      - {file: 2026-china-accelerates.yaml, weight: 0.2}

Weights must be positive and are normalised.  The components must share their
milestones (the same keys), their start and their horizon, and have distinct names; a
component may not itself be a mixture.  ``--set`` overrides apply to every component
(each checks them like its own file).  The mixture's ``seed`` and ``replications`` are
those of any scenario file (default 0 and 1,000); the components' own are not used.

Which component replication *i* runs is drawn in :mod:`racesim.run.mixture`; this
module only reads and checks the file.  A :class:`Mixture` answers the questions the
rest of racesim asks of a scenario (``name``, ``start``, ``horizon``, ``milestones``,
``agencies``: every component's agencies, in the order they first appear).
"""

from __future__ import annotations

import hashlib
import math
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

import yaml
from pydantic import BeforeValidator, Field, ValidationError

from racesim.scenario.errors import ScenarioError, brief, pydantic_issues
from racesim.scenario.schema import SLUG, Scenario, _Strict
from racesim.scenario.yamlio import Dumper

#: the key that makes a scenario file a mixture
MIXTURE_KEY = "mixture"
#: the most components a mixture may have (each is a whole scenario, loaded and checked
#: before anything runs: 5,000 took minutes just to refuse)
MAX_COMPONENTS = 100
#: where a saved mixture's resolved components go, inside its results folder
COMPONENTS_FOLDER = "components"


def _weight(v: Any) -> float:
    if isinstance(v, bool) or not isinstance(v, int | float):
        raise ValueError(f"must be a positive number, got {brief(v)}")
    if not math.isfinite(v) or v <= 0:
        raise ValueError(f"must be a positive number (weights are normalised), got {brief(v)}")
    return float(v)


class ComponentFile(_Strict):
    file: str = Field(description="a scenario file, relative to the mixture file")
    weight: Annotated[float, BeforeValidator(_weight)]


class MixtureFile(_Strict):
    name: Annotated[str, Field(pattern=SLUG)]
    title: str = ""
    description: str = ""
    seed: int = Field(0, ge=0, strict=True)
    replications: int = Field(1000, ge=1, strict=True)
    mixture: tuple[ComponentFile, ...] = Field(min_length=1, max_length=MAX_COMPONENTS)


def is_mixture(data: object) -> bool:
    return isinstance(data, Mapping) and MIXTURE_KEY in data


@dataclass(frozen=True)
class Component:
    """One scenario of a mixture: its ``weight`` (normalised; ``given`` as written)."""

    file: str  # as written in the mixture file
    weight: float
    given: float
    scenario: Scenario

    @property
    def name(self) -> str:
        return self.scenario.name


@dataclass(frozen=True, eq=False)
class Mixture:
    """A validated mixture (see the module docstring)."""

    name: str
    title: str
    description: str
    seed: int
    replications: int
    components: tuple[Component, ...]

    # -- what the rest of racesim asks of a scenario --------------------------------------
    @property
    def start(self):
        return self.components[0].scenario.start

    @property
    def horizon(self):
        return self.components[0].scenario.horizon

    @property
    def milestones(self):
        return self.components[0].scenario.milestones

    @property
    def agencies(self) -> dict:
        out: dict = {}
        for c in self.components:
            for k, a in c.scenario.agencies.items():
                out.setdefault(k, a)
        return out

    @property
    def weights(self) -> tuple[float, ...]:
        return tuple(c.weight for c in self.components)

    # -- saving ---------------------------------------------------------------------------
    def component_path(self, i: int) -> str:
        """Where component ``i`` is saved in a results folder (relative to it)."""
        return f"{COMPONENTS_FOLDER}/{i + 1}-{self.components[i].name}.yaml"

    def to_data(self) -> dict:
        """The mixture file as saved in a results folder: its components point at
        :meth:`component_path` (written by :meth:`component_files`)."""
        return {
            "name": self.name,
            "title": self.title,
            "description": self.description,
            "seed": self.seed,
            "replications": self.replications,
            MIXTURE_KEY: [
                {"file": self.component_path(i), "weight": c.given}
                for i, c in enumerate(self.components)
            ],
        }

    def to_yaml(self, relative_to: str | os.PathLike | None = None) -> str:
        return yaml.dump(self.to_data(), Dumper=Dumper, sort_keys=False, allow_unicode=True)

    def component_files(self, folder: str | os.PathLike) -> dict[str, str]:
        """Relative path -> YAML of each resolved component, as saved in ``folder``."""
        out = {}
        for i, c in enumerate(self.components):
            rel = self.component_path(i)
            out[rel] = c.scenario.to_yaml(Path(folder) / COMPONENTS_FOLDER)
        return out

    def digest(self) -> str:
        """SHA-256 of the weights and the components' digests."""
        text = "\n".join(
            [self.name, *(f"{c.given!r} {c.scenario.digest()}" for c in self.components)]
        )
        return hashlib.sha256(text.encode()).hexdigest()


def load_mixture(
    data: Mapping, path: Path, overrides: Iterable[str] = (), load_component=None
) -> Mixture:
    """Validate a mixture file's ``data`` (read from ``path``) and load its components
    with ``overrides`` applied to each (``load_component(path, overrides)``, default
    :func:`racesim.scenario.loading.load_scenario`).  Every problem is reported at
    once, a component's own problems in its file's words."""
    if load_component is None:
        from racesim.scenario.loading import load_scenario as load_component
    source = str(path)
    try:
        spec = MixtureFile.model_validate(dict(data))
    except ValidationError as exc:
        raise ScenarioError(pydantic_issues(exc, MixtureFile), source) from None
    overrides = list(overrides)
    issues: list[tuple[str, str]] = []
    loaded: list[tuple[int, ComponentFile, Scenario]] = []
    for i, cf in enumerate(spec.mixture):
        where = f"mixture[{i}].file"
        file = path.parent / cf.file
        if not file.is_file():
            if file.is_dir():
                what = f"{brief(cf.file)} is a folder, not a scenario file"
            elif file.exists():
                what = f"{brief(cf.file)} is not a regular file (a device, pipe or socket)"
            else:
                what = f"no such scenario file: {brief(cf.file)}"
            issues.append((where, f"{what} (looked for {brief(str(file))})"))
            continue
        from racesim.scenario.extends import read_yaml

        try:
            if is_mixture(read_yaml(file)):
                issues.append(
                    (
                        where,
                        f"{cf.file} is itself a mixture; a mixture's components are plain "
                        "scenario files (list that mixture's components here, their weights "
                        "multiplied by its weight)",
                    )
                )
                continue
            loaded.append((i, cf, load_component(file, overrides)))
        except ScenarioError as exc:  # in the component's words, as 'in FILE: PATH'
            for at, msg in exc.issues:
                issues.append((f"in {cf.file}: {at}" if at else f"in {cf.file}", msg))
    issues.extend(_cross_issues(loaded))
    if issues:
        raise ScenarioError(issues, source)
    total = math.fsum(cf.weight for cf in spec.mixture)
    comps = tuple(Component(cf.file, cf.weight / total, cf.weight, s) for _, cf, s in loaded)
    return Mixture(spec.name, spec.title, spec.description, spec.seed, spec.replications, comps)


def _cross_issues(loaded: list[tuple[int, ComponentFile, Scenario]]) -> list[tuple[str, str]]:
    """What the components must share: milestones, start, horizon, distinct names, and
    the order of the agencies they have in common (it decides ties)."""
    if not loaded:
        return []
    issues = []
    _, f0, s0 = loaded[0]
    names: dict[str, str] = {s0.name: f0.file}
    for i, cf, s in loaded[1:]:
        where = f"mixture[{i}].file"
        if set(s.milestones) != set(s0.milestones):
            extra = sorted(set(s.milestones) - set(s0.milestones))
            lack = sorted(set(s0.milestones) - set(s.milestones))
            what = "; ".join(
                x
                for x in (
                    f"it has {', '.join(extra)} that {f0.file} has not" if extra else "",
                    f"it lacks {', '.join(lack)}" if lack else "",
                )
                if x
            )
            issues.append(
                (
                    where,
                    f"{cf.file} has other milestones than {f0.file} ({what}); the "
                    "components of a mixture must have the same milestones",
                )
            )
        for key in ("start", "horizon"):
            if getattr(s, key) != getattr(s0, key):
                issues.append(
                    (
                        where,
                        f"{cf.file} has {key} {getattr(s, key)}, {f0.file} "
                        f"{getattr(s0, key)}; the components must share start and horizon",
                    )
                )
        if s.name in names:
            issues.append(
                (
                    where,
                    f"{cf.file} has the name {s.name!r}, as {names[s.name]} has; the "
                    "components must have distinct names (they label the results)",
                )
            )
        names.setdefault(s.name, cf.file)
    union: list[str] = []
    for _, _, s in loaded:
        union += [a for a in s.agencies if a not in union]
    for i, cf, s in loaded:
        if [a for a in union if a in s.agencies] != list(s.agencies):
            issues.append(
                (
                    f"mixture[{i}].file",
                    f"{cf.file} lists its agencies in another order than the components "
                    f"before it ({', '.join(union)}); list them in the same order (the "
                    "agency listed first wins a tie)",
                )
            )
    return issues
