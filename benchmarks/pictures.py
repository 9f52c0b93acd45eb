"""What the plots and the report of `racesim run` cost, stage by stage (issue 12).

    python benchmarks/pictures.py [SCENARIO] [-n 2000] [--repeat 3] [--baseline DIR]

1. the whole command, `racesim run SCENARIO -n N --table none`, with and without
   `--no-plots --no-report` (fresh processes, wall and CPU seconds, best of R; with
   ``--baseline DIR``, a checkout of another commit, its command too, round-robin);
   then what the command does after the table, alone (the difference above without
   the simulation's noise): in a fresh process, importing the drawing code and
   writing the plots and report of a results folder, each tree round-robin;
2. in a fresh process: importing matplotlib and racesim's plotting and report modules;
3. on that run's results folder, in one process (after one warm-up pass; CPU
   seconds): loading the folder, then per figure its drawing (``draw_figure`` for that
   milestone and kind: the axes and artists, each kind's frame drawn on again as
   ``write_outputs`` does), its PNG (drawing on the canvas and encoding) and its SVG
   (only with ``racesim run --svg``), and the report (``build_report`` with the PNGs
   given, as ``racesim run`` makes it);
4. ``write_outputs`` (plots and report, as ``racesim run`` does them) in one process
   and in one per core (CPU seconds, the drawing processes' included).

Uses racesim's public functions only; prints figures, asserts nothing.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BASE = ROOT / "scenarios" / "base.yaml"


def command(args: list[str], repeat: int, root: Path = ROOT) -> tuple[float, float]:
    """Best wall and CPU seconds (the command and its child processes) of
    ``python -m racesim.cli ARGS`` with the racesim of ``root`` over ``repeat`` runs."""
    best_wall = best_cpu = float("inf")
    env = dict(os.environ, PYTHONPATH=str(root))
    for _ in range(repeat):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        t0 = time.perf_counter()
        subprocess.run(
            [sys.executable, "-m", "racesim.cli", *args],
            cwd=root,
            env=env,
            check=True,
            stdout=subprocess.DEVNULL,
        )
        wall = time.perf_counter() - t0
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
        best_wall, best_cpu = min(best_wall, wall), min(best_cpu, cpu)
    return best_wall, best_cpu


def cpu() -> float:
    """CPU seconds of this process and its reaped children (the machine is shared: wall
    time says more about the others than about us)."""
    me = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime


PICTURES = """
import shutil, sys, time
import racesim.cli.run, racesim.api, racesim.output.writers  # what `racesim run` has
t0 = time.process_time()
from racesim.output.writers import write_pictures
shutil.copytree(sys.argv[1], sys.argv[2])
write_pictures(__import__("pathlib").Path(sys.argv[2]), plots=True, report=True)
print(time.process_time() - t0)
"""


def pictures(folder: Path, root: Path, scratch: Path) -> float:
    """CPU seconds of what `racesim run` does after printing the table, in a fresh
    process with the racesim of ``root``: importing the drawing code and
    ``write_pictures`` (plots and report, the defaults) on a copy of ``folder``."""
    shutil.rmtree(scratch, ignore_errors=True)
    env = dict(os.environ, PYTHONPATH=str(root))
    p = subprocess.run(
        [sys.executable, "-c", PICTURES, str(folder), str(scratch)],
        cwd=root,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    return float(p.stdout.split()[-1])


IMPORTS = """
import time
t0 = time.perf_counter()
import matplotlib
from matplotlib.figure import Figure
from matplotlib.backends.backend_agg import FigureCanvasAgg
t1 = time.perf_counter()
import racesim.output.report, racesim.output.plots
t2 = time.perf_counter()
print(t1 - t0, t2 - t1)
"""


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("scenario", nargs="?", type=Path, default=BASE)
    ap.add_argument("-n", type=int, default=2000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument(
        "--baseline",
        type=Path,
        help="a checkout of another commit: time its command too, side by side",
    )
    ap.add_argument(
        "--only-command", action="store_true", help="stop after the whole command's timings"
    )
    args = ap.parse_args()
    r = args.repeat

    from racesim.output.canvas import forget
    from racesim.output.plots import draw_figure, figure_items, figure_set
    from racesim.output.report import build_report, render, write_outputs
    from racesim.output.results import load_run

    with tempfile.TemporaryDirectory(prefix="racesim-pictures-") as tmp:
        out = Path(tmp) / "run"
        base = ["run", str(args.scenario), "-n", str(args.n), "--table", "none"]
        base += ["--out", str(out), "--force"]
        print(f"1. `racesim run {args.scenario.name} -n {args.n:,} --table none` (best of {r})")
        trees = [("this tree", ROOT)]
        if args.baseline:
            trees.append((f"baseline {args.baseline}", args.baseline.resolve()))
        best: dict = {}
        for _ in range(r):  # round-robin, so that both trees see the same disturbances
            for label, root in trees:
                for lean in (True, False):
                    extra = ["--no-plots", "--no-report"] if lean else []
                    w, c = command([*base, *extra], 1, root)
                    bw, bc = best.get((label, lean), (float("inf"), float("inf")))
                    best[label, lean] = (min(bw, w), min(bc, c))
        for label, _root in trees:
            (lean_w, lean_c), (full_w, full_c) = best[label, True], best[label, False]
            print(f"   {label}:")
            print(f"     with --no-plots --no-report: {lean_w:6.2f} s wall {lean_c:6.2f} s CPU")
            print(f"     with plots and report:       {full_w:6.2f} s wall {full_c:6.2f} s CPU")
            print(
                f"     plots and report add:        {full_w - lean_w:6.2f} s wall "
                f"{full_c - lean_c:6.2f} s CPU"
            )
        print(
            "   the pictures alone (fresh process: import + plots + report on that folder; "
            f"CPU s, best of {r}):"
        )
        lean = Path(tmp) / "lean"
        command([*base[:-3], "--out", str(lean), "--force", "--no-plots", "--no-report"], 1)
        alone: dict = {}
        for _ in range(r):
            for label, root in trees:
                t = pictures(lean, root, Path(tmp) / "pictures")
                alone[label] = min(alone.get(label, float("inf")), t)
        for label, _root in trees:
            print(f"     {label}: {alone[label]:6.2f} s")
        if args.only_command:
            return 0

        p = subprocess.run(
            [sys.executable, "-c", IMPORTS], capture_output=True, text=True, check=True
        )
        t_mpl, t_mods = map(float, p.stdout.split())
        print("\n2. Imports in a fresh process")
        print(f"   matplotlib (Figure, Agg):            {t_mpl:6.3f} s")
        print(f"   racesim.output.plots and racesim.output.report:     {t_mods:6.3f} s")

        t0 = cpu()
        run = load_run(out)
        t_load = cpu() - t0
        summary = run["summary"]
        milestones = list(summary["milestones"])
        figure_set(run, extras=True)  # warm-up: fonts, caches
        print(
            f"\n3. After the simulation, in one process (CPU s, best of {r}; "
            f"{len(milestones)} milestones)"
        )
        print(f"   load the results folder: {t_load:6.3f} s")
        for extras in (False, True):
            label = "--plots all" if extras else "--plots some (the default)"
            print(f"   {label}: {'figure':<28}{'draw':>8}{'PNG':>8}{'SVG':>8}{'total':>8}")
            tot = {"draw": 0.0, "png": 0.0, "svg": 0.0}
            per_kind: dict = {}
            drawn = {}
            t = {}
            for _ in range(r):  # each pass as write_outputs: frames drawn on again, texts
                forget()  # kept from the pass's own figures only
                frames: dict = {}
                for key, kind, subject in figure_items(run, extras=extras):
                    t0 = cpu()
                    fig = draw_figure(run, kind, subject, reuse=frames, extras=extras)
                    t1 = cpu()
                    drawn[key] = render(fig, "png")
                    t2 = cpu()
                    render(fig, "svg")
                    t3 = cpu()
                    best = t.setdefault(key, [float("inf")] * 3)
                    t[key] = [min(best[0], t1 - t0), min(best[1], t2 - t1), min(best[2], t3 - t2)]
            for key, kind, _subject in figure_items(run, extras=extras):
                d, png, svg = t[key]
                tot["draw"] += d
                tot["png"] += png
                tot["svg"] += svg
                per_kind[kind] = per_kind.get(kind, 0.0) + d + png + svg
                if not extras:
                    print(f"   {key:<42}{d:8.3f}{png:8.3f}{svg:8.3f}{d + png + svg:8.3f}")
            print(
                f"   {'all ' + str(len(t)) + ' figures':<42}{tot['draw']:8.3f}"
                f"{tot['png']:8.3f}{tot['svg']:8.3f}{sum(tot.values()):8.3f}"
            )
            print("   by kind: " + ", ".join(f"{k} {v:.2f} s" for k, v in per_kind.items()))
            if not extras:
                figures, some = drawn, dict(tot)
        tot = some
        pngs = figures  # the PNGs, as write_outputs hands them to the report
        t_rep = float("inf")
        for _ in range(r):
            t0 = cpu()
            build_report(run, pngs=pngs)
            t_rep = min(t_rep, cpu() - t0)
        print(f"   report (build_report, the PNGs given, embedded as they are): {t_rep:6.3f} s")
        print(
            f"   sum: load + figures (PNG) + report = "
            f"{t_load + tot['draw'] + tot['png'] + t_rep:.2f} s (+ SVG on request "
            f"{tot['svg']:.2f} s, + imports {t_mpl + t_mods:.2f} s); cores: {os.cpu_count()}"
        )
        print("\n4. write_outputs (what `racesim run` does after the numbers), PNG + report")
        for workers in sorted({1, os.cpu_count() or 1}):
            best_w = float("inf")
            for i in range(r):
                folder = Path(tmp) / f"w{workers}-{i}"
                shutil.copytree(out, folder)
                t0 = cpu()
                write_outputs(folder, workers=workers)
                best_w = min(best_w, cpu() - t0)
            print(f"   {workers} process(es): {best_w:6.3f} s CPU")
    return 0


if __name__ == "__main__":
    sys.exit(main())
