"""Type stubs of the extension module kasim._kasim (the Rust engine; use the kasim package)."""

from typing import Any, Callable, List, Optional, Sequence, Tuple

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
    def sensitivity_variants(self) -> List[str]:
        """The sensitivity analysis's contracts as resolved TOML text: [the contract, input 1 at
        its low value, input 1 at its high value, input 2 low, ...] in the tornado's input order;
        each loads alone anywhere (`loads`) and simulates to the same rows as the variant."""
    def sensitivity_from(
        self, runs: int, seed: int, stat: str, statistics: Sequence[str], base_shards: Sequence[bytes]
    ) -> str:
        """`kasim sensitivity --format json` from the statistics of `sensitivity_variants()`
        (decimal text, same order, base first; e.g. `simulate_statistic` of each) and the
        contract's shards (`simulate_range` over all `runs` scenarios, any order)."""
    def goal_seek_with(
        self,
        term: str,
        target: str,
        stat: str,
        low: Optional[str],
        high: Optional[str],
        runs: int,
        seed: int,
        evaluate: Callable[[str], Any],
    ) -> str:
        """`kasim goal-seek --format json` with every evaluation made by `evaluate(toml_text)`,
        which returns the variant's statistic as decimal text (or a value whose `str` is one:
        a `Decimal`), e.g. `simulate_statistic(text, None, runs, seed, stat)` on a worker. An
        exception raised by `evaluate` propagates unchanged."""
    def offer_count(self) -> int:
        """The number of offers (grid points) of the contract's `[negotiation]`."""
    def score_offers(self, start: int, end: int) -> bytes:
        """The scores of offers `start..end` of the negotiation grid (the expensive part of
        negotiate/advise/tournament), as bytes; merge every piece with `merge_scores`."""
    def negotiate(self, supplier: str, buyer: str, scores: Optional[bytes] = None) -> str:
        """`kasim negotiate --format json`; `scores` (from `merge_scores`) skips re-scoring."""
    def advise(self, margin: float, scores: Optional[bytes] = None) -> str:
        """`kasim advise --format json`; `scores` (from `merge_scores`) skips re-scoring."""
    def tournament(self, runs: int, seed: int, threads: int, scores: Optional[bytes] = None) -> str:
        """`kasim negotiate --tournament --format json`; `scores` as for `negotiate`."""
    def tournament_range(
        self, runs: int, seed: int, start: int, end: int, scores: Optional[bytes] = None, threads: int = 0
    ) -> bytes:
        """Runs `start..end` of a tournament of `runs` runs (the default field), as bytes."""
    def tournament_merge(
        self, runs: int, seed: int, parts: Sequence[bytes], scores: Optional[bytes] = None, threads: int = 0
    ) -> str:
        """`kasim negotiate --tournament --format json` from `tournament_range` pieces in any
        order (gaps and overlaps refused); `threads` is the value the report shows."""

def load(path: str) -> Contract: ...
def load_portfolio(path: str) -> Portfolio: ...
def portfolio_range(
    portfolio_text: str, name: str, contract_texts: Sequence[str], runs: int, seed: int, start: int, end: int, threads: int = 0
) -> bytes: ...
def merge_portfolio(
    portfolio_text: str, name: str, contract_texts: Sequence[str], runs: int, seed: int, shards: Sequence[bytes]
) -> str: ...

def multi_year_range(
    portfolio_text: str,
    name: str,
    year_texts: Sequence[Sequence[str]],
    runs: int,
    seed: int,
    start: int,
    end: int,
    threads: int = 0,
) -> bytes: ...

class Portfolio:
    name: str
    file: str
    ids: List[str]
    years: Optional[int]
    def texts(self) -> Tuple[str, List[str]]: ...
    def chain(self) -> MultiYearChain: ...
    def simulate(self, runs: int, seed: int, threads: int) -> str: ...

class MultiYearChain:
    years: int
    def texts(self) -> Tuple[str, List[List[str]]]: ...
    def simulate(self, runs: int, seed: int, threads: int) -> str: ...
    def merge(self, runs: int, seed: int, shards: Sequence[bytes]) -> str: ...
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
def simulate_range_many(
    contract_texts: Sequence[str],
    base_dir: Optional[str],
    runs: int,
    seed: int,
    start: int,
    end: int,
    threads: int = 0,
) -> bytes:
    """Scenarios `start..end` of several contracts over the same scenarios (common random
    numbers), as one shard with `len(contract_texts)` contracts."""
def merge_comparison(
    contract_texts: Sequence[str],
    base_dir: Optional[str],
    files: Sequence[str],
    runs: int,
    seed: int,
    shards: Sequence[bytes],
) -> str:
    """`kasim compare --format json` of the contracts (named `files`) from the shards of
    `simulate_range_many`, any order: byte-identical to `compare`."""
def merge_shards(shards: Sequence[bytes]) -> bytes:
    """The shards' rows merged in index order, as one shard starting at scenario 0."""
def statistic(shards: Sequence[bytes], stat: str, contract: int = 0) -> str:
    """A statistic (`mean`, `p10`, ...) of net contribution over the merged rows of one
    contract of the shards, as decimal text."""
def simulate_statistic(
    contract_text: str, base_dir: Optional[str], runs: int, seed: int, stat: str, threads: int = 0
) -> str:
    """A statistic of net contribution of the contract given as text over `runs` scenarios with
    `seed`, as decimal text: one evaluation of a sensitivity analysis or a goal seek."""
def merge_scores(parts: Sequence[bytes]) -> bytes:
    """Pieces of `Contract.score_offers`, any order, merged into every offer's scores (gaps and
    overlaps refused), for the `scores` argument of negotiate/advise/tournament."""
