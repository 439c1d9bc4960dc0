"""kasim.distributed: kasim's grids as Ray tasks, merged exactly.

The engine's randomness is addressed by ``(seed, scenario index)``: scenario k of a run draws the
same numbers whichever machine, thread or shard computes it. So a scenario index range is the
unit of work, any split of ``0..runs`` gives the same scenarios, and merging the shards' rows in
index order gives the report of the single-machine run **byte for byte**. Every function here
returns what its local counterpart returns (``Contract.simulate``, ``kasim.compare``,
``Contract.sensitivity`` …), equal to ``kasim <command> --format json``.

What runs where:

* ``simulate`` / ``simulate_many`` / ``compare``: one task per (contract(s), index range); a task
  returns its rows as shard bytes (24 + 48·n bytes per contract and n scenarios: exact integer
  cents), the driver merges them.
* ``sensitivity``: every variant of the tornado (each input at its low and at its high value)
  × every index range is a task; the driver computes each variant's statistic from its merged
  rows and assembles the report.
* ``goal_seek``: the bisection is sequential; each evaluation's scenarios are sharded.
* ``negotiate`` / ``advise`` / ``tournament``: the scoring grid (every combination of the
  negotiable terms settled over the common scenarios — the expensive part) is split into offer
  ranges; tournaments are split into ranges of negotiations as well.

Contracts travel as their resolved text (``Contract.to_toml()``: supplier inline, ``extends``
merged), so no shared filesystem is assumed; every node needs the ``kasim`` package installed
(the same version as the driver). Each task is retried by Ray when its worker dies
(``max_retries``): a retried shard recomputes the same rows.

>>> import ray, kasim, kasim.distributed as kd                 # doctest: +SKIP
>>> ray.init(address="auto")                                    # doctest: +SKIP
>>> c = kasim.load("scenarios/bench/ref-52x10.toml")            # doctest: +SKIP
>>> sim = kd.simulate(c, runs=1_000_000, seed=1, shards=16)     # doctest: +SKIP
>>> sim.summary == c.simulate(runs=1_000_000, seed=1).summary   # doctest: +SKIP
True
"""

from __future__ import annotations

import contextlib
import json
import os
import pathlib
import resource
import shutil
import socket
import subprocess
import sys
import time
from typing import Any, Dict, Iterator, List, Optional, Sequence, Tuple

import ray

from . import Contract, KasimError, Number, Portfolio, SimulationResult, _decimal_text, _kasim

__all__ = [
    "MAX_RETRIES",
    "MIN_SHARD",
    "Task",
    "advise",
    "compare",
    "goal_seek",
    "local_cluster",
    "negotiate",
    "offer_scores",
    "portfolio",
    "sensitivity",
    "shard_ranges",
    "simulate",
    "simulate_many",
    "tournament",
]

#: How often Ray re-runs a task whose worker died (a killed process, a lost node).
MAX_RETRIES = 3

#: The fewest scenarios a default shard holds: smaller shards cost more in scheduling than
#: they save in balance.
MIN_SHARD = 1_000

#: Shards per CPU of the cluster by default: a few per CPU balance uneven nodes and make a
#: retried shard cheap.
SHARDS_PER_CPU = 4


class Task(dict):
    """Where and how one task ran (``result.tasks``): ``kind``, ``start``, ``end``, ``node``
    (Ray node id), ``pid``, ``seconds`` (wall time in the task), ``bytes`` (returned),
    ``peak_rss_bytes`` (the worker process's peak resident memory so far)."""


# --- the remote tasks -------------------------------------------------------------------------


def _info(kind: str, start: int, end: int, clock: float, payload: bytes) -> Dict[str, Any]:
    """Where and how a task ran (see ``Task``)."""
    return {
        "kind": kind,
        "start": start,
        "end": end,
        "node": ray.get_runtime_context().get_node_id(),
        "pid": os.getpid(),
        "seconds": time.perf_counter() - clock,
        "bytes": len(payload),
        # ru_maxrss is in KiB on Linux.
        "peak_rss_bytes": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024,
    }


@ray.remote(num_cpus=1, max_retries=MAX_RETRIES)
def _simulate_shard(texts: List[str], runs: int, seed: int, start: int, end: int) -> Tuple[bytes, Dict[str, Any]]:
    """Scenarios ``start..end`` of every contract in ``texts`` (common random numbers), on one
    thread (the task holds one CPU)."""
    clock = time.perf_counter()
    if len(texts) == 1:
        data = _kasim.simulate_range(texts[0], None, runs, seed, start, end, 1)
    else:
        data = _kasim.simulate_range_many(texts, None, runs, seed, start, end, 1)
    return data, _info("simulate", start, end, clock, data)


@ray.remote(num_cpus=1, max_retries=MAX_RETRIES)
def _portfolio_shard(
    text: str, name: str, contracts: List[str], runs: int, seed: int, start: int, end: int
) -> Tuple[bytes, Dict[str, Any]]:
    """Scenarios ``start..end`` of a portfolio (its file's text and its contracts as resolved
    TOML), on one thread."""
    clock = time.perf_counter()
    data = _kasim.portfolio_range(text, name, contracts, runs, seed, start, end, 1)
    return data, _info("portfolio", start, end, clock, data)


@ray.remote(num_cpus=1, max_retries=MAX_RETRIES)
def _multi_year_shard(
    text: str, name: str, years: List[List[str]], runs: int, seed: int, start: int, end: int
) -> Tuple[bytes, Dict[str, Any]]:
    """Scenarios ``start..end`` of a multi-year portfolio across all its years (the portfolio
    file's text and, per year, every retailer's contract of the driver's chain as resolved
    TOML), on one thread."""
    clock = time.perf_counter()
    data = _kasim.multi_year_range(text, name, years, runs, seed, start, end, 1)
    return data, _info("multi_year", start, end, clock, data)


@ray.remote(num_cpus=1, max_retries=MAX_RETRIES)
def _score_offers(text: str, start: int, end: int) -> Tuple[bytes, Dict[str, Any]]:
    """Offers ``start..end`` of a contract's negotiation grid, scored for both sides."""
    clock = time.perf_counter()
    data = _kasim.loads(text).score_offers(start, end)
    return data, _info("score_offers", start, end, clock, data)


@ray.remote(num_cpus=1, max_retries=MAX_RETRIES)
def _tournament_runs(
    text: str, scores: bytes, runs: int, seed: int, start: int, end: int
) -> Tuple[bytes, Dict[str, Any]]:
    """Negotiations ``start..end`` of a tournament, on the grid's scores."""
    clock = time.perf_counter()
    data = _kasim.loads(text).tournament_range(runs, seed, start, end, scores, 1)
    return data, _info("tournament", start, end, clock, data)


# --- splitting and gathering ------------------------------------------------------------------


def _ensure_ray() -> None:
    if not ray.is_initialized():
        raise KasimError(
            "kasim.distributed needs a Ray connection: call ray.init(address=...) first "
            "(ray.init() alone starts a local one)"
        )


def _cluster_cpus() -> int:
    return max(1, int(ray.cluster_resources().get("CPU", 1)))


def shard_ranges(runs: int, shards: int) -> List[Tuple[int, int]]:
    """``0..runs`` split into ``shards`` contiguous ranges whose sizes differ by at most one
    (fewer when ``runs < shards``; one empty range when ``runs`` is 0).

    >>> shard_ranges(10, 3)
    [(0, 4), (4, 7), (7, 10)]

    Raises:
        KasimError: a negative ``runs`` or fewer than one shard.
    """
    if runs < 0:
        raise KasimError(f"runs must be 0 or more, not {runs}")
    if shards < 1:
        raise KasimError(f"shards must be at least 1, not {shards}")
    shards = max(1, min(shards, runs))
    size, extra = divmod(runs, shards)
    out, at = [], 0
    for i in range(shards):
        n = size + (1 if i < extra else 0)
        out.append((at, at + n))
        at += n
    return out


def _default_shards(items: int, explicit: Optional[int]) -> int:
    """``explicit``, else ``SHARDS_PER_CPU`` per cluster CPU, no smaller than ``MIN_SHARD``
    items each."""
    if explicit is not None:
        return explicit
    return max(1, min(SHARDS_PER_CPU * _cluster_cpus(), items // MIN_SHARD))


def _gather(refs: Sequence["ray.ObjectRef"]) -> Tuple[List[bytes], List[Task]]:
    """The tasks' payloads (in submission order) and their ``Task`` records. An engine error
    in a task is raised here as the ``kasim`` exception it is (``KasimError``,
    ``ContractError``), not wrapped in Ray's ``RayTaskError``."""
    try:
        done = ray.get(list(refs))
    except ray.exceptions.RayTaskError as e:
        cause = getattr(e, "cause", None)
        if isinstance(cause, KasimError):
            raise cause from e
        raise
    return [d for d, _ in done], [Task(i) for _, i in done]


def _texts(contracts: Sequence[Contract]) -> List[str]:
    if not contracts:
        raise KasimError("no contracts given")
    return [c.to_toml() for c in contracts]


def _simulate_texts(texts: List[str], runs: int, seed: int, shards: Optional[int]) -> Tuple[List[bytes], List[Task]]:
    _ensure_ray()
    ranges = shard_ranges(runs, _default_shards(runs, shards))
    refs = [_simulate_shard.remote(texts, runs, seed, a, b) for a, b in ranges]
    return _gather(refs)


# --- simulation -------------------------------------------------------------------------------


def _simulate_text(contract: Contract, runs: int, seed: int, shards: Optional[int], threshold: Optional[Number]):
    """(merged shard bytes, the report's JSON text, tasks)."""
    text = contract.to_toml()
    parts, tasks = _simulate_texts([text], runs, seed, shards)
    # One merged copy of the rows, then the shards are let go: the driver holds the rows about
    # twice at the peak, not three times.
    data = _kasim.merge_shards(parts)
    del parts
    t = None if threshold is None else _decimal_text(threshold)
    report = _kasim.merge_simulation(text, None, runs, seed, [data], contract.file, t)
    return data, report, tasks


def simulate(
    contract: Contract,
    runs: int = 10_000,
    seed: int = 1,
    shards: Optional[int] = None,
    threshold: Optional[Number] = None,
    cents: bool = False,
) -> SimulationResult:
    """``Contract.simulate`` as Ray tasks: ``shards`` index ranges (default: 4 per cluster CPU,
    at least 1,000 scenarios each), merged exactly. The result equals the local one (arrays,
    ``summary``, ``row(k)``); ``result.tasks`` says where each shard ran.

    Raises:
        KasimError: no Ray connection, a contract without ``[uncertainty]``, or a scenario that
            fails to settle (the task's error, raised here).
    """
    data, report, tasks = _simulate_text(contract, runs, seed, shards, threshold)
    result = SimulationResult(data, report, seed, cents)
    result.tasks = list(tasks)
    return result


def simulate_many(
    contracts: Sequence[Contract], runs: int = 10_000, seed: int = 1, shards: Optional[int] = None, cents: bool = False
) -> List[SimulationResult]:
    """Several contracts (e.g. one per retailer of a portfolio), each simulated as
    ``simulate`` would, all on the same scenarios (common random numbers): one task per
    contract and index range, every task submitted at once.

    Raises:
        KasimError: as ``simulate``.
    """
    _ensure_ray()
    texts = _texts(contracts)
    ranges = shard_ranges(runs, _default_shards(runs, shards))
    refs = [[_simulate_shard.remote([t], runs, seed, a, b) for a, b in ranges] for t in texts]
    out = []
    for contract, text, rs in zip(contracts, texts, refs):
        parts, tasks = _gather(rs)
        data = _kasim.merge_shards(parts)
        del parts
        report = _kasim.merge_simulation(text, None, runs, seed, [data], contract.file, None)
        result = SimulationResult(data, report, seed, cents)
        result.tasks = list(tasks)
        out.append(result)
    return out


def portfolio(p: Portfolio, runs: int = 10_000, seed: int = 1, shards: Optional[int] = None) -> Dict[str, Any]:
    """``Portfolio.simulate`` as Ray tasks: each task runs every retailer's contract over its
    index range on the shared drivers; the driver merges the ranges exactly into the same
    report as the single-machine run (``kasim portfolio --format json``).

    With ``[multi_year]``, the contract chain (the renegotiation, year by year) is computed
    once here on the driver and shipped to the tasks as resolved TOML per retailer and year;
    each task runs its index range across all the years (the carried state is per scenario)
    and the driver merges the ranges in index order into the ``kasim.multi_year/1`` document,
    the same as the single-machine run's.

    Raises:
        KasimError: as ``simulate``; a renegotiation that fails (raised before any task).
    """
    _ensure_ray()
    if p.years is not None:
        chain, parts, _ = _multi_year_parts(p, runs, seed, shards)
        return json.loads(chain.merge(runs, seed, parts))
    text, contracts = p._inner.texts()
    ranges = shard_ranges(runs, _default_shards(runs, shards))
    refs = [_portfolio_shard.remote(text, p.file, contracts, runs, seed, a, b) for a, b in ranges]
    parts, _ = _gather(refs)
    return json.loads(_kasim.merge_portfolio(text, p.file, contracts, runs, seed, parts))


def _multi_year_parts(
    p: Portfolio, runs: int, seed: int, shards: Optional[int]
) -> Tuple["_kasim.MultiYearChain", List[bytes], List[Task]]:
    """(the driver's chain, the tasks' encoded results in index order, the tasks) of a
    multi-year portfolio."""
    chain = p._inner.chain()
    text, years = chain.texts()
    # One copy of the chain in the object store, shared by every task.
    years_ref = ray.put(years)
    ranges = shard_ranges(runs, _default_shards(runs, shards))
    refs = [_multi_year_shard.remote(text, p.file, years_ref, runs, seed, a, b) for a, b in ranges]
    parts, tasks = _gather(refs)
    return chain, parts, tasks


def _compare_text(contracts: Sequence[Contract], runs: int, seed: int, shards: Optional[int]) -> str:
    texts = _texts(contracts)
    parts, _ = _simulate_texts(texts, runs, seed, shards)
    files = [c.file for c in contracts]
    return _kasim.merge_comparison(texts, None, files, runs, seed, parts)


def compare(
    contracts: Sequence[Contract], runs: int = 10_000, seed: int = 1, shards: Optional[int] = None
) -> Dict[str, Any]:
    """``kasim.compare`` as Ray tasks: every task runs all the contracts over its index range
    (common random numbers within the task), the driver merges them into the comparison.

    Raises:
        KasimError: as ``simulate``.
    """
    return json.loads(_compare_text(contracts, runs, seed, shards))


# --- sensitivity and goal seek ----------------------------------------------------------------


def _statistic_of(text: str, runs: int, seed: int, stat: str, shards: Optional[int]) -> str:
    parts, _ = _simulate_texts([text], runs, seed, shards)
    return _kasim.statistic(parts, stat)


def _sensitivity_text(contract: Contract, runs: int, seed: int, stat: str, shards: Optional[int]) -> str:
    _ensure_ray()
    variants = contract._inner.sensitivity_variants()
    ranges = shard_ranges(runs, _default_shards(runs, shards))
    # Every variant × range at once: the cluster stays busy across variants.
    refs = [[_simulate_shard.remote([v], runs, seed, a, b) for a, b in ranges] for v in variants]
    statistics: List[str] = []
    base_parts: List[bytes] = []
    for i, rs in enumerate(refs):
        parts, _ = _gather(rs)
        statistics.append(_kasim.statistic(parts, stat))
        if i == 0:
            base_parts = parts
    return contract._inner.sensitivity_from(runs, seed, stat, statistics, base_parts)


def sensitivity(
    contract: Contract, runs: int = 2_000, seed: int = 1, stat: str = "mean", shards: Optional[int] = None
) -> Dict[str, Any]:
    """``Contract.sensitivity`` as Ray tasks: each variant of the tornado (an input at its low
    or high value) and each index range is a task, all submitted at once; the rank
    correlations come from the base contract's merged rows.

    Raises:
        KasimError: as ``simulate``, or a statistic other than ``mean``, ``p1`` … ``p99``.
    """
    return json.loads(_sensitivity_text(contract, runs, seed, stat, shards))


def _goal_seek_text(
    contract: Contract,
    term: str,
    target: Number,
    stat: str,
    low: Optional[Number],
    high: Optional[Number],
    runs: int,
    seed: int,
    shards: Optional[int],
) -> str:
    _ensure_ray()
    lo = None if low is None else _decimal_text(low)
    hi = None if high is None else _decimal_text(high)

    def evaluate(variant: str) -> str:
        return _statistic_of(variant, runs, seed, stat, shards)

    return contract._inner.goal_seek_with(term, _decimal_text(target), stat, lo, hi, runs, seed, evaluate)


def goal_seek(
    contract: Contract,
    term: str,
    target: Number,
    stat: str = "mean",
    low: Optional[Number] = None,
    high: Optional[Number] = None,
    runs: int = 2_000,
    seed: int = 1,
    shards: Optional[int] = None,
) -> Dict[str, Any]:
    """``Contract.goal_seek`` with each evaluation's scenarios as Ray tasks (the bisection
    itself is sequential: each step needs the last one's answer).

    Raises:
        KasimError: as ``Contract.goal_seek``.
    """
    return json.loads(_goal_seek_text(contract, term, target, stat, low, high, runs, seed, shards))


# --- negotiation ------------------------------------------------------------------------------


def offer_scores(contract: Contract, chunks: Optional[int] = None) -> bytes:
    """The contract's negotiation grid — every combination of its negotiable terms, settled
    for the supplier over the common scenarios and for the buyer on the plan — scored as Ray
    tasks of ``chunks`` offer ranges (default: 4 per cluster CPU). Pass the bytes to
    ``negotiate``/``advise``/``tournament`` (``scores=``) to score the grid once for all three.

    Raises:
        KasimError: no Ray connection; a contract without ``[negotiation]`` or too large a grid.
    """
    _ensure_ray()
    text = contract.to_toml()
    n = contract._inner.offer_count()
    chunks = chunks if chunks is not None else max(1, min(SHARDS_PER_CPU * _cluster_cpus(), n))
    refs = [_score_offers.remote(text, a, b) for a, b in shard_ranges(n, chunks)]
    parts, _ = _gather(refs)
    return _kasim.merge_scores(parts)


def negotiate(
    contract: Contract,
    supplier: str = "boulware",
    buyer: str = "boulware",
    chunks: Optional[int] = None,
    scores: Optional[bytes] = None,
) -> Dict[str, Any]:
    """``Contract.negotiate`` with the scoring grid computed as Ray tasks (``offer_scores``);
    the negotiation itself is a few hundred look-ups and runs here."""
    s = scores if scores is not None else offer_scores(contract, chunks)
    return json.loads(contract._inner.negotiate(supplier, buyer, s))


def advise(
    contract: Contract, margin: Number = 0.0, chunks: Optional[int] = None, scores: Optional[bytes] = None
) -> Dict[str, Any]:
    """``Contract.advise`` with the scoring grid computed as Ray tasks (``offer_scores``)."""
    if isinstance(margin, str):
        text = margin.strip()
        margin = float(text[:-1]) / 100 if text.endswith("%") else float(text)
    s = scores if scores is not None else offer_scores(contract, chunks)
    return json.loads(contract._inner.advise(float(margin), s))


def _tournament_text(
    contract: Contract, runs: int, seed: int, chunks: Optional[int], scores: Optional[bytes]
) -> str:
    s = scores if scores is not None else offer_scores(contract, chunks)
    text = contract.to_toml()
    n = chunks if chunks is not None else max(1, min(SHARDS_PER_CPU * _cluster_cpus(), runs))
    text_ref, scores_ref = ray.put(text), ray.put(s)
    refs = [_tournament_runs.remote(text_ref, scores_ref, runs, seed, a, b) for a, b in shard_ranges(runs, n)]
    parts, _ = _gather(refs)
    return contract._inner.tournament_merge(runs, seed, parts, s)


def tournament(
    contract: Contract,
    runs: int = 100,
    seed: int = 1,
    chunks: Optional[int] = None,
    scores: Optional[bytes] = None,
) -> Dict[str, Any]:
    """``Contract.tournament`` as Ray tasks: the scoring grid (``offer_scores``), then the
    negotiations split into ``chunks`` ranges (every pair of strategies plays the same drawn
    buyers in each range), merged exactly."""
    return json.loads(_tournament_text(contract, runs, seed, chunks, scores))




# --- a cluster on this machine ----------------------------------------------------------------


def _ray_command() -> str:
    """The ``ray`` command beside this Python (a virtual environment's), else on PATH."""
    beside = pathlib.Path(sys.executable).with_name("ray")
    return str(beside) if beside.exists() else (shutil.which("ray") or "ray")


def _run_ray(*args: str) -> None:
    env = dict(os.environ, RAY_USAGE_STATS_ENABLED="0")
    p = subprocess.run([_ray_command(), *args], capture_output=True, text=True, env=env, timeout=300)
    if p.returncode != 0:
        raise KasimError(f"`ray {' '.join(args)}` failed ({p.returncode}):\n{p.stdout}\n{p.stderr}")


@contextlib.contextmanager
def local_cluster(
    nodes: int = 2, cpus_per_node: int = 1, object_store_bytes: int = 200_000_000, port: Optional[int] = None
) -> Iterator[str]:
    """A real multi-node Ray cluster on 127.0.0.1, for trying ``kasim.distributed`` out and for
    tests and benchmarks: ``ray start --head`` plus ``nodes − 1`` nodes joined with ``ray start
    --address``, the driver connected with ``ray.init(address=...)``. Yields the address; on
    exit disconnects and runs ``ray stop --force`` (which stops **every** Ray process of this
    user on the machine).

    >>> with local_cluster(nodes=2) as address:                  # doctest: +SKIP
    ...     sim = simulate(kasim.load("scenarios/supermarket.toml"), runs=100_000)

    Raises:
        KasimError: when a ``ray start`` fails or the nodes do not join within a minute.
    """
    if nodes < 1 or cpus_per_node < 1:
        raise KasimError(f"a cluster needs at least one node and one CPU per node, not {nodes} × {cpus_per_node}")
    if port is None:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
    address = f"127.0.0.1:{port}"
    common = [f"--num-cpus={cpus_per_node}", f"--object-store-memory={object_store_bytes}", "--disable-usage-stats"]
    try:
        _run_ray("start", "--head", "--node-ip-address=127.0.0.1", f"--port={port}", "--include-dashboard=false", *common)
        for _ in range(nodes - 1):
            _run_ray("start", f"--address={address}", "--node-ip-address=127.0.0.1", *common)
        ray.init(address=address, log_to_driver=False)
        deadline = time.time() + 60
        while sum(1 for n in ray.nodes() if n["Alive"]) < nodes:
            if time.time() > deadline:
                raise KasimError(f"only {sum(1 for n in ray.nodes() if n['Alive'])} of {nodes} nodes joined")
            time.sleep(0.25)
        yield address
    finally:
        if ray.is_initialized():
            ray.shutdown()
        subprocess.run([_ray_command(), "stop", "--force"], capture_output=True, timeout=300)
