"""Golden outputs: racesim's results on fixed scenarios, seeds and N, compared bit for bit.

The scenarios are tests/golden/v1/base.yaml and 2026.yaml (frozen copies of the version-1
scenarios/base.yaml and 2026.yaml), benchmarks/workload.yaml and
50 generated scenarios stored in tests/golden/scenarios/ (together they use every field
of the scenario format: see test_generated_scenarios_cover_every_field).  For each,
tests/golden/expected/ holds summary.json as ``racesim run`` writes it and every reach
time as an exact float repr.  A refactor that changes one bit of either fails here.

Regenerate (``python -m tests.golden.regen``) only for a deliberate change of the
model's results, explained in the commit message.
"""

from __future__ import annotations

import difflib

import pytest
import yaml

from tests.golden.common import CASES, EXPECTED, SCENARIOS, reach_text, summary_bytes

REGEN = "python -m tests.golden.regen (only for a deliberate, explained model change)"


def _first_difference(expected: str, got: str) -> str:
    diff = difflib.unified_diff(expected.splitlines(), got.splitlines(), "golden", "now", n=0)
    return "\n".join(list(diff)[:12])


@pytest.mark.parametrize("name,path,seed,n", CASES, ids=[c[0] for c in CASES])
def test_golden(name, path, seed, n):
    want_reach = (EXPECTED / f"{name}.reach.csv").read_text(encoding="utf-8")
    got_reach = reach_text(path, seed, n)
    assert got_reach == want_reach, (
        f"{name}: reach times differ from the golden output\n"
        f"{_first_difference(want_reach, got_reach)}\nregenerate: {REGEN}"
    )
    want = (EXPECTED / f"{name}.summary.json").read_bytes()
    got = summary_bytes(path, seed, n)
    assert got == want, (
        f"{name}: summary.json differs from the golden output\n"
        f"{_first_difference(want.decode(), got.decode())}\nregenerate: {REGEN}"
    )


def _walk(node, path, seen):
    """Record every key path (list indices and agency/mission/milestone keys elided)."""
    if isinstance(node, dict):
        for k, v in node.items():
            key = "*" if path in ("agencies", "milestones") or path.endswith(".partners") else k
            if path.endswith("missions[]") and k == "id":
                key = "id"
            p = f"{path}.{key}" if path else key
            seen.add(p)
            _walk(v, p, seen)
    elif isinstance(node, list):
        for v in node:
            _walk(v, path + "[]", seen)


def test_generated_scenarios_cover_every_field():
    seen: set[str] = set()
    families: set[str] = set()
    costs, attempts_over_block, cross_requires, same_requires = set(), False, False, False
    for f in sorted(SCENARIOS.glob("gen*.yaml")):
        data = yaml.safe_load(f.read_text(encoding="utf-8"))
        _walk(data, "", seen)
        for ag in data["agencies"].values():
            for m in ag["missions"]:
                costs.add("zero" if m.get("cost", 0) == 0 else "positive")
                attempts_over_block |= m.get("attempts", 1) > 8
                for r in m.get("requires", []):
                    cross_requires |= "." in r
                    same_requires |= "." not in r
                for field in ("cost", "duration", "success"):
                    if isinstance(m.get(field), dict):
                        families |= set(m[field])
            for sh in (ag.get("budget") or {}).get("shocks", []):
                if isinstance(sh["factor"], dict):
                    families |= set(sh["factor"])
    m = "agencies.*.missions[]"
    b = "agencies.*.budget"
    expected = {
        "name", "title", "description", "start", "horizon", "seed", "replications",
        "record", "record.file", "record.until", "milestones.*.title",
        "milestones.*.description", "agencies.*.name", f"{b}.annual", f"{b}.growth",
        f"{b}.volatility", f"{b}.shocks[].name", f"{b}.shocks[].factor",
        f"{b}.shocks[].from", f"{b}.shocks[].until", f"{b}.shocks[].probability",
        f"{m}.id", f"{m}.name", f"{m}.cost", f"{m}.duration", f"{m}.not_before",
        f"{m}.succeeded", f"{m}.requires", f"{m}.success", f"{m}.success.record",
        f"{m}.attempts", f"{m}.refly.cost", f"{m}.refly.duration", f"{m}.partners.*",
        f"{m}.achieves",
    }  # fmt: skip
    assert expected <= seen, f"fields no generated scenario uses: {sorted(expected - seen)}"
    assert {"uniform", "triangular", "normal", "lognormal", "beta", "record"} <= families
    assert costs == {"zero", "positive"}
    assert attempts_over_block and cross_requires and same_requires
