"""kasim: KA (Key Account) trade-terms contracts from Python.

A thin layer over the Rust engine (``kasim._kasim``): load a contract, settle its plan
exactly, simulate it, compare contracts, run sensitivity analysis and goal seek, negotiate and
get advice. Reports are the same values ``kasim <command> --format json`` prints, parsed into
Python dicts (one source of truth). Money is exact: ``decimal.Decimal`` in settlements and rows,
``int64`` cents on request in simulation arrays.

>>> import kasim
>>> c = kasim.load("scenarios/supermarket.toml")            # doctest: +SKIP
>>> c.evaluate().pnl["net_contribution"]                      # doctest: +SKIP
Decimal('...')
>>> sim = c.simulate(runs=10_000, seed=1)                     # doctest: +SKIP
>>> sim.net_contribution.mean(), sim.summary["runs"]          # doctest: +SKIP
"""

from __future__ import annotations

import json
import os
from decimal import Decimal
from typing import Any, Dict, Iterable, List, Optional, Sequence, Tuple, Union

import numpy as np

from . import _kasim
from ._kasim import ContractError, KasimError, Problem

__all__ = [
    "OUTPUTS",
    "Contract",
    "ContractError",
    "Portfolio",
    "KasimError",
    "Problem",
    "Settlement",
    "SimulationResult",
    "brief",
    "compare",
    "decode_shard",
    "load",
    "load_portfolio",
    "loads",
    "merge_simulation",
    "simulate_range",
]

#: The simulated outputs, in the order of the report and of a shard's columns.
OUTPUTS: Tuple[str, ...] = tuple(_kasim.SHARD_COLUMNS)

#: Outputs whose stored integers are hundredths of their unit: cents of money, or
#: hundredths of a percentage point for ``fee_ratio`` (2536 = 25.36%).
_SCALE = Decimal("0.01")

PathLike = Union[str, "os.PathLike[str]"]
Number = Union[Decimal, int, str, float]


def _decimal_text(value: Number) -> str:
    """A number as the decimal text the engine parses (floats through ``repr``, not binary)."""
    if isinstance(value, float):
        return repr(value)
    return str(value)


def _report(text: str) -> Dict[str, Any]:
    """A report's JSON text (``--format json``) as a dict."""
    return json.loads(text)


def _decimals(obj: Dict[str, Any], skip: Iterable[str] = ()) -> Dict[str, Any]:
    """A copy of a flat dict with its decimal-string values as ``Decimal``."""
    skip = set(skip)
    return {k: (Decimal(v) if isinstance(v, str) and k not in skip else v) for k, v in obj.items()}


_LEDGER_DECIMALS = ("base", "rate", "unit_amount", "amount")


class Settlement:
    """The exact settlement of a contract's plan (``Contract.evaluate()``).

    Attributes:
        report: the ``kasim evaluate --format json`` report (a dict, amounts as strings).
        pnl: the supplier P&L, each amount a ``Decimal`` (``fees_by_kind`` a list of dicts
            with ``kind``, ``label``, ``label_zh`` and a ``Decimal`` ``amount``).
        retailer_view: the retailer's sales and margins, as ``Decimal``.
        ledger: every booked line: ``rule``, ``label``, ``label_zh``, ``kind``, ``period``,
            ``base``, ``rate``, ``unit_amount`` (``Decimal`` or ``None``), ``amount``
            (``Decimal``) and ``formula``.
    """

    def __init__(self, report_json: str, settlement_json: str) -> None:
        self.report: Dict[str, Any] = _report(report_json)
        raw = json.loads(settlement_json)
        pnl = _decimals(raw["pnl"], skip=("fees_by_kind",))
        pnl["fees_by_kind"] = [dict(f, amount=Decimal(f["amount"])) for f in raw["pnl"]["fees_by_kind"]]
        self.pnl: Dict[str, Any] = pnl
        self.retailer_view: Dict[str, Any] = _decimals(raw["retailer_view"])
        self.ledger: List[Dict[str, Any]] = [
            {k: (Decimal(v) if k in _LEDGER_DECIMALS and v is not None else v) for k, v in line.items()}
            for line in raw["ledger"]
        ]
        self.contract: str = raw["contract"]
        self.currency: str = raw["currency"]

    def to_pandas(self) -> "Any":
        """The ledger as a ``pandas.DataFrame`` (one row per booked line, amounts ``Decimal``).

        Raises:
            ImportError: when pandas is not installed (``pip install pandas``).
        """
        try:
            import pandas as pd
        except ImportError as e:  # pragma: no cover - depends on the environment
            raise ImportError(
                "Settlement.to_pandas() needs pandas: pip install pandas "
                "(or use Settlement.ledger, a list of dicts)"
            ) from e
        return pd.DataFrame(self.ledger)

    def __repr__(self) -> str:
        return f"Settlement({self.contract!r}, net_contribution={self.pnl['net_contribution']} {self.currency})"


def _columns(data: bytes) -> Tuple[int, List[Dict[str, np.ndarray]]]:
    """The ``(start, [per contract {output: int64 array}])`` of shard bytes, read in place."""
    header = _kasim.SHARD_HEADER_BYTES
    if len(data) < header or data[:4] != b"KSR1":
        raise KasimError("not an encoded shard: missing the KSR1 header")
    start = int.from_bytes(data[4:12], "little")
    contracts = int.from_bytes(data[12:16], "little")
    n = int.from_bytes(data[16:24], "little")
    if len(data) != header + 48 * n * contracts:
        raise KasimError(f"not an encoded shard: {len(data)} bytes for {contracts} contracts x {n} rows")
    out = []
    for c in range(contracts):
        cols = {}
        for i, name in enumerate(OUTPUTS):
            offset = header + 8 * n * (c * len(OUTPUTS) + i)
            cols[name] = np.frombuffer(data, dtype="<i8", count=n, offset=offset)
        out.append(cols)
    return start, out


def decode_shard(data: bytes) -> Tuple[int, List[Dict[str, np.ndarray]]]:
    """Reads shard bytes (``simulate_range``): ``(start, [per contract {output: int64 array}])``.

    The arrays hold the exact stored integers: cents for money, hundredths of a percentage
    point for ``fee_ratio``. They are read-only views of ``data``.

    Raises:
        KasimError: when ``data`` is not an encoded shard.
    """
    return _columns(data)


class SimulationResult:
    """A simulation (``Contract.simulate``): one numpy array per output, the report, rows.

    The attributes ``net_contribution``, ``fees_total``, ``net_invoiced``, ``fee_ratio``,
    ``retailer_margin`` and ``net_net_price`` are ``float64`` arrays in currency units (the fee
    ratio in percentage points), or exact ``int64`` cents (hundredths of a point) when the
    simulation was made with ``cents=True``. ``cents(name)`` always gives the exact integers.

    Attributes:
        runs: scenarios run.
        seed: the master seed.
        summary: the ``kasim simulate --format json`` report as a dict (also ``report()``).
        tasks: for a ``kasim.distributed`` run, where and how each shard ran (node, pid,
            seconds, bytes, peak memory); empty for a local run.
    """

    def __init__(self, data: bytes, report_json: str, seed: int, as_cents: bool) -> None:
        self._data = data
        _, cols = _columns(data)
        self._cents: Dict[str, np.ndarray] = cols[0]
        self.summary: Dict[str, Any] = _report(report_json)
        self.runs: int = int(self.summary["runs"])
        self.seed: int = seed
        self.tasks: List[Dict[str, Any]] = []
        self._as_cents = as_cents
        for name in OUTPUTS:
            setattr(self, name, self._cents[name] if as_cents else self._cents[name] / 100.0)

    def cents(self, output: str) -> np.ndarray:
        """The exact stored integers of one output (``int64``): cents, or hundredths of a
        percentage point for ``fee_ratio``.

        Raises:
            KeyError: for a name not in ``kasim.OUTPUTS``.
        """
        return self._cents[output]

    def row(self, k: int) -> Dict[str, Decimal]:
        """Scenario ``k``'s outputs as exact ``Decimal`` (currency units; fee ratio in points).

        Raises:
            IndexError: when ``k`` is not a scenario of the run.
        """
        if not 0 <= k < self.runs:
            raise IndexError(f"scenario {k} is not in 0..{self.runs}")
        return {name: Decimal(int(self._cents[name][k])) * _SCALE for name in OUTPUTS}

    def report(self) -> Dict[str, Any]:
        """The ``kasim simulate --format json`` report (the same dict as ``summary``)."""
        return self.summary

    def to_bytes(self) -> bytes:
        """The rows as shard bytes (``decode_shard``), e.g. to send or store them."""
        return self._data

    def to_pandas(self) -> "Any":
        """The rows as a ``pandas.DataFrame``, one column per output (as the arrays).

        Raises:
            ImportError: when pandas is not installed (``pip install pandas``).
        """
        try:
            import pandas as pd
        except ImportError as e:  # pragma: no cover - depends on the environment
            raise ImportError("SimulationResult.to_pandas() needs pandas: pip install pandas") from e
        return pd.DataFrame({name: getattr(self, name) for name in OUTPUTS})

    def __len__(self) -> int:
        return self.runs

    def __repr__(self) -> str:
        return f"SimulationResult(runs={self.runs}, seed={self.seed})"


class Contract:
    """A loaded contract (``kasim.load`` / ``kasim.loads``).

    Attributes:
        name: the contract's name.
        currency: its currency (``CNY``).
        retailer: the retailer's name.
        file: the file name its reports carry (the path given to ``load``).
        fees: the ids of its fee rules, in contract order.
        has_uncertainty: True when it has an ``[uncertainty]`` section (needed to simulate).
    """

    def __init__(self, inner: "_kasim.Contract") -> None:
        self._inner = inner

    @property
    def name(self) -> str:
        """The contract's name."""
        return self._inner.name

    @property
    def currency(self) -> str:
        """The contract's currency."""
        return self._inner.currency

    @property
    def retailer(self) -> str:
        """The retailer's name."""
        return self._inner.retailer

    @property
    def file(self) -> str:
        """The file name its reports carry."""
        return self._inner.file

    @property
    def fees(self) -> List[str]:
        """The fee rules' ids, in contract order."""
        return list(self._inner.fees)

    @property
    def has_uncertainty(self) -> bool:
        """True when the contract has an ``[uncertainty]`` section."""
        return self._inner.has_uncertainty

    def to_toml(self) -> str:
        """The resolved contract as TOML (supplier inline, ``extends`` merged): it loads alone
        with ``kasim.loads`` on any machine and simulates to the same results."""
        return self._inner.to_toml()

    def evaluate(self) -> Settlement:
        """Settles the contract's plan exactly (``kasim evaluate``).

        Raises:
            KasimError: when the settlement fails (an amount overflows, …).
        """
        return Settlement(*self._inner.evaluate())

    def explain(self) -> Dict[str, Any]:
        """The ``kasim explain --format json`` report."""
        return _report(self._inner.explain())

    def replay(self, scenario: int, seed: int = 1) -> Dict[str, Any]:
        """The ``kasim replay --scenario K --seed S --format json`` report of one scenario."""
        return _report(self._inner.replay(scenario, seed))

    def simulate(
        self,
        runs: int = 10_000,
        seed: int = 1,
        threads: int = 0,
        threshold: Optional[Number] = None,
        cents: bool = False,
    ) -> SimulationResult:
        """Simulates ``runs`` contract-years (``kasim simulate``).

        The GIL is released while it runs and Ctrl-C (``KeyboardInterrupt``) stops it between
        slices of about 0.1 s. Same ``runs`` and ``seed`` give identical results at any
        ``threads`` (0 = one per core).

        Args:
            threshold: report P(net contribution < threshold) as the CLI's ``--threshold``.
            cents: arrays as exact ``int64`` cents instead of ``float64`` currency units.

        Raises:
            KasimError: a contract without ``[uncertainty]``, a scenario that fails to settle,
                or a run too large for memory.
        """
        t = None if threshold is None else _decimal_text(threshold)
        data, report = self._inner.simulate(runs, seed, threads, t)
        return SimulationResult(data, report, seed, cents)

    def sensitivity(self, runs: int = 2_000, seed: int = 1, threads: int = 0, stat: str = "mean") -> Dict[str, Any]:
        """The tornado and rank correlations (``kasim sensitivity --format json``).

        Args:
            stat: ``mean`` or ``p1`` … ``p99``.
        """
        return _report(self._inner.sensitivity(runs, seed, threads, stat))

    def goal_seek(
        self,
        term: str,
        target: Number,
        stat: str = "mean",
        low: Optional[Number] = None,
        high: Optional[Number] = None,
        runs: int = 2_000,
        seed: int = 1,
        threads: int = 0,
    ) -> Dict[str, Any]:
        """The value of ``term`` (e.g. ``fees.rebate.rate``) at which ``stat`` of net
        contribution reaches ``target`` (``kasim goal-seek --format json``).

        Raises:
            KasimError: an unknown term, an empty range, or a target not reached in it.
        """
        lo = None if low is None else _decimal_text(low)
        hi = None if high is None else _decimal_text(high)
        return _report(self._inner.goal_seek(term, _decimal_text(target), stat, lo, hi, runs, seed, threads))

    def negotiate(self, supplier: str = "boulware", buyer: str = "boulware") -> Dict[str, Any]:
        """One negotiation between the two strategies (``kasim negotiate --format json``)."""
        return _report(self._inner.negotiate(supplier, buyer))

    def tournament(self, runs: int = 100, seed: int = 1, threads: int = 0) -> Dict[str, Any]:
        """Every supplier strategy against every buyer strategy (``kasim negotiate
        --tournament --format json``)."""
        return _report(self._inner.tournament(runs, seed, threads))

    def advise(self, margin: Union[float, str] = 0.0) -> Dict[str, Any]:
        """What to concede and what to hold (``kasim advise --margin M --format json``).

        Args:
            margin: a utility margin between 0 and 1, as a number or a percentage (``"5%"``).
        """
        if isinstance(margin, str):
            text = margin.strip()
            margin = float(text[:-1]) / 100 if text.endswith("%") else float(text)
        return _report(self._inner.advise(float(margin)))

    def __repr__(self) -> str:
        return f"Contract({self.name!r}, file={self.file!r})"


def load(path: PathLike) -> Contract:
    """Loads a contract file (its supplier file and ``extends`` parent beside it).

    Raises:
        ContractError: the file cannot be read or is not a valid contract; ``problems`` lists
            each problem with ``file``, ``line``, ``column``, ``key`` and ``message``.
    """
    return Contract(_kasim.load(os.fspath(path)))


def loads(text: str, base_dir: Optional[PathLike] = None, name: str = "<string>") -> Contract:
    """Loads a contract from TOML text.

    Args:
        base_dir: the directory its supplier file and ``extends`` parent are in (without it,
            a contract naming either fails to load).
        name: the file name in messages and reports.

    Raises:
        ContractError: as ``load``.
    """
    return Contract(_kasim.loads(text, None if base_dir is None else os.fspath(base_dir), name))


class Portfolio:
    """The supplier's contracts with every retailer, simulated together on shared drivers
    (``kasim portfolio``; docs/portfolio.md). Load one with ``load_portfolio``."""

    def __init__(self, inner: "_kasim.Portfolio") -> None:
        self._inner = inner

    @property
    def name(self) -> str:
        """The portfolio's name."""
        return self._inner.name

    @property
    def file(self) -> str:
        """The portfolio file, as given."""
        return self._inner.file

    @property
    def ids(self) -> List[str]:
        """The contracts' ids, in file order."""
        return list(self._inner.ids)

    @property
    def years(self) -> Optional[int]:
        """The years of its ``[multi_year]`` section (docs/multi-year.md); ``None`` for a
        one-year portfolio."""
        return self._inner.years

    def simulate(self, runs: int = 10_000, seed: int = 1, threads: int = 0) -> Dict[str, Any]:
        """``kasim portfolio --format json``: the channel's totals, each retailer's share and
        contribution to the portfolio's CVaR, diversification, the cascade per promotion. With
        ``[multi_year]``, the ``kasim.multi_year/1`` document: the contract chain renegotiated
        year by year, then every year run with the carried state (slots, delisting, new
        listings), per year and cumulative (discounted) figures.

        Raises:
            KasimError: contracts on different calendars, a renegotiation that fails, or a
                scenario that fails to settle.
        """
        return _report(self._inner.simulate(runs, seed, threads))

    def __repr__(self) -> str:
        return f"Portfolio({self.name!r}, file={self.file!r}, contracts={self.ids!r})"


def load_portfolio(path: PathLike) -> Portfolio:
    """Loads a portfolio file and every contract it names (files relative to it).

    Raises:
        ContractError: the portfolio or a contract cannot be read or is invalid; ``problems``
            lists each problem located (a missing contract at its ``file`` key).
    """
    return Portfolio(_kasim.load_portfolio(os.fspath(path)))


def compare(contracts: Sequence[Contract], runs: int = 10_000, seed: int = 1, threads: int = 0) -> Dict[str, Any]:
    """Contracts over the same scenarios (``kasim compare --format json``): their
    distributions, pairwise differences, P(A beats B) and ranking. Interruptible like
    ``Contract.simulate``."""
    return _report(_kasim.compare([c._inner for c in contracts], runs, seed, threads))


def brief(
    base: Contract, draft: Contract, *counters: Contract, runs: int = 10_000, seed: int = 1, threads: int = 0
) -> Dict[str, Any]:
    """The meeting brief (``kasim brief BASE DRAFT [COUNTER...] --format json``): every clause
    across the contracts on the same scenarios, ranked by what DRAFT changes; the clauses that
    interact (a binding floor, a tier threshold, a cap); each clause's share of the worst 5% of
    years (an exact CVaR allocation); DRAFT's compliance flags; and, when DRAFT has a
    ``[negotiation]`` section, the negotiation plan with its counter-offer simulated as the last
    contract.

    Raises:
        ContractError: a contract that does not settle.
        KasimError: a contract without ``[uncertainty]``, or the negotiation's errors.
    """
    contracts = [base, draft, *counters]
    return _report(_kasim.brief([c._inner for c in contracts], runs, seed, threads))


def simulate_range(
    contract_text: str,
    base_dir: Optional[PathLike],
    runs: int,
    seed: int,
    start: int,
    end: int,
    threads: int = 0,
) -> bytes:
    """One shard of a simulation: scenarios ``start..end`` of a run of ``runs`` with ``seed``,
    of a contract given as text (``Contract.to_toml()``), as shard bytes (``decode_shard``).

    Any split of ``0..runs`` gives the same scenarios: merged with ``merge_simulation`` the
    report equals the single-machine run's.

    Raises:
        KasimError: a range outside ``0..runs``, or the errors of ``Contract.simulate``.
    """
    return _kasim.simulate_range(
        contract_text, None if base_dir is None else os.fspath(base_dir), runs, seed, start, end, threads
    )


def merge_simulation(
    contract_text: str,
    base_dir: Optional[PathLike],
    runs: int,
    seed: int,
    shards: Sequence[bytes],
    file: str = "<string>",
    threshold: Optional[Number] = None,
) -> Dict[str, Any]:
    """Merges shards of ``simulate_range`` (in any order) into the ``kasim simulate --format
    json`` report of the whole run, byte-identical to the single-machine run's with the same
    ``file`` name.

    Raises:
        KasimError: shards that leave scenarios out, overlap, or do not add up to ``runs``.
    """
    t = None if threshold is None else _decimal_text(threshold)
    return _report(
        _kasim.merge_simulation(
            contract_text, None if base_dir is None else os.fspath(base_dir), runs, seed, list(shards), file, t
        )
    )
