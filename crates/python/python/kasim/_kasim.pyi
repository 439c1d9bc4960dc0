"""Type stubs of the extension module kasim._kasim (the Rust engine; use the kasim package)."""

from typing import List, Optional, Sequence, Tuple

SHARD_HEADER_BYTES: int
SHARD_COLUMNS: List[str]

class KasimError(Exception): ...

class ContractError(KasimError):
    problems: List[Problem]

class Problem:
    file: str
    line: int
    column: int
    key: str
    message: str

class Contract:
    name: str
    currency: str
    retailer: str
    file: str
    fees: List[str]
    has_uncertainty: bool
    def to_toml(self) -> str: ...
    def evaluate(self) -> Tuple[str, str]: ...
    def explain(self) -> str: ...
    def replay(self, scenario: int, seed: int) -> str: ...
    def simulate(self, runs: int, seed: int, threads: int, threshold: Optional[str] = None) -> Tuple[bytes, str]: ...
    def sensitivity(self, runs: int, seed: int, threads: int, stat: str = "mean") -> str: ...
    def goal_seek(
        self,
        term: str,
        target: str,
        stat: str,
        low: Optional[str],
        high: Optional[str],
        runs: int,
        seed: int,
        threads: int,
    ) -> str: ...
    def negotiate(self, supplier: str, buyer: str) -> str: ...
    def advise(self, margin: float) -> str: ...
    def tournament(self, runs: int, seed: int, threads: int) -> str: ...

def load(path: str) -> Contract: ...
def loads(text: str, base_dir: Optional[str] = None, name: str = "<string>") -> Contract: ...
def brief(contracts: Sequence[Contract], runs: int, seed: int, threads: int) -> str: ...
def compare(contracts: Sequence[Contract], runs: int, seed: int, threads: int) -> str: ...
def simulate_range(
    contract_text: str,
    base_dir: Optional[str],
    runs: int,
    seed: int,
    start: int,
    end: int,
    threads: int = 0,
) -> bytes: ...
def merge_simulation(
    contract_text: str,
    base_dir: Optional[str],
    runs: int,
    seed: int,
    shards: Sequence[bytes],
    file: str = "<string>",
    threshold: Optional[str] = None,
) -> str: ...
