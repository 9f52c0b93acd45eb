"""The pictures and reports of the folders ``compare``, ``sweep`` and ``sensitivity``
write: read back from the folder's own files, so that ``racesim plot FOLDER`` and
``racesim report FOLDER`` redraw exactly what the command drew.

- ``compare``: compare.png/.svg (:func:`racesim.output.plots_compare.compare_figure`,
  from compare.json, dates_a.csv and dates_b.csv) and report.html;
- ``sweep``: sweep.png/.svg (from sweep.csv) and report.html;
- ``sensitivity``: tornado.png/.svg (OAT) or sobol.png/.svg (Sobol), from
  sensitivity.json, and report.html.

Every figure goes through :mod:`racesim.output.render`.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Mapping
from pathlib import Path

from racesim.output.results import NotAResultsFolder, read_dates

#: the file that says what kind of folder it is
KIND_FILES = {
    "run": "summary.json",
    "compare": "compare.json",
    "sweep": "sweep.csv",
    "sensitivity": "sensitivity.json",
}
HINT = "; run the command again to rewrite the folder"


def folder_kind(folder: Path) -> str | None:
    """``run``, ``compare``, ``sweep`` or ``sensitivity``: which command wrote
    ``folder`` (by the file only that command writes), or None."""
    for kind, name in KIND_FILES.items():
        if (Path(folder) / name).is_file():
            return kind
    return None


def _json(path: Path) -> dict:
    try:
        value = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise NotAResultsFolder(f"{path} is missing or damaged ({exc}){HINT}") from None
    if not isinstance(value, dict):
        raise NotAResultsFolder(f"{path} is damaged: it is not a mapping{HINT}")
    return value


def _yaml(path: Path) -> dict:
    import yaml

    try:
        value = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError, RecursionError) as exc:
        raise NotAResultsFolder(f"{path} is missing or damaged ({exc}){HINT}") from None
    return value if isinstance(value, dict) else {}


def _number(text: str):
    if text == "":
        return None
    try:
        return int(text)
    except ValueError:
        pass
    try:
        return float(text)
    except ValueError:
        return text


def load(folder: Path, kind: str) -> dict:
    """What the pictures of an analysis folder are drawn from, read from its files;
    raises :class:`~racesim.output.results.NotAResultsFolder` naming a missing or
    damaged file."""
    folder = Path(folder)
    manifest = (folder / "manifest.json").is_file() and _json(folder / "manifest.json") or {}
    data: dict = {"kind": kind, "folder": folder, "manifest": manifest}
    if kind == "compare":
        data["compare"] = _json(folder / "compare.json")
        data["scenario_a"] = _yaml(folder / "scenario_a.yaml")
        data["scenario_b"] = _yaml(folder / "scenario_b.yaml")
        for side in ("a", "b"):
            path = folder / f"dates_{side}.csv"
            data[f"dates_{side}"] = read_dates(path) if path.is_file() else []
    elif kind == "sweep":
        path = folder / "sweep.csv"
        try:
            with open(path, newline="", encoding="utf-8") as fh:
                reader = csv.DictReader(fh)
                columns = list(reader.fieldnames or [])
                rows = list(reader)
        except (OSError, UnicodeDecodeError, csv.Error) as exc:
            raise NotAResultsFolder(f"{path} is missing or damaged ({exc}){HINT}") from None
        if "milestone" not in columns:
            raise NotAResultsFolder(f"{path} is damaged: it has no column milestone{HINT}")
        fields = columns[: columns.index("milestone")]
        text = {"milestone", "agency", "median"}
        data["fields"] = fields
        data["rows"] = [{k: v if k in text else _number(v) for k, v in r.items()} for r in rows]
        data["scenario"] = _yaml(folder / "scenario.yaml")
    elif kind == "sensitivity":
        data["result"] = _json(folder / "sensitivity.json")
        data["scenario"] = _yaml(folder / "scenario.yaml")
    else:
        raise ValueError(f"unknown kind of folder {kind!r}")
    return data


def _names(scenario: dict) -> dict[str, str]:
    from racesim.output.plots import agency_names

    return agency_names(scenario)


def _sensitivity_title(data: dict) -> str:
    res, scen = data["result"], data["scenario"]
    ms = (scen.get("milestones") or {}).get(res["milestone"]) or {}
    return (
        f"{res.get('scenario') or scen.get('name')}: P({res['agency']} first) at "
        f"{ms.get('title') or res['milestone']}"
    )


def figures(data: dict) -> dict:
    """The figures of an analysis folder (:func:`load`), keyed by file stem."""
    kind = data["kind"]
    if kind == "compare":
        from racesim.output.plots_compare import compare_figure

        scen = data["scenario_a"]
        cmp = dict(data["compare"], start=str(scen.get("start")), horizon=str(scen.get("horizon")))
        agencies = [*(scen.get("agencies") or {})]
        agencies += [k for k in (data["scenario_b"].get("agencies") or {}) if k not in agencies]
        names = {**_names(data["scenario_b"]), **_names(scen)}
        fig = compare_figure(cmp, data["dates_a"], data["dates_b"], agencies=agencies, names=names)
        return {"compare": fig}
    if kind == "sweep":
        from racesim.output.plots_analysis import sweep_figure

        scen = data["scenario"]
        milestones = {
            k: (m or {}).get("title") or k for k, m in (scen.get("milestones") or {}).items()
        }
        fig = sweep_figure(
            data["rows"],
            data["fields"],
            milestones,
            agencies=list(scen.get("agencies") or {}),
            names=_names(scen),
            shown=_sweep_shown(scen, data["rows"]),
        )
        return {"sweep": fig}
    from racesim.output import plots_analysis as pa

    res = data["result"]
    title = _sensitivity_title(data)
    if res["method"] == "sobol":
        return {"sobol": pa.sobol_figure(res["parameters"], title)}
    top = int((data["manifest"] or {}).get("top") or 20)
    return {"tornado": pa.tornado_figure(res["parameters"], res["base"], title, top=top)}


def write_pictures(
    folder: Path,
    kind: str,
    *,
    plots: bool = True,
    report: bool = True,
    formats: tuple[str, ...] = ("png", "svg"),
    out: Path | None = None,
    report_path: Path | None = None,
) -> list[Path]:
    """Draw an analysis folder's figure (``plots``: as files in ``formats``, into
    ``out``, default the folder itself) and its report (``report``: into
    ``report_path``, default ``folder/report.html``) from the files already in
    ``folder``; returns the paths written."""
    from racesim.output.render import render

    if not (plots or report):
        return []
    folder = Path(folder)
    data = load(folder, kind)
    out = folder if out is None else Path(out)
    written = []
    pngs = {}
    for stem, fig in figures(data).items():
        png = render(fig, "png")
        pngs[stem] = png
        if plots:
            out.mkdir(parents=True, exist_ok=True)
            for fmt in formats:
                path = out / f"{stem}.{fmt}"
                path.write_bytes(png if fmt == "png" else render(fig, fmt))
                written.append(path)
    if report:
        from racesim.output.report_analysis import build_analysis_report

        path = report_path or folder / "report.html"
        path.write_text(build_analysis_report(data, pngs), encoding="utf-8")
        written.append(path)
    return written


def figure_stems(folder: Path, kind: str) -> list[str]:
    """The stems of the figure files of an analysis folder (without drawing them)."""
    if kind == "compare":
        return ["compare"]
    if kind == "sweep":
        return ["sweep"]
    return ["sobol" if load(Path(folder), kind)["result"].get("method") == "sobol" else "tornado"]


def _sweep_shown(scen: Mapping, rows) -> dict[str, list[str]]:
    """Milestone -> the agencies the sweep figure draws: those the base scenario lets
    reach it, and any that reached it at some point of the sweep (a varied field can
    make an agency a contender that the base scenario rules out)."""
    from racesim.scenario.reach import contenders

    able = contenders(scen) or {}
    seen: dict[str, set] = {}
    for r in rows:
        try:
            hit = float(r.get("p_reached") or 0) > 0 or float(r.get("p_first") or 0) > 0
        except (TypeError, ValueError):
            hit = False
        if hit:
            seen.setdefault(r.get("milestone"), set()).add(r.get("agency"))
    order = list(scen.get("agencies") or {})
    keys = list(scen.get("milestones") or {})
    return {m: [a for a in order if a in able.get(m, ()) or a in seen.get(m, ())] for m in keys}
