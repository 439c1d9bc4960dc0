#!/usr/bin/env bash
# Seeds fuzz/corpus/<target>/ from the committed scenarios (the corpus itself is not committed:
# it grows with every run). Safe to re-run: existing corpus entries are kept.
set -euo pipefail
cd "$(dirname "$0")"
for t in load settle simulate negotiate; do
  mkdir -p "corpus/$t"
  for f in ../scenarios/*.toml ../scenarios/bench/*.toml ../crates/core/tests/data/*.toml; do
    name=$(basename "$(dirname "$f")")-$(basename "$f")
    # The targets load inputs with scenarios/ as the base directory: point the bench files'
    # supplier at its place under scenarios/.
    sed -e 's|^supplier = "ref-supplier.toml"|supplier = "bench/ref-supplier.toml"|' \
      -e 's|^supplier = "../supplier.toml"|supplier = "supplier.toml"|' "$f" >"corpus/$t/$name"
  done
done
# The actuals target reads its input as a sales export or a deduction statement; the portfolio
# target as a portfolio file (its contracts served from the bundled scenarios).
mkdir -p corpus/actuals corpus/portfolio
# Cut at 300 lines: the target skips inputs above 32 KiB (the weekly export is 88 KB).
for f in ../scenarios/actuals/*.csv; do head -n 300 "$f" >"corpus/actuals/$(basename "$f")"; done
# Workbooks: a leading 0x01 byte makes the target read the rest as xlsx.
for f in seeds/actuals/*.xlsx; do { printf '\001'; cat "$f"; } >"corpus/actuals/$(basename "$f")"; done
for f in ../scenarios/portfolio/*.toml; do cp "$f" "corpus/portfolio/$(basename "$f")"; done
echo "seeded fuzz/corpus/<target>/ from scenarios/ ($(ls corpus/load | wc -l) inputs per target with earlier runs)"
