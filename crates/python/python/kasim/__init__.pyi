"""Type stubs of the kasim package (the public API; see __init__.py for the docstrings)."""

import os
from decimal import Decimal
from typing import Any, Dict, List, Optional, Sequence, Tuple, Union

import numpy as np
import numpy.typing as npt

from ._kasim import ContractError as ContractError
from ._kasim import KasimError as KasimError
from ._kasim import Problem as Problem

PathLike = Union[str, os.PathLike[str]]
Number = Union[Decimal, int, str, float]

OUTPUTS: Tuple[str, ...]

class Settlement:
    report: Dict[str, Any]
    pnl: Dict[str, Any]
    retailer_view: Dict[str, Any]
    ledger: List[Dict[str, Any]]
    contract: str
    currency: str
    def __init__(self, report_json: str, settlement_json: str) -> None: ...
    def to_pandas(self) -> Any: ...

class SimulationResult:
    runs: int
    seed: int
    summary: Dict[str, Any]
    tasks: List[Dict[str, Any]]
    net_contribution: npt.NDArray[Any]
    fees_total: npt.NDArray[Any]
    net_invoiced: npt.NDArray[Any]
    fee_ratio: npt.NDArray[Any]
    retailer_margin: npt.NDArray[Any]
    net_net_price: npt.NDArray[Any]
    def __init__(self, data: bytes, report_json: str, seed: int, as_cents: bool) -> None: ...
    def cents(self, output: str) -> npt.NDArray[np.int64]: ...
    def row(self, k: int) -> Dict[str, Decimal]: ...
    def report(self) -> Dict[str, Any]: ...
    def to_bytes(self) -> bytes: ...
    def to_pandas(self) -> Any: ...
    def __len__(self) -> int: ...

class Contract:
    @property
    def name(self) -> str: ...
    @property
    def currency(self) -> str: ...
    @property
    def retailer(self) -> str: ...
    @property
    def file(self) -> str: ...
    @property
    def fees(self) -> List[str]: ...
    @property
    def has_uncertainty(self) -> bool: ...
    def to_toml(self) -> str: ...
    def evaluate(self) -> Settlement: ...
    def explain(self) -> Dict[str, Any]: ...
    def replay(self, scenario: int, seed: int = 1) -> Dict[str, Any]: ...
    def simulate(
        self,
        runs: int = 10_000,
        seed: int = 1,
        threads: int = 0,
        threshold: Optional[Number] = None,
        cents: bool = False,
    ) -> SimulationResult: ...
    def sensitivity(self, runs: int = 2_000, seed: int = 1, threads: int = 0, stat: str = "mean") -> Dict[str, Any]: ...
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
    ) -> Dict[str, Any]: ...
    def negotiate(self, supplier: str = "boulware", buyer: str = "boulware") -> Dict[str, Any]: ...
    def tournament(self, runs: int = 100, seed: int = 1, threads: int = 0) -> Dict[str, Any]: ...
    def advise(self, margin: Union[float, str] = 0.0) -> Dict[str, Any]: ...

def load(path: PathLike) -> Contract: ...
def loads(text: str, base_dir: Optional[PathLike] = None, name: str = "<string>") -> Contract: ...
def brief(base: Contract, draft: Contract, *counters: Contract, runs: int = 10_000, seed: int = 1, threads: int = 0) -> Dict[str, Any]: ...
def compare(contracts: Sequence[Contract], runs: int = 10_000, seed: int = 1, threads: int = 0) -> Dict[str, Any]: ...
def decode_shard(data: bytes) -> Tuple[int, List[Dict[str, npt.NDArray[np.int64]]]]: ...
def simulate_range(
    contract_text: str,
    base_dir: Optional[PathLike],
    runs: int,
    seed: int,
    start: int,
    end: int,
    threads: int = 0,
) -> bytes: ...
def merge_simulation(
    contract_text: str,
    base_dir: Optional[PathLike],
    runs: int,
    seed: int,
    shards: Sequence[bytes],
    file: str = "<string>",
    threshold: Optional[Number] = None,
) -> Dict[str, Any]: ...
