"""QUESTIONS ASKED OF RUNS: compare, sweep, sensitivity, backtest; results, no files."""
