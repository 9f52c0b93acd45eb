"""The one way racesim writes a JSON file and a CSV table (so every file of every
results folder has the same encoding, line ends and number format)."""

from __future__ import annotations

import csv
import json
import os
from collections.abc import Iterable, Sequence
from pathlib import Path


def write_json(path: Path, data: dict) -> None:
    """Indented JSON, numbers unrounded, no NaN or infinity (refused), a final newline."""
    path.write_text(json.dumps(data, indent=2, allow_nan=False) + "\n", encoding="utf-8")


def write_text_whole(path: Path, text: str) -> None:
    """Write ``text`` (UTF-8) to ``path`` whole or not at all: into a hidden file beside
    it, then renamed over it, so a full disk or an interrupt never leaves half a file
    (nor loses the one that was there)."""
    path = Path(path)
    tmp = path.with_name(f".{path.name[:100]}.partial-{os.getpid()}")  # fits any name limit
    try:
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def write_csv(path: Path, columns: Sequence[str], rows: Iterable[Sequence]) -> None:
    """A CSV table: UTF-8, ``\\n`` line ends, a header row of ``columns``."""
    with open(path, "w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(columns)
        w.writerows(rows)
