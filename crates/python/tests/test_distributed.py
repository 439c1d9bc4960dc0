"""kasim.distributed on a real Ray cluster started on this machine: a head node and a second
node joined to it (``ray start``), the driver connected with ``ray.init(address=...)``.

Every sharded result is compared with the single-machine result as text, byte for byte (the
CLI's ``--format json``), and a worker killed mid-run (SIGKILL, from outside) is retried by Ray
to the identical result. The cluster is stopped at the end of the session.
"""

import os
import pickle
import signal
import subprocess
import sys
import threading
import time

import pytest

import ray

import kasim
import kasim.distributed as kd

SUPERMARKET = "scenarios/supermarket.toml"
HYPERMARKET = "scenarios/hypermarket.toml"
NEGOTIATION = "scenarios/negotiation-seed-case.toml"
REF = "scenarios/bench/ref-52x10.toml"


@pytest.fixture(scope="module")
def cluster():
    """A two-node Ray cluster on 127.0.0.1 (one CPU per node: `ray start --head`, then `ray
    start --address=...`), the driver connected with `ray.init(address=...)`; stopped
    afterwards."""
    with kd.local_cluster(nodes=2, cpus_per_node=1) as address:
        assert address.startswith("127.0.0.1:")
        yield address
    assert not ray.is_initialized()


def _text(s: str) -> str:
    return s.rstrip("\n")


def test_two_nodes_share_the_work(cluster):
    nodes = [n for n in ray.nodes() if n["Alive"]]
    assert len(nodes) == 2
    assert ray.cluster_resources()["CPU"] == 2
    c = kasim.load(SUPERMARKET)
    sim = kd.simulate(c, runs=4_000, seed=3, shards=8)
    assert len(sim.tasks) == 8
    assert [(t["start"], t["end"]) for t in sim.tasks] == kd.shard_ranges(4_000, 8)
    assert len({t["node"] for t in sim.tasks}) == 2, "both nodes ran shards"
    assert all(t["bytes"] == 24 + 48 * (t["end"] - t["start"]) for t in sim.tasks)


@pytest.mark.parametrize("shards", [1, 2, 3, 7])
def test_sharded_simulation_is_the_single_machine_run_byte_for_byte(cluster, cli, shards):
    c = kasim.load(SUPERMARKET)
    _, report, _ = kd._simulate_text(c, 3_001, 11, shards, None)
    assert _text(report) == _text(cli("simulate", SUPERMARKET, "--runs", "3001", "--seed", "11", "--format", "json"))
    sim = kd.simulate(c, runs=3_001, seed=11, shards=shards, cents=True)
    local = c.simulate(runs=3_001, seed=11, cents=True)
    for name in kasim.OUTPUTS:
        assert (sim.cents(name) == local.cents(name)).all(), name
    assert sim.to_bytes() == local.to_bytes()
    assert sim.row(3_000) == local.row(3_000)


def test_threshold_and_default_shards(cluster, cli):
    c = kasim.load(SUPERMARKET)
    _, report, tasks = kd._simulate_text(c, 2_500, 4, None, "0")
    # 4 per CPU, at least 1,000 scenarios each: 2 shards of 1,250.
    assert [(t["start"], t["end"]) for t in tasks] == [(0, 1250), (1250, 2500)]
    want = cli("simulate", SUPERMARKET, "--runs", "2500", "--seed", "4", "--threshold", "0", "--format", "json")
    assert _text(report) == _text(want)


def test_portfolio_and_compare(cluster, cli):
    files = [SUPERMARKET, HYPERMARKET]
    contracts = [kasim.load(f) for f in files]
    got = kd._compare_text(contracts, 2_000, 5, 3)
    assert _text(got) == _text(cli("compare", *files, "--runs", "2000", "--seed", "5", "--format", "json"))
    many = kd.simulate_many(contracts, runs=2_000, seed=5, shards=3)
    for c, r in zip(contracts, many):
        assert r.summary == c.simulate(runs=2_000, seed=5).summary
        assert r.to_bytes() == c.simulate(runs=2_000, seed=5).to_bytes()


def test_sensitivity_and_goal_seek(cluster, cli):
    c = kasim.load(SUPERMARKET)
    got = kd._sensitivity_text(c, 300, 2, "p10", 3)
    want = cli("sensitivity", SUPERMARKET, "--runs", "300", "--seed", "2", "--stat", "p10", "--format", "json")
    assert _text(got) == _text(want)
    got = kd._goal_seek_text(c, "fees.renewal.amount", "0", "p10", None, 2_000_000, 300, 1, 2)
    want = cli(
        "goal-seek", SUPERMARKET, "--term", "fees.renewal.amount", "--target", "0", "--stat", "p10",
        "--runs", "300", "--high", "2000000", "--format", "json",
    )
    assert _text(got) == _text(want)


def test_negotiation_grid_and_tournament(cluster, cli_json, cli):
    c = kasim.load(NEGOTIATION)
    scores = kd.offer_scores(c, chunks=5)
    assert scores == kd.offer_scores(c, chunks=1)
    assert kd.negotiate(c, "boulware", "conceder", scores=scores) == cli_json(
        "negotiate", NEGOTIATION, "--supplier", "boulware", "--buyer", "conceder"
    )
    assert kd.advise(c, "5%", scores=scores) == cli_json("advise", NEGOTIATION, "--margin", "5%")
    got = kd._tournament_text(c, 9, 3, 4, scores)
    want = cli("negotiate", NEGOTIATION, "--tournament", "--runs", "9", "--seed", "3", "--format", "json")
    assert _text(got) == _text(want)


def test_errors_come_back_as_kasim_errors(cluster):
    no_uncertainty = kasim.load("scenarios/seed-clause.toml")
    assert not no_uncertainty.has_uncertainty
    with pytest.raises(kasim.KasimError) as e:
        kd.simulate(no_uncertainty, runs=100, shards=2)
    assert "uncertainty" in str(e.value)
    with pytest.raises(kasim.KasimError):
        kd.shard_ranges(10, 0)
    # A contract error crosses processes (a task's result is pickled) as itself, problems kept.
    with pytest.raises(kasim.ContractError) as e:
        kasim.loads('name = 1')
    back = pickle.loads(pickle.dumps(e.value))
    assert type(back) is kasim.ContractError and str(back) == str(e.value)
    assert [(p.line, p.column, p.key) for p in back.problems] == [(1, 8, "name")]


def _shard_workers(task: str = "_simulate_shard") -> list:
    """PIDs of Ray workers executing a shard of ``task`` (Ray names the process after the task)."""
    p = subprocess.run(["ps", "-eo", "pid=,args="], capture_output=True, text=True)
    return [int(line.split(None, 1)[0]) for line in p.stdout.splitlines() if f"ray::{task}" in line]


def test_a_worker_killed_mid_run_is_retried_to_the_same_result(cluster):
    c = kasim.load(REF)
    runs, seed, shards = 40_000, 9, 4
    local = c.simulate(runs=runs, seed=seed)
    killed = []

    def kill_one():
        deadline = time.time() + 120
        while time.time() < deadline and not killed:
            pids = _shard_workers()
            if pids:
                time.sleep(0.3)  # mid-run: the shard has started computing
                os.kill(pids[0], signal.SIGKILL)
                killed.append(pids[0])
                return
            time.sleep(0.05)

    killer = threading.Thread(target=kill_one)
    killer.start()
    sim = kd.simulate(c, runs=runs, seed=seed, shards=shards)
    killer.join()
    assert killed, "no shard worker was found to kill"
    assert killed[0] not in {t["pid"] for t in sim.tasks}, "the killed worker's shard was recomputed elsewhere"
    assert sim.summary == local.summary
    assert sim.to_bytes() == local.to_bytes()


def test_without_a_connection_it_says_so():
    code = (
        "import kasim, kasim.distributed as kd\n"
        "try:\n"
        "    kd.simulate(kasim.load('scenarios/supermarket.toml'), runs=10)\n"
        "except kasim.KasimError as e:\n"
        "    print('ERR', e)\n"
    )
    p = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert "ERR kasim.distributed needs a Ray connection" in p.stdout, p.stderr


def test_sharded_portfolio_is_the_single_machine_run(cluster, cli):
    p = kasim.load_portfolio("scenarios/portfolio/ka-channel.toml")
    got = kd.portfolio(p, runs=1_500, seed=2, shards=3)
    want = cli("portfolio", "scenarios/portfolio/ka-channel.toml", "--runs", "1500", "--seed", "2", "--format", "json")
    import json

    assert got == json.loads(want)


MULTI_YEAR = "scenarios/portfolio/ka-3-years.toml"


@pytest.mark.parametrize("shards", [1, 2, 3])
def test_sharded_multi_year_portfolio_is_the_cli_run_byte_for_byte(cluster, cli, shards):
    import json

    p = kasim.load_portfolio(MULTI_YEAR)
    chain, parts, tasks = kd._multi_year_parts(p, 700, 4, shards)
    assert [(t["start"], t["end"]) for t in tasks] == kd.shard_ranges(700, shards)
    assert all(t["kind"] == "multi_year" and t["bytes"] == len(b) for t, b in zip(tasks, parts))
    want = cli("portfolio", MULTI_YEAR, "--runs", "700", "--seed", "4", "--format", "json")
    # Merged in any order: the text is the CLI's, byte for byte.
    assert _text(chain.merge(700, 4, parts[::-1])) == _text(want)
    got = kd.portfolio(p, runs=700, seed=4, shards=shards)
    assert got["format"] == "kasim.multi_year/1"
    assert got == json.loads(want)


def test_a_worker_killed_mid_multi_year_run_is_retried_to_the_same_result(cluster):
    p = kasim.load_portfolio(MULTI_YEAR)
    runs, seed = 6_000, 5
    local = kasim._kasim.load_portfolio(MULTI_YEAR).simulate(runs, seed, 2)
    killed = []

    def kill_one():
        deadline = time.time() + 120
        while time.time() < deadline and not killed:
            pids = _shard_workers("_multi_year_shard")
            if pids:
                time.sleep(0.3)  # mid-run: the shard has started computing
                os.kill(pids[0], signal.SIGKILL)
                killed.append(pids[0])
                return
            time.sleep(0.05)

    killer = threading.Thread(target=kill_one)
    killer.start()
    chain, parts, tasks = kd._multi_year_parts(p, runs, seed, 4)
    killer.join()
    assert killed, "no shard worker was found to kill"
    assert killed[0] not in {t["pid"] for t in tasks}, "the killed worker's shard was recomputed elsewhere"
    assert _text(chain.merge(runs, seed, parts)) == _text(local)
