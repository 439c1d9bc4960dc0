"""Multi-year on Ray (issue 13): the 5-retailer × 3-year portfolio of 20-SKU weekly contracts of
the criterion bench ``benches/multi_year.rs`` (the same contracts and portfolio file, written
here to a temporary directory), at 10,000 and 100,000 scenarios: the native two-thread run
through the Python package against ``kasim.distributed.portfolio`` on a two-node Ray cluster on
this machine (one CPU per node: two workers).

Run it with a **release** build of the package (a debug build is several times slower and
measures nothing useful):

    python -m venv /tmp/kb && /tmp/kb/bin/pip install "maturin>=1.5,<2" numpy "ray==2.60.0"
    (cd crates/python && /tmp/kb/bin/maturin build --release -o /tmp/kw) && /tmp/kb/bin/pip install /tmp/kw/kasim-*.whl
    /tmp/kb/bin/python benches/ray_multi_year.py [--runs 10000,100000] [--repeat 2]

It prints a Markdown table for benches/RESULTS.md: the time of the contract chain on the
driver, wall time and throughput of the native run (``MultiYearChain.simulate(threads=2)``:
the scenarios and the report) and of the Ray run at several shard counts (the tasks, then the
exact merge into the report on the driver, timed apart), the bytes each shard returns and the
peak resident memory of the worker processes. Every Ray report is checked identical, as text,
to the native one before it is reported.
"""

import argparse
import os
import pathlib
import platform
import shutil
import statistics
import tempfile
import time

import kasim
import kasim.distributed as kd


def demo_toml(skus: int, extra: str) -> str:
    """``kasim_core::demo::Demo { skus, .. }.toml(extra)`` (crates/core/src/demo.rs)."""
    ids = [chr(ord("A") + i % 26) for i in range(skus)]
    s = 'name = "Demo 2027"\nyear = 2027\n\n[supplier]\nname = "Demo Foods"\ncost_of_capital = "0"\n'
    for i in ids:
        s += f'\n[[supplier.skus]]\nid = "{i}"\nname = "Product {i}"\nunit_cost = "6.00"\nlist_price = "10.00"\n'
    s += '\n[retailer]\nname = "Demo Mart"\nchannel = "hypermarket"\nstores = 100\n'
    for i in ids:
        s += f'\n[[skus]]\nsku = "{i}"\nshelf_price = {{ policy = "retail_minus", margin = "30%" }}\nnew_listing = false\n'
    s += "\n[plan]\n\n"
    for i in ids:
        s += f'\n[[plan.lines]]\nsku = "{i}"\nunits_per_period = 10000\n'
    return s + "\n" + extra


def contract(i: int) -> str:
    """Retailer ``i``'s weekly 20-SKU contract, as ``contract(i)`` of benches/multi_year.rs."""
    weeks = ", ".join(str(min(1 + i * 3 + k * 8, 52)) for k in range(6))
    price_match = '\n[[fees]]\nid = "lowest-price"\nkind = "price_match"\nshare = "100%"\n' if i % 2 == 1 else ""
    extra = f"""
[[plan.promotions]]
skus = ["A", "B", "C", "D", "E"]
periods = [{weeks}]
slot = "dm"
uplift = "1.8"
price_cut = "{10 + i * 2}%"

[[fees]]
id = "rebate"
kind = "tiered_rebate"
tiers = [ {{ threshold = "0", rate = "2%" }}, {{ threshold = "80000000", rate = "4%" }} ]

[[fees]]
id = "dm"
kind = "dm_fee"
price = "3000"

[[fees]]
id = "listing"
kind = "listing"
amount = "1500"
per = "store"
{price_match}
[uncertainty]
demand_cv = "25%"
demand_correlation = "20%"
promo_uplift = {{ dist = "triangular", min = "1.4", mode = "1.8", max = "2.6" }}
fill_rate = {{ dist = "pert", min = "90%", mode = "98%", max = "100%" }}
price_war = {{ probability = "5%", depth = {{ dist = "uniform", min = "3%", max = "10%" }} }}
"""
    return (
        demo_toml(20, extra)
        .replace("[plan]\n", '[calendar]\ngranularity = "weekly"\n\n[plan]\n')
        .replace("units_per_period = 10000", "units_per_period = 2500")
    )


PORTFOLIO_TAIL = (
    '\n[drivers.brand_demand]\ncv = "8%"\nperiod_correlation = "80%"\n\n[drivers.price_war]\nprobability = "4%"\n\n'
    "[drivers.dc_capacity]\nunits_per_period = 300000\n\n[cascade]\nclaim_probability = \"80%\"\n\n"
    '[multi_year]\nyears = 3\ndiscount_rate = "8%"\ndemand_growth = "3%"\n\n[multi_year.slots]\nmin_units = 4000\n\n'
    '[multi_year.delisting]\nmin_velocity = "21"\nitem_strength_cv = "25%"\n'
)


def write_portfolio(d: pathlib.Path) -> pathlib.Path:
    p = 'name = "bench 5 × 3 years × 20 SKUs weekly"\n'
    for i in range(5):
        (d / f"r{i}.toml").write_text(contract(i))
        p += f'\n[[contracts]]\nfile = "r{i}.toml"\n'
    f = d / "portfolio.toml"
    f.write_text(p + PORTFOLIO_TAIL)
    return f


def best(f, repeat):
    """(best seconds, median seconds, the last result) of ``repeat`` calls."""
    times, out = [], None
    for _ in range(repeat):
        t = time.perf_counter()
        out = f()
        times.append(time.perf_counter() - t)
    return min(times), statistics.median(times), out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", default="10000,100000")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--repeat", type=int, default=2)
    ap.add_argument("--shards", default="2,4")
    args = ap.parse_args()
    d = pathlib.Path(tempfile.mkdtemp(prefix="kasim-ray-multi-year-"))
    try:
        p = kasim.load_portfolio(write_portfolio(d))
        t = time.perf_counter()
        chain = p._inner.chain()
        chain_s = time.perf_counter() - t
        _, years = chain.texts()
        text_bytes = sum(len(c.encode()) for y in years for c in y)
        print(f"machine: {platform.machine()} {os.cpu_count()} CPUs, load {os.getloadavg()[0]:.1f}, python {platform.python_version()}, ray {kd.ray.__version__}")
        print(f"contract chain on the driver: {chain_s:.2f} s; shipped once as {text_bytes:,} bytes of TOML ({len(years)} years × {len(years[0])} retailers)")
        print()
        print("| scenarios | run | best s | median s | scenarios/s | vs native | merge s | bytes per shard | worker peak RSS |")
        print("|---|---|---|---|---|---|---|---|---|")
        natives = {}
        for runs in (int(r) for r in args.runs.split(",")):
            repeat = args.repeat if runs <= 10_000 else 1
            n_best, n_med, native = best(lambda: chain.simulate(runs, args.seed, 2), repeat)
            natives[runs] = (n_best, n_med, native, repeat)
        with kd.local_cluster(nodes=2, cpus_per_node=1):
            # Warm the workers (process start, import of kasim) outside the timings.
            kd.portfolio(p, runs=200, seed=args.seed, shards=2)
            for runs, (n_best, n_med, native, repeat) in natives.items():
                print(f"| {runs:,} | native, 2 threads (MultiYearChain.simulate) | {n_best:.2f} | {n_med:.2f} | {runs / n_best:,.0f} | 1.00× | – | – | – |")
                for shards in (int(s) for s in args.shards.split(",")):
                    r_best, r_med, (ch, parts, tasks) = best(lambda: kd._multi_year_parts(p, runs, args.seed, shards), repeat)
                    t = time.perf_counter()
                    report = ch.merge(runs, args.seed, parts)
                    merge_s = time.perf_counter() - t
                    assert report == native, "the Ray report differs from the native one"
                    total = r_best + merge_s
                    per_shard = statistics.mean(len(b) for b in parts)
                    rss = max(t["peak_rss_bytes"] for t in tasks)
                    nodes = len({t["node"] for t in tasks})
                    print(
                        f"| {runs:,} | Ray 2 nodes × 1 CPU, {shards} shards ({nodes} nodes used) | {total:.2f} | {r_med + merge_s:.2f} | "
                        f"{runs / total:,.0f} | {n_best / total:.2f}× | {merge_s:.3f} | {per_shard / 1e6:.2f} MB | {rss / 1e6:.0f} MB |"
                    )
    finally:
        shutil.rmtree(d, ignore_errors=True)


if __name__ == "__main__":
    main()
