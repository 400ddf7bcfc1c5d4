"""Time the personal-data guard per note on the whole corpus: rules alone, then with the model.

Both layers are measured in the same run, on the same notes, the French model loaded once
beforehand (its load time is printed apart: a worker pays it once, on its first note).

    .venv/bin/python bench/guard.py [--rounds 5]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from app.privacy import ner  # noqa: E402
from app.privacy.guard import check_text  # noqa: E402

DATA = Path(__file__).resolve().parent.parent / "tests" / "data"


def corpus() -> list[str]:
    """Every note of the test corpus, refused and accepted."""
    notes = []
    for name in ("notes_refused.txt", "notes_accepted.txt"):
        for line in (DATA / name).read_text(encoding="utf-8").splitlines():
            if line.strip():
                notes.append(line.partition("\t")[2] if "\t" in line else line)
    return notes


def measure(notes: list[str], rounds: int, use_model: bool) -> list[float]:
    """Return per-note latencies in milliseconds over several rounds."""
    timings = []
    for _ in range(rounds):
        for note in notes:
            started = time.perf_counter()
            check_text(note, use_model=use_model)
            timings.append((time.perf_counter() - started) * 1000)
    return timings


def summary(timings: list[float]) -> str:
    """Format p50, p95 and max of a list of latencies."""
    ordered = sorted(timings)
    p95 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))]
    return f"p50 {statistics.median(ordered):6.2f} ms   p95 {p95:6.2f} ms   max {ordered[-1]:7.2f} ms"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    notes = corpus()
    started = time.perf_counter()
    ner.load()
    load_s = time.perf_counter() - started
    for note in notes[:20]:  # warm regex and lexicon caches
        check_text(note)
    rules = measure(notes, args.rounds, use_model=False)
    model = measure(notes, args.rounds, use_model=True)
    print(f"{len(notes)} notes x {args.rounds} rounds; model and lexicon loaded once in {load_s:.2f} s; "
          f"load average {os.getloadavg()[0]:.1f}")
    print(f"rules only       {summary(rules)}")
    print(f"rules + model    {summary(model)}   (target p95 < 20 ms)")


if __name__ == "__main__":
    main()
