"""Scale figures (issue 12 target 4): the whole `racesim run` command at 10^5 (and, with
--big, 10^6) replications of the base scenario on two worker processes, with a
streamed table, and the `sensitivity` defaults (one at a time; Sobol at 256 samples
over 4 fields).  Figures, not tests: nothing is judged.

Each command runs in a fresh child process tree, watched through /proc (Linux) every
0.2 s: its wall time, the CPU time of every process in the tree (the parent, the
fork server and the workers: last seen, so up to 0.2 s per process may be missed),
the peak resident memory of the largest process and of the whole tree, and the load
average of the machine before and after.  On a shared machine wall time grows with
the load; CPU time much less so, and "2-core wall" (the larger of the parent's CPU
time and half the tree's) estimates the wall time on two idle cores.

    python benchmarks/scale.py                 # 10^4 and 10^5, csv.gz and parquet; sensitivity
    python benchmarks/scale.py --big           # also 10^6 with parquet (many minutes)
    python benchmarks/scale.py --only run -n 20000
    python benchmarks/scale.py --only sensitivity --sens-n 200 --samples 64   # quicker
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BASE = ROOT / "scenarios" / "base.yaml"
TICK = os.sysconf("SC_CLK_TCK")
PAGE = os.sysconf("SC_PAGE_SIZE")


def _children() -> dict[int, int]:
    """pid -> parent pid of every process."""
    out = {}
    for d in os.listdir("/proc"):
        if d.isdigit():
            try:
                with open(f"/proc/{d}/stat") as fh:
                    parts = fh.read().rsplit(")", 1)[1].split()
                out[int(d)] = int(parts[1])
            except (OSError, IndexError, ValueError):
                pass
    return out


def _tree(root: int) -> list[int]:
    parent = _children()
    tree, todo = [], [root]
    while todo:
        p = todo.pop()
        tree.append(p)
        todo += [c for c, pp in parent.items() if pp == p]
    return tree


def _sample(pid: int) -> tuple[float, int, int] | None:
    """(CPU seconds, resident bytes, peak resident bytes) of one process."""
    try:
        with open(f"/proc/{pid}/stat") as fh:
            parts = fh.read().rsplit(")", 1)[1].split()
        cpu = (int(parts[11]) + int(parts[12])) / TICK
        rss = int(parts[21]) * PAGE
        hwm = rss
        with open(f"/proc/{pid}/status") as fh:
            for line in fh:
                if line.startswith("VmHWM:"):
                    hwm = int(line.split()[1]) * 1024
        return cpu, rss, hwm
    except (OSError, IndexError, ValueError):
        return None


TREE: Path | None = None  # --tree: run racesim from this source tree instead


def measure(cmd: list[str]) -> dict:
    """Run ``cmd`` and watch its process tree until it ends."""
    load0 = os.getloadavg()[0]
    t0 = time.perf_counter()
    env = dict(os.environ)
    if TREE is not None:
        env["PYTHONPATH"] = str(TREE)
    proc = subprocess.Popen(
        cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, cwd=TREE or ROOT, env=env
    )
    cpu: dict[int, float] = {}
    hwm: dict[int, int] = {}
    total_peak = 0
    while proc.poll() is None:
        total = 0
        for p in _tree(proc.pid):
            s = _sample(p)
            if s is None:
                continue
            cpu[p] = max(cpu.get(p, 0.0), s[0])
            hwm[p] = max(hwm.get(p, 0), s[2])
            total += s[1]
        total_peak = max(total_peak, total)
        time.sleep(0.2)
    wall = time.perf_counter() - t0
    err = proc.stderr.read().decode() if proc.stderr else ""
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed ({proc.returncode}):\n{err}")
    parent = cpu.get(proc.pid, 0.0)
    return {
        "wall": wall,
        "cpu": sum(cpu.values()),
        "parent_cpu": parent,
        "processes": len(cpu),
        "peak_rss": max(hwm.values(), default=0),
        "peak_total_rss": total_peak,
        "load": (load0, os.getloadavg()[0]),
        "stderr": err,
    }


def show(label: str, m: dict) -> None:
    two_core = max(m["parent_cpu"], m["cpu"] / 2)
    print(
        f"{label:<44} wall {m['wall']:7.1f} s  CPU {m['cpu']:7.1f} s (parent "
        f"{m['parent_cpu']:5.1f}, {m['processes']} processes)  2-core wall ~{two_core:6.1f} s  "
        f"peak RSS {m['peak_rss'] / 2**20:5.0f} MiB (tree {m['peak_total_rss'] / 2**20:5.0f} MiB)"
        f"  load {m['load'][0]:.1f}->{m['load'][1]:.1f}",
        flush=True,
    )


def racesim(*args: str) -> list[str]:
    return [sys.executable, "-m", "racesim.cli", *args]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument(
        "-n",
        default="10000,100000",
        help="replications of the run, comma-separated (to see memory stay flat) [10000,100000]",
    )
    ap.add_argument("--big", action="store_true", help="also 10^6 replications (parquet)")
    ap.add_argument("--jobs", type=int, default=2, help="worker processes [2]")
    ap.add_argument("--only", choices=["run", "sensitivity"], help="one part only")
    ap.add_argument("--tables", default="csv.gz,parquet", help="table formats [csv.gz,parquet]")
    ap.add_argument("--no-sobol", action="store_true", help="skip the Sobol run (long)")
    ap.add_argument(
        "--sens-n",
        type=int,
        help="replications per scenario of the sensitivity runs [their default, 1000]",
    )
    ap.add_argument("--samples", type=int, default=256, help="Sobol samples [256]")
    ap.add_argument(
        "--tree",
        type=Path,
        help="run racesim from this source tree (e.g. an older commit: git archive "
        "COMMIT | tar -x -C /tmp/old), for before/after figures",
    )
    args = ap.parse_args()
    global TREE
    TREE = args.tree
    tmp = Path(tempfile.mkdtemp(prefix="racesim-scale-"))
    print(f"{os.cpu_count()} cores; load average {os.getloadavg()[0]:.1f}")
    try:
        if args.only in (None, "run"):
            sizes = [int(x) for x in args.n.split(",")]
            big = [1_000_000] if args.big else []
            for n in sizes + big:
                for table in args.tables.split(",") if n in sizes else ["parquet"]:
                    out = tmp / f"run-{n}-{table}"
                    cmd = racesim("run", str(BASE), "-n", str(n), "-j", str(args.jobs))
                    cmd += ["--table", table, "--no-plots", "--no-report"]
                    show(
                        f"run -n {n:,} -j {args.jobs} --table {table}",
                        measure(cmd + ["-o", str(out)]),
                    )
                    shutil.rmtree(out, ignore_errors=True)
        if args.only in (None, "sensitivity"):
            out = tmp / "oat"
            each = [] if args.sens_n is None else ["-n", str(args.sens_n)]
            cmd = racesim("sensitivity", str(BASE), "-m", "crewed_landing", "-j", "0", *each)
            m = measure(cmd + ["--no-plots", "-o", str(out)])
            show(f"sensitivity (one at a time, defaults) -j 0 {' '.join(each)}", m)
            if args.no_sobol:
                return
            ranges = [  # numeric fields of the format-2 base, two in each linked group
                "agencies.nasa.missions.artemis3.duration.lognormal.median=1.5:4",
                "agencies.nasa.hazards[1].rate.lognormal.median=0.03:0.15",
                "agencies.cnsa.hazards[1].rate.lognormal.median=0.03:0.15",
                "agencies.cnsa.budget.annual.lognormal.median=1500:3000",
            ]
            cmd = racesim("sensitivity", str(BASE), "-m", "crewed_landing", "-j", "0", *each)
            cmd += ["--method", "sobol", "--samples", str(args.samples), "--no-plots"]
            cmd += ["-o", str(tmp / "sobol")]
            for r in ranges:
                cmd += ["--range", r]
            m = measure(cmd)
            show(f"sensitivity --method sobol --samples {args.samples}, 4 fields", m)
            said = [ln for ln in m["stderr"].splitlines() if "replications in" in ln]
            if said:
                print("  it said:", said[-1].strip())
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
