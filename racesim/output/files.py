"""The one way racesim writes a JSON file and a CSV table (so every file of every
results folder has the same encoding, line ends and number format)."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable, Sequence
from pathlib import Path


def write_json(path: Path, data: dict) -> None:
    """Indented JSON, numbers unrounded, no NaN or infinity (refused), a final newline."""
    path.write_text(json.dumps(data, indent=2, allow_nan=False) + "\n", encoding="utf-8")


def write_csv(path: Path, columns: Sequence[str], rows: Iterable[Sequence]) -> None:
    """A CSV table: UTF-8, ``\\n`` line ends, a header row of ``columns``."""
    with open(path, "w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(columns)
        w.writerows(rows)
