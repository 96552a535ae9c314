"""reference.csv and instance names."""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from pathlib import Path

PREFIX = "asplos-2025-iopddl-"
INT_COLUMNS = (
    "nodes", "edges", "contest_best", "first_place", "xla", "published_lower_bound",
    "first_place_postcontest_median", "best_known", "proven_optimum",
    "first_place_solver_here_2cores",
)


class BenchError(Exception):
    """A problem the user can act on (bad option, missing file, ...)."""


def _number(text: str | None) -> int | float | None:
    text = (text or "").strip()
    if not text:
        return None
    try:
        return int(text)
    except ValueError:
        return float(text)


def read_reference(path: Path) -> dict[str, dict]:
    """benchmark name -> row, numbers as int (float for fractional timeouts), blanks as None."""
    rows: dict[str, dict] = {}
    with open(path, newline="", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            name = (row.get("benchmark") or "").strip()
            if not name:
                continue
            typed: dict = {"benchmark": name}
            for key, value in row.items():
                if key is None or key == "benchmark":
                    continue
                if key in INT_COLUMNS or key == "timeout_s":
                    try:
                        typed[key] = _number(value)
                    except ValueError:
                        raise BenchError(f"{path}: {name}: column {key}: expected a number, "
                                         f"found {value!r}") from None
                else:
                    typed[key] = (value or "").strip()
            rows[name] = typed
    return rows


def short_name(benchmark: str) -> str:
    """asplos-2025-iopddl-K -> K; other names unchanged."""
    return benchmark[len(PREFIX):] if benchmark.startswith(PREFIX) else benchmark


def instance_file(directory: Path, benchmark: str) -> Path | None:
    for suffix in (".json.gz", ".json"):
        path = directory / f"{benchmark}{suffix}"
        if path.is_file():
            return path
    return None


def strip_suffix(name: str) -> str:
    for suffix in (".json.gz", ".json"):
        if name.endswith(suffix):
            return name[: -len(suffix)]
    return name


def resolve_instances(spec: str | None, directory: Path,
                      reference: dict[str, dict]) -> list[tuple[str, Path]]:
    """(benchmark, file) pairs. `spec` is `A,B,...` (short letters or full names); without it,
    every instance of reference.csv present in `directory` (or every .json/.json.gz file there
    when there is no reference)."""
    if spec:
        names = []
        for token in spec.split(","):
            token = strip_suffix(token.strip())
            if not token:
                continue
            if instance_file(directory, token) is None and re.fullmatch(r"[A-Za-z]{1,2}", token):
                token = PREFIX + token.upper()
            names.append(token)
    elif reference:
        names = [n for n in sorted(reference) if instance_file(directory, n) is not None]
    else:
        names = sorted({strip_suffix(p.name) for p in directory.iterdir()
                        if p.name.endswith((".json", ".json.gz"))})
    result = []
    for name in names:
        path = instance_file(directory, name)
        if path is None:
            raise BenchError(f"{directory}: no {name}.json.gz or {name}.json")
        result.append((name, path))
    if not result:
        raise BenchError(f"{directory}: no instances to run")
    return result


def format_seconds(value: float) -> str:
    """3.0000000000000004 -> '3', 4.5 -> '4.5' (what we pass as TIMEOUT_SECONDS)."""
    text = f"{round(value, 3):.3f}".rstrip("0").rstrip(".")
    return text or "0"


@dataclass
class Instance:
    benchmark: str
    path: Path
    timeout_s: float
    ref: dict  # the reference.csv row ({} when the instance has none)
