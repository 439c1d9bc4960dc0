"""The kasim Python package: equal to the CLI's JSON, exact money, shards, threads, Ctrl-C."""

import ast
import os
import pathlib
import random
import signal
import threading
import time
from decimal import Decimal

import numpy as np
import pytest

import kasim
from kasim import _kasim

SUPERMARKET = "scenarios/supermarket.toml"
NEGOTIATION = "scenarios/negotiation-seed-case.toml"
PKG = pathlib.Path(kasim.__file__).parent
ROOT = pathlib.Path(__file__).resolve().parents[3]


# --- stubs and docstrings ---------------------------------------------------------------------


def _stub_names(path):
    """Top-level names of a stub, and each class's member names."""
    tree = ast.parse(path.read_text())
    names, members = [], {}
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.ClassDef)):
            names.append(node.name)
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            names.append(node.target.id)
        elif isinstance(node, ast.ImportFrom):
            names.extend(a.asname or a.name for a in node.names if a.asname)
        if isinstance(node, ast.ClassDef):
            members[node.name] = [
                n.name if isinstance(n, ast.FunctionDef) else n.target.id
                for n in node.body
                if isinstance(n, ast.FunctionDef) or (isinstance(n, ast.AnnAssign) and isinstance(n.target, ast.Name))
            ]
    return names, members


@pytest.mark.parametrize("stub,module", [("__init__.pyi", kasim), ("_kasim.pyi", _kasim)])
def test_every_stub_name_exists(stub, module):
    names, members = _stub_names(PKG / stub)
    skip = {"PathLike", "Number"}  # type aliases of the stub
    for name in names:
        if name not in skip:
            assert hasattr(module, name), f"{stub}: {name} is not in {module.__name__}"
    for cls, attrs in members.items():
        for a in attrs:
            if a.startswith("__") and a != "__len__":
                continue
            if cls in ("Settlement", "SimulationResult") and a not in dir(getattr(module, cls)):
                # Instance attributes are set in __init__: checked on real values below.
                continue
            if cls == "ContractError" or cls == "Problem":
                continue
            assert hasattr(getattr(module, cls), a), f"{stub}: {cls}.{a} missing"


def test_every_public_name_is_in_the_stub_and_documented():
    names, _ = _stub_names(PKG / "__init__.pyi")
    for name in kasim.__all__:
        assert name in names, f"{name} is public but not in __init__.pyi"
        obj = getattr(kasim, name)
        if callable(obj):
            assert obj.__doc__ and obj.__doc__.strip(), f"{name} has no docstring"
    for cls in (kasim.Contract, kasim.Settlement, kasim.SimulationResult):
        for attr, value in vars(cls).items():
            if not attr.startswith("_"):
                assert value.__doc__, f"{cls.__name__}.{attr} has no docstring"
    assert (PKG / "py.typed").exists()


# --- load, loads and errors -------------------------------------------------------------------


def test_load_and_loads():
    c = kasim.load(SUPERMARKET)
    assert (c.name, c.currency, c.file) == ("Sunrise 2027", "CNY", SUPERMARKET)
    assert c.fees[0] == "renewal" and "year-end-rebate" in c.fees and len(c.fees) == 11
    assert c.has_uncertainty
    text = pathlib.Path(SUPERMARKET).read_text()
    # The supplier file is resolved against base_dir; without it the contract cannot load.
    same = kasim.loads(text, base_dir="scenarios", name=SUPERMARKET)
    assert same.evaluate().report == c.evaluate().report
    with pytest.raises(kasim.ContractError) as e:
        kasim.loads(text)
    assert any(p.key == "supplier" for p in e.value.problems), e.value.problems
    # The resolved text travels: it loads alone and simulates to the same rows.
    moved = kasim.loads(c.to_toml(), name=SUPERMARKET)
    assert moved.fees == c.fees
    a, b = c.simulate(runs=500, seed=4), moved.simulate(runs=500, seed=4)
    assert a.to_bytes() == b.to_bytes() and a.summary == b.summary


def test_an_extends_chain_is_resolved():
    c = kasim.load("scenarios/handbook-2027-draft.toml")
    again = kasim.loads(c.to_toml())
    assert again.evaluate().pnl == c.evaluate().pnl


def test_contract_errors_carry_located_problems(tmp_path):
    supplier = (ROOT / "scenarios" / "supplier.toml").as_posix()
    text = pathlib.Path(SUPERMARKET).read_text().replace('supplier = "supplier.toml"', f'supplier = "{supplier}"')
    lines = text.splitlines()
    at = next(i for i, l in enumerate(lines) if l.strip() == 'id = "renewal"')
    lines.insert(at + 1, 'rate = "lots"')
    bad = tmp_path / "bad.toml"
    bad.write_text("\n".join(lines) + "\n")
    # The file without the bad line loads: the problem is that line.
    (tmp_path / "good.toml").write_text(text)
    assert kasim.load(tmp_path / "good.toml").fees[0] == "renewal"
    with pytest.raises(kasim.ContractError) as e:
        kasim.load(bad)
    err = e.value
    assert isinstance(err, kasim.KasimError)
    assert err.problems, str(err)
    p = err.problems[0]
    assert p.file == str(bad)
    assert p.line == at + 2, (p, at)
    assert p.column >= 1 and p.key.startswith("fees[0]"), p
    assert p.message
    assert f"{bad}:{p.line}:{p.column}" in str(err)
    # A missing file: a ContractError without located problems.
    with pytest.raises(kasim.ContractError) as missing:
        kasim.load(tmp_path / "nope.toml")
    assert missing.value.problems == []


def test_other_errors_are_kasim_errors():
    c = kasim.load(SUPERMARKET)
    with pytest.raises(kasim.KasimError, match="statistic"):
        c.sensitivity(runs=10, stat="median")
    with pytest.raises(kasim.KasimError):
        c.goal_seek("fees.nope.amount", 0, runs=10)
    # Too large for memory: refused before anything runs, as the CLI refuses it.
    with pytest.raises(kasim.KasimError, match="above the limit"):
        c.simulate(runs=10**12)
    with pytest.raises(kasim.KasimError, match="nothing is uncertain"):
        kasim.load("scenarios/seed-clause.toml").simulate(runs=10)
    with pytest.raises(kasim.KasimError, match="not a range"):
        kasim.simulate_range(c.to_toml(), None, 100, 1, 50, 101)


# --- evaluate ---------------------------------------------------------------------------------


def test_evaluate_equals_the_cli(cli_json):
    s = kasim.load(SUPERMARKET).evaluate()
    expected = cli_json("evaluate", SUPERMARKET)
    assert s.report == expected
    pnl = expected["contracts"][0]["pnl"]
    assert s.pnl["net_contribution"] == Decimal(pnl["net_contribution"])
    assert isinstance(s.pnl["fees_total"], Decimal)
    assert [f["amount"] for f in s.pnl["fees_by_kind"]] == [Decimal(f["amount"]) for f in pnl["fees_by_kind"]]
    fee_lines = sum(l["amount"] for l in s.ledger if l["kind"] != "financing")
    assert fee_lines == s.pnl["fees_total"]
    assert {"rule", "period", "label", "base", "rate", "amount"} <= set(s.ledger[0])


def test_to_pandas():
    pytest.importorskip("pandas")
    s = kasim.load(SUPERMARKET).evaluate()
    df = s.to_pandas()
    assert len(df) == len(s.ledger) and df["amount"].iloc[0] == s.ledger[0]["amount"]
    assert df["amount"].sum() == sum(l["amount"] for l in s.ledger)
    r = kasim.load(SUPERMARKET).simulate(runs=100, seed=1)
    frame = r.to_pandas()
    assert list(frame.columns) == list(kasim.OUTPUTS) and frame["net_contribution"].iloc[5] == r.net_contribution[5]


# --- simulate ---------------------------------------------------------------------------------


def test_simulate_equals_the_cli_summary(cli, cli_json):
    c = kasim.load(SUPERMARKET)
    r = c.simulate(runs=3000, seed=7, threshold="350000")
    expected = cli_json("simulate", SUPERMARKET, "--runs", "3000", "--seed", "7", "--threshold", "350000")
    assert r.summary == expected == r.report()
    # Byte for byte: the extension's JSON is the CLI's stdout.
    _, text = c._inner.simulate(3000, 7, 0, "350000")
    assert text == cli("simulate", SUPERMARKET, "--runs", "3000", "--seed", "7", "--threshold", "350000", "--format", "json")
    assert len(r) == r.runs == 3000
    by_output = {o["output"]: o["summary"] for o in expected["outputs"]}
    for name in kasim.OUTPUTS:
        arr = getattr(r, name)
        assert arr.dtype == np.float64 and arr.shape == (3000,)
        s = by_output[name]
        cents = r.cents(name)
        assert Decimal(int(cents.min())) / 100 == Decimal(s["min"])
        assert Decimal(int(cents.max())) / 100 == Decimal(s["max"])
        assert abs(arr.mean() - float(s["mean"])) < 0.01, name
    below = float((r.cents("net_contribution") < 35_000_000).mean())
    assert below == expected["p_net_contribution_below_threshold"]


def test_cents_are_exact():
    c = kasim.load(SUPERMARKET)
    r = c.simulate(runs=400, seed=2, cents=True)
    assert r.net_contribution.dtype == np.int64
    assert np.array_equal(r.net_contribution, r.cents("net_contribution"))
    f = c.simulate(runs=400, seed=2)
    assert np.array_equal(f.net_contribution, r.net_contribution / 100.0)
    row = r.row(17)
    assert row["net_contribution"] == Decimal(int(r.net_contribution[17])).scaleb(-2)
    assert all(isinstance(v, Decimal) for v in row.values())
    with pytest.raises(IndexError):
        r.row(400)


def test_row_equals_replay(cli_json):
    c = kasim.load(SUPERMARKET)
    r = c.simulate(runs=300, seed=9)
    for k in (0, 1, 150, 299):
        replay = cli_json("replay", SUPERMARKET, "--scenario", str(k), "--seed", "9")
        assert r.row(k)["net_contribution"] == Decimal(replay["pnl"]["net_contribution"]), k
        assert r.row(k)["fees_total"] == Decimal(replay["pnl"]["fees_total"]), k
        assert c.replay(k, seed=9) == replay


def test_identical_at_any_thread_count():
    c = kasim.load(SUPERMARKET)
    one = c.simulate(runs=5000, seed=3, threads=1)
    two = c.simulate(runs=5000, seed=3, threads=2)
    assert one.to_bytes() == two.to_bytes() and one.summary == two.summary
    assert c.simulate(runs=5000, seed=4, threads=2).to_bytes() != one.to_bytes()


# --- the other reports ------------------------------------------------------------------------


def test_compare_equals_the_cli(cli_json):
    files = [SUPERMARKET, "scenarios/hypermarket.toml"]
    got = kasim.compare([kasim.load(f) for f in files], runs=1500, seed=5)
    assert got == cli_json("compare", *files, "--runs", "1500", "--seed", "5")


def test_brief_equals_the_cli(cli_json):
    files = ["scenarios/handbook-2026.toml", "scenarios/handbook-2027-draft.toml"]
    got = kasim.brief(*[kasim.load(f) for f in files], runs=1000, seed=2)
    assert got == cli_json("brief", *files, "--runs", "1000", "--seed", "2")
    # BASE, DRAFT and the advised counter-offer; the doubled entry fee's exact change.
    assert len(got["contracts"]) == 3
    entry = next(c for c in got["clauses"] if c["id"] == "entry")
    assert entry["change_plan"] == "50000.00"


def test_sensitivity_and_goal_seek_equal_the_cli(cli_json):
    c = kasim.load(SUPERMARKET)
    assert c.sensitivity(runs=200, seed=2, stat="p10") == cli_json(
        "sensitivity", SUPERMARKET, "--runs", "200", "--seed", "2", "--stat", "p10"
    )
    got = c.goal_seek("fees.renewal.amount", Decimal("0"), stat="p10", high=2_000_000, runs=200)
    assert got == cli_json(
        "goal-seek", SUPERMARKET, "--term", "fees.renewal.amount", "--target", "0", "--stat", "p10",
        "--runs", "200", "--high", "2000000",
    )


def test_negotiate_advise_and_tournament_equal_the_cli(cli_json):
    c = kasim.load(NEGOTIATION)
    assert c.negotiate("boulware", "conceder") == cli_json("negotiate", NEGOTIATION, "--supplier", "boulware", "--buyer", "conceder")
    assert c.negotiate() == cli_json("negotiate", NEGOTIATION)
    assert c.advise("5%") == cli_json("advise", NEGOTIATION, "--margin", "5%")
    assert c.advise(0.05) == c.advise("5%")
    assert c.tournament(runs=8, seed=3) == cli_json("negotiate", NEGOTIATION, "--tournament", "--runs", "8", "--seed", "3")
    with pytest.raises(kasim.KasimError):
        c.negotiate("no-such-strategy", "boulware")


# --- shards -----------------------------------------------------------------------------------


def test_shards_merge_to_the_full_run_byte_for_byte(cli):
    c = kasim.load(SUPERMARKET)
    text, runs, seed = c.to_toml(), 9000, 11
    bounds = [(0, 1000), (1000, 4097), (4097, 9000)]
    shards = [kasim.simulate_range(text, None, runs, seed, a, b, threads=1 + i % 2) for i, (a, b) in enumerate(bounds)]
    random.Random(1).shuffle(shards)
    merged = _kasim.merge_simulation(text, None, runs, seed, shards, SUPERMARKET)
    assert merged == cli("simulate", SUPERMARKET, "--runs", str(runs), "--seed", str(seed), "--format", "json")
    full = c.simulate(runs=runs, seed=seed)
    assert kasim.merge_simulation(text, None, runs, seed, shards, file=SUPERMARKET) == full.summary
    cols = sorted((kasim.decode_shard(s) for s in shards), key=lambda x: x[0])
    assert [start for start, _ in cols] == [0, 1000, 4097]
    joined = np.concatenate([cs[0]["net_contribution"] for _, cs in cols])
    assert np.array_equal(joined, full.cents("net_contribution"))
    # Gaps, overlaps and short merges are refused.
    with pytest.raises(kasim.KasimError, match="leave scenarios 1000..4097 out"):
        kasim.merge_simulation(text, None, runs, seed, [s for s in shards if kasim.decode_shard(s)[0] != 1000])
    with pytest.raises(kasim.KasimError, match="overlaps"):
        kasim.merge_simulation(text, None, runs, seed, shards + [kasim.simulate_range(text, None, runs, seed, 10, 20)])
    with pytest.raises(kasim.KasimError, match="not an encoded shard"):
        kasim.merge_simulation(text, None, runs, seed, [b"nonsense"])
    first = [s for s in shards if kasim.decode_shard(s)[0] == 0]
    with pytest.raises(kasim.KasimError, match="not 1 × 9000"):
        kasim.merge_simulation(text, None, runs, seed, first)


# --- work split into pieces (the units of kasim.distributed) ---------------------------------


def _cuts(n, pieces):
    """Ways to split 0..n: whole, halves, thirds and an uneven split with an empty piece."""
    return {
        1: [0, n],
        2: [0, n // 2, n],
        3: [0, n // 3, 2 * n // 3, n],
        "uneven": [0, 1, 1, n // 5, n - 1, n],
    }[pieces]


SPLITS = [1, 2, 3, "uneven"]


@pytest.mark.parametrize("pieces", SPLITS)
def test_many_contracts_split_merge_to_the_comparison(cli, pieces):
    files = [SUPERMARKET, "scenarios/hypermarket.toml"]
    contracts = [kasim.load(f) for f in files]
    texts = [c.to_toml() for c in contracts]
    runs, seed = 3000, 5
    cuts = _cuts(runs, pieces)
    shards = [
        _kasim.simulate_range_many(texts, None, runs, seed, a, b, threads=1 + i % 2)
        for i, (a, b) in enumerate(zip(cuts, cuts[1:]))
    ]
    random.Random(pieces if isinstance(pieces, int) else 7).shuffle(shards)
    merged = _kasim.merge_comparison(texts, None, files, runs, seed, shards)
    assert merged == _kasim.compare([c._inner for c in contracts], runs, seed, 0)
    assert merged == cli("compare", *files, "--runs", str(runs), "--seed", str(seed), "--format", "json")
    # The merged rows as one shard, and statistics of each contract from them.
    start, cols = kasim.decode_shard(_kasim.merge_shards(shards))
    assert start == 0 and len(cols) == 2 and len(cols[1]["net_contribution"]) == runs
    report = kasim.compare(contracts, runs=runs, seed=seed)
    for i, text in enumerate(texts):
        assert _kasim.statistic(shards, "mean", i) == str(report["contracts"][i]["net_contribution"]["mean"])
        assert _kasim.statistic(shards, "p10", contract=i) == _kasim.simulate_statistic(text, None, runs, seed, "p10")
    with pytest.raises(kasim.KasimError, match="not a contract 2"):
        _kasim.statistic(shards, "mean", 2)
    with pytest.raises(kasim.KasimError, match="not 2 × 3000"):
        _kasim.merge_comparison(texts, None, files, runs, seed, [_kasim.simulate_range_many(texts, None, runs, seed, 0, 10)])
    with pytest.raises(kasim.KasimError, match="not 3 × 3000"):
        _kasim.merge_comparison(texts + texts[:1], None, files + files[:1], runs, seed, shards)


@pytest.mark.parametrize("pieces", SPLITS)
def test_sensitivity_from_variants_computed_elsewhere(cli, pieces):
    c = kasim.load(SUPERMARKET)
    runs, seed = 400, 2
    variants = c._inner.sensitivity_variants()
    assert variants[0] == c.to_toml() and len(variants) % 2 == 1
    # Each variant travels as text: it loads alone and runs anywhere.
    statistics = [_kasim.simulate_statistic(v, None, runs, seed, "p10", threads=1) for v in variants]
    cuts = _cuts(runs, pieces)
    shards = [kasim.simulate_range(variants[0], None, runs, seed, a, b) for a, b in zip(cuts, cuts[1:])]
    shards.reverse()
    got = c._inner.sensitivity_from(runs, seed, "p10", statistics, shards)
    assert got == c._inner.sensitivity(runs, seed, 0, "p10")
    assert got == cli("sensitivity", SUPERMARKET, "--runs", str(runs), "--seed", str(seed), "--stat", "p10", "--format", "json")
    report = kasim._report(got)
    assert len(report["tornado"]["bars"]) == (len(variants) - 1) // 2
    with pytest.raises(kasim.KasimError, match="statistics given"):
        c._inner.sensitivity_from(runs, seed, "p10", statistics[:-1], shards)
    with pytest.raises(kasim.KasimError, match="not 1 × 400"):
        c._inner.sensitivity_from(runs, seed, "p10", statistics, [kasim.simulate_range(variants[0], None, runs, seed, 0, 10)])


def test_goal_seek_with_evaluations_made_elsewhere(cli):
    c = kasim.load(SUPERMARKET)
    runs, seed = 200, 1
    seen = []

    def evaluate(text):
        seen.append(text)
        return _kasim.simulate_statistic(text, None, runs, seed, "p10")

    args = ("fees.renewal.amount", "0", "p10", None, "2000000", runs, seed)
    got = c._inner.goal_seek_with(*args, evaluate)
    assert got == c._inner.goal_seek(*args, 0)
    assert got == cli(
        "goal-seek", SUPERMARKET, "--term", "fees.renewal.amount", "--target", "0", "--stat", "p10",
        "--runs", str(runs), "--high", "2000000", "--format", "json",
    )
    assert len(seen) == kasim._report(got)["evaluations"] > 5
    # A Decimal (any value whose str is a decimal) is accepted.
    again = c._inner.goal_seek_with(*args, lambda t: Decimal(_kasim.simulate_statistic(t, None, runs, seed, "p10")))
    assert again == got

    class Boom(Exception):
        pass

    def failing(text):
        if len(seen) > 3:
            raise Boom("worker lost")
        seen.append(text)
        return "0"

    seen.clear()
    with pytest.raises(Boom, match="worker lost"):
        c._inner.goal_seek_with(*args, failing)
    with pytest.raises(kasim.KasimError, match="not a decimal"):
        c._inner.goal_seek_with(*args, lambda t: "lots")


@pytest.mark.parametrize("pieces", SPLITS)
def test_negotiation_scores_split_merge_to_the_same_reports(cli, pieces):
    c = kasim.load(NEGOTIATION)
    n = c._inner.offer_count()
    cuts = _cuts(n, pieces)
    parts = [c._inner.score_offers(a, b) for a, b in zip(cuts, cuts[1:])]
    random.Random(3).shuffle(parts)
    scores = _kasim.merge_scores(parts)
    assert len(scores) == 24 + 48 * n
    assert scores == c._inner.score_offers(0, n)
    i = c._inner
    assert i.negotiate("stall", "boulware", scores) == i.negotiate("stall", "boulware")
    assert i.advise(0.05, scores=scores) == i.advise(0.05)
    assert i.tournament(6, 3, 0, scores) == i.tournament(6, 3, 0)
    assert i.tournament(6, 3, 0, scores=scores) == cli(
        "negotiate", NEGOTIATION, "--tournament", "--runs", "6", "--seed", "3", "--format", "json"
    )


def test_bad_negotiation_scores_are_refused():
    i = kasim.load(NEGOTIATION)._inner
    n = i.offer_count()
    a, b = i.score_offers(0, 5), i.score_offers(6, n)
    with pytest.raises(kasim.KasimError, match="leave 5..6 out"):
        _kasim.merge_scores([a, b])
    with pytest.raises(kasim.KasimError, match="overlap"):
        _kasim.merge_scores([a, a])
    with pytest.raises(kasim.KasimError, match="not encoded offer scores"):
        _kasim.merge_scores([b"nonsense"])
    with pytest.raises(kasim.KasimError, match="5 offer scores given"):
        i.negotiate("stall", "boulware", a)
    with pytest.raises(kasim.KasimError, match="leave 0..6 out"):
        i.advise(0.05, b)
    with pytest.raises(kasim.KasimError, match="offer range"):
        i.score_offers(0, n + 1)


@pytest.mark.parametrize("pieces", SPLITS)
def test_tournament_runs_split_merge_to_the_same_report(pieces):
    i = kasim.load(NEGOTIATION)._inner
    scores = i.score_offers(0, i.offer_count())
    runs, seed = 9, 3
    cuts = _cuts(runs, pieces)
    parts = [i.tournament_range(runs, seed, a, b, scores, threads=1 + k % 2) for k, (a, b) in enumerate(zip(cuts, cuts[1:]))]
    parts.reverse()
    assert i.tournament_merge(runs, seed, parts, scores) == i.tournament(runs, seed, 0)
    # Without scores the set-up is scored where the call runs: the same report.
    assert i.tournament_merge(runs, seed, parts, threads=2) == i.tournament(runs, seed, 2)


def test_tournament_pieces_are_checked():
    i = kasim.load(NEGOTIATION)._inner
    scores = i.score_offers(0, i.offer_count())
    a, b = i.tournament_range(9, 3, 0, 4, scores), i.tournament_range(9, 3, 5, 9, scores)
    with pytest.raises(kasim.KasimError, match="leave 4..5 out"):
        i.tournament_merge(9, 3, [a, b], scores)
    with pytest.raises(kasim.KasimError, match="overlap"):
        i.tournament_merge(9, 3, [a, a, b], scores)
    with pytest.raises(kasim.KasimError, match="cover runs 0..4, not 0..9"):
        i.tournament_merge(9, 3, [a], scores)
    with pytest.raises(kasim.KasimError, match="not encoded tournament runs"):
        i.tournament_merge(9, 3, [scores], scores)
    with pytest.raises(kasim.KasimError, match="run range"):
        i.tournament_range(9, 3, 5, 10, scores)


# --- the GIL and Ctrl-C -----------------------------------------------------------------------


def test_the_gil_is_released_during_a_simulation():
    c = kasim.load("scenarios/bench/ref-52x10.toml")
    ticks = []
    stop = threading.Event()

    def tick():
        while not stop.is_set():
            ticks.append(time.perf_counter())
            time.sleep(0.001)

    t = threading.Thread(target=tick)
    t.start()
    try:
        start = time.perf_counter()
        c.simulate(runs=20_000, seed=1, threads=1)
        elapsed = time.perf_counter() - start
    finally:
        stop.set()
        t.join()
    during = [x for x in ticks if start <= x <= start + elapsed]
    # The other thread kept running: ticks all through the call.
    assert elapsed > 0.05, elapsed
    assert len(during) > 20 and during[-1] - during[0] > 0.8 * elapsed - 0.2, (len(during), elapsed)


def test_two_threads_simulate_at_once_with_the_results_of_one():
    c = kasim.load(SUPERMARKET)
    alone = c.simulate(runs=3000, seed=8, threads=1).to_bytes()
    out = {}

    def work(i):
        out[i] = c.simulate(runs=3000, seed=8, threads=1).to_bytes()

    threads = [threading.Thread(target=work, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert out == {0: alone, 1: alone}


def test_ctrl_c_interrupts_a_long_simulation():
    c = kasim.load("scenarios/bench/ref-52x10.toml")
    timer = threading.Timer(0.5, lambda: os.kill(os.getpid(), signal.SIGINT))
    start = time.perf_counter()
    timer.start()
    with pytest.raises(KeyboardInterrupt):
        c.simulate(runs=5_000_000, seed=1, threads=1)
    elapsed = time.perf_counter() - start
    timer.cancel()
    assert elapsed < 0.5 + 2.0, f"took {elapsed:.2f} s to stop"


PORTFOLIO = "scenarios/portfolio/ka-channel.toml"


def test_portfolio_equals_the_cli(cli):
    p = kasim.load_portfolio(PORTFOLIO)
    assert p.ids == ["hypermarket", "supermarket", "pharmacy", "warehouse-club"]
    got = p.simulate(runs=400, seed=3, threads=1)
    want = cli("portfolio", PORTFOLIO, "--runs", "400", "--seed", "3", "--format", "json")
    import json

    assert got == json.loads(want)
    parts = sum(int(Decimal(r["tail_sum"]) * 100) for r in got["retailers"])
    assert parts == int(Decimal(got["tail"]["sum"]) * 100)
    # The unit of work of a distributed run: ranges as bytes, merged into the same report.
    text, contracts = p._inner.texts()
    shards = [_kasim.portfolio_range(text, p.file, contracts, 400, 3, a, b) for a, b in [(250, 400), (0, 250)]]
    assert _kasim.merge_portfolio(text, p.file, contracts, 400, 3, shards).rstrip("\n") == want.rstrip("\n")


def test_portfolio_errors_are_located(tmp_path):
    f = tmp_path / "p.toml"
    f.write_text('name = "x"\n\n[[contracts]]\nfile = "gone.toml"\n')
    with pytest.raises(kasim.ContractError) as e:
        kasim.load_portfolio(f)
    (problem,) = e.value.problems
    assert (problem.key, problem.line, problem.column) == ("contracts[0].file", 4, 8)


MULTI_YEAR = "scenarios/portfolio/ka-3-years.toml"


def test_multi_year_portfolio_equals_the_cli(cli):
    import json

    p = kasim.load_portfolio(MULTI_YEAR)
    assert p.years == 3 and kasim.load_portfolio(PORTFOLIO).years is None
    want = cli("portfolio", MULTI_YEAR, "--runs", "300", "--seed", "6", "--format", "json")
    got = p.simulate(runs=300, seed=6, threads=2)
    assert got == json.loads(want)
    assert got["format"] == "kasim.multi_year/1"
    # The unit of work of a distributed run: the driver's chain as texts per year and
    # retailer, ranges across all years as bytes, merged (any order) into the CLI's text.
    chain = p._inner.chain()
    assert chain.years == 3
    text, years = chain.texts()
    assert len(years) == 3 and all(len(y) == len(p.ids) for y in years)
    assert years[0] != years[2], "the renegotiated years differ from year 1"
    shards = [_kasim.multi_year_range(text, p.file, years, 300, 6, a, b) for a, b in [(120, 300), (0, 120)]]
    assert chain.merge(300, 6, shards).rstrip("\n") == want.rstrip("\n")
    # A gap, a short run or foreign bytes are errors, not a report.
    with pytest.raises(kasim.KasimError, match=r"0\.\.120 out"):
        chain.merge(300, 6, shards[:1])
    with pytest.raises(kasim.KasimError):
        chain.merge(400, 6, shards)
    with pytest.raises(kasim.KasimError, match="KSM1"):
        chain.merge(300, 6, [b"nope"])
    with pytest.raises(kasim.KasimError):
        _kasim.multi_year_range(text, p.file, years, 300, 6, 200, 400)


def test_a_one_year_portfolio_has_no_chain():
    with pytest.raises(kasim.KasimError, match=r"no \[multi_year\]"):
        kasim.load_portfolio(PORTFOLIO)._inner.chain()
