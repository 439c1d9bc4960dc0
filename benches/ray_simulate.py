"""Ray scale-out benchmark (issue 11): a 10⁶-run simulation of the reference model
``scenarios/bench/ref-52x10.toml`` through ``kasim.distributed`` on a two-node Ray cluster on this
machine (one CPU per node: two workers), against the native two-thread run of the same engine.

Run it with a **release** build of the package (a debug build is several times slower and
measures nothing useful):

    python -m venv /tmp/kb && /tmp/kb/bin/pip install "maturin>=1.5,<2" numpy "ray==2.60.0"
    (cd crates/python && /tmp/kb/bin/maturin build --release -o /tmp/kw) && /tmp/kb/bin/pip install /tmp/kw/kasim-*.whl
    /tmp/kb/bin/python benches/ray_simulate.py [--runs 1000000] [--repeat 3]

It prints a Markdown table for benches/RESULTS.md: wall time and throughput of the native run
(``Contract.simulate(threads=2)``) and of the Ray run at several shard counts, their ratio, the
time of the exact merge on the driver, the bytes each shard returns (24 + 48·n) and the peak
resident memory of the worker processes. Every Ray result is checked equal (rows and report)
to the native one before it is reported.
"""

import argparse
import os
import pathlib
import platform
import statistics
import subprocess
import time

import kasim
import kasim.distributed as kd
from kasim import _kasim

ROOT = pathlib.Path(__file__).resolve().parents[1]


def best(f, repeat):
    """(best seconds, the last result) of ``repeat`` calls."""
    times, out = [], None
    for _ in range(repeat):
        t = time.perf_counter()
        out = f()
        times.append(time.perf_counter() - t)
    return min(times), statistics.median(times), out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=1_000_000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--shards", default="2,4,8,16")
    ap.add_argument("--cli", help="a release `kasim` binary: also time `kasim simulate --threads 2`")
    args = ap.parse_args()
    os.chdir(ROOT)
    c = kasim.load("scenarios/bench/ref-52x10.toml")
    runs = args.runs

    n_best, n_med, native = best(lambda: c.simulate(runs=runs, seed=args.seed, threads=2, cents=True), args.repeat)
    print(f"machine: {platform.machine()} {os.cpu_count()} CPUs, python {platform.python_version()}, ray {kd.ray.__version__}")
    print()
    print("| run | best s | median s | scenarios/s | vs native | merge s | bytes per shard | worker peak RSS |")
    print("|---|---|---|---|---|---|---|---|")
    print(f"| native, 2 threads (Contract.simulate) | {n_best:.2f} | {n_med:.2f} | {runs / n_best:,.0f} | 1.00× | – | – | – |")
    if args.cli:
        cmd = [args.cli, "simulate", c.file, "--runs", str(runs), "--seed", str(args.seed), "--threads", "2", "--format", "json"]
        c_best, c_med, _ = best(lambda: subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL), args.repeat)
        print(f"| native CLI, 2 threads (`kasim simulate`) | {c_best:.2f} | {c_med:.2f} | {runs / c_best:,.0f} | {n_best / c_best:.2f}× | – | – | – |")

    with kd.local_cluster(nodes=2, cpus_per_node=1):
        # Warm the workers (process start, import of kasim) outside the timings, as a
        # long-running cluster would be.
        kd.simulate(c, runs=2_000, seed=args.seed, shards=2)
        for shards in (int(s) for s in args.shards.split(",")):
            text = c.to_toml()

            def tasks_only():
                return kd._simulate_texts([text], runs, args.seed, shards)

            r_best, r_med, (parts, tasks) = best(tasks_only, args.repeat)
            t = time.perf_counter()
            report = _kasim.merge_simulation(text, None, runs, args.seed, parts, c.file, None)
            data = _kasim.merge_shards(parts)
            merge = time.perf_counter() - t
            assert data == native.to_bytes(), "the merged rows differ from the native run"
            assert kasim.SimulationResult(data, report, args.seed, True).summary == native.summary
            nodes = len({x["node"] for x in tasks})
            rss = max(x["peak_rss_bytes"] for x in tasks)
            sizes = sorted({x["bytes"] for x in tasks})
            total = r_best + merge
            print(
                f"| Ray, 2 nodes × 1 CPU, {shards} shards ({nodes} nodes used) | {total:.2f} | {r_med + merge:.2f} | "
                f"{runs / total:,.0f} | {n_best / total:.2f}× | {merge:.2f} | "
                f"{', '.join(f'{s / 1e6:.1f} MB' for s in sizes)} | {rss / 2**20:.0f} MiB |"
            )


if __name__ == "__main__":
    main()
