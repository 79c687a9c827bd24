"""The monitoring summary of one window against the reference: the lab's statistics
against Evidently's DataDriftPreset on the same frames, in the same run.

Each size runs in a fresh subprocess so that its peak memory (RSS) is its own. Each path is
timed twice in that process: cold (its first pass, which for Evidently includes ~1.6 s of
importing it) and warm (a second pass, as a monitor that runs every window would see); both
ratios are printed.
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

SCENARIO = "sla-escalation-queue-flooded"
SIZES = (10_000, 50_000, 200_000)
REFERENCE_ROWS = 50_000
QUICK_SIZES = (2_000,)  # --quick: a smoke run that the code paths work, not a measurement
QUICK_REFERENCE_ROWS = 6_000


def _prepare(home: str, reference_rows: int) -> None:
    os.environ["LAB_HOME"] = home
    from lab.config import get_settings

    get_settings.cache_clear()
    from lab.scenario import load_scenario
    from lab.train import train

    train(load_scenario(SCENARIO), seed=0, rows=reference_rows)


def _measure(home: str, rows: int, path: str, reference_rows: int) -> dict:
    os.environ["LAB_HOME"] = home
    import warnings

    warnings.filterwarnings("ignore")
    from lab.monitor import build_reference, summarize
    from lab.replay import replay_log
    from lab.scenario import load_scenario

    reference = build_reference(SCENARIO)
    log, _ = replay_log(load_scenario(SCENARIO), reference.pipeline, reference.threshold,
                        rows=rows, seed=1, reference_rows=reference_rows)
    names = reference.names
    for f in reference.features:
        if f["kind"] == "numeric":
            log[f["name"]] = log[f["name"]].astype(float)
    seasonal = set(reference.seasonal)

    def run() -> list[str]:
        if path == "lab":
            result = summarize(reference, log, str(rows))
            return sorted(result.windows[0]["drifted_features"])
        from lab.monitor.evidently_report import drift_decisions

        matched = reference.frame.iloc[reference.matched(log)]
        numeric = [f["name"] for f in reference.features if f["kind"] == "numeric"]
        categorical = [f["name"] for f in reference.features if f["kind"] == "categorical"]
        decisions = drift_decisions(matched[names], log[names], numeric, categorical)
        return sorted(n for n, d in decisions.items() if d["drifted"] and n not in seasonal)

    start = time.perf_counter()
    drifted = run()  # cold: the first pass also imports what the path needs
    cold = time.perf_counter() - start
    start = time.perf_counter()
    warm_drifted = run()  # warm: libraries loaded, as for every window after the first
    warm = time.perf_counter() - start
    assert warm_drifted == drifted, "the same window gave different decisions"
    # Memory in a third pass: tracemalloc sees numpy's and pandas' allocations too, and slows
    # them, so it is kept out of the timed passes.
    tracemalloc.start()
    run()
    allocated = tracemalloc.get_traced_memory()[1] / 2**20
    tracemalloc.stop()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {"cold_s": cold, "warm_s": warm, "peak_rss_mb": peak, "allocated_mb": allocated,
            "drifted": drifted}


def main(quick: bool = False) -> dict:
    sizes, reference_rows = (QUICK_SIZES, QUICK_REFERENCE_ROWS) if quick else \
        (SIZES, REFERENCE_ROWS)
    home = tempfile.mkdtemp(prefix="bench-monitor-")
    _prepare(home, reference_rows)
    here = Path(__file__).resolve()
    results = {}
    print(f"reference {reference_rows:,} rows; one window of N rows ({SCENARIO}, unit change "
          "half-way); cold = first pass in a fresh process (imports included), warm = second "
          "pass; memory: peak allocated during the summary (tracemalloc) and the process's "
          "peak RSS (which includes the libraries and the replayed log)")
    for rows in sizes:
        runs = {}
        for path in ("lab", "evidently"):
            out = subprocess.run([sys.executable, str(here), "--measure", home, str(rows), path,
                                  str(reference_rows)],
                                 capture_output=True, text=True, check=True)
            runs[path] = json.loads(out.stdout.strip().splitlines()[-1])
        lab, ev = runs["lab"], runs["evidently"]
        agree = "agree" if lab["drifted"] == ev["drifted"] else \
            f"DIFFER {lab['drifted']} vs {ev['drifted']}"
        print(f"{rows:>8,} rows: lab {lab['cold_s']:.2f} s cold, {lab['warm_s']:.2f} s warm, "
              f"{lab['allocated_mb']:.0f} MB allocated (peak {lab['peak_rss_mb']:.0f} MB) | "
              f"evidently {ev['cold_s']:.2f} s cold, {ev['warm_s']:.2f} s warm, "
              f"{ev['allocated_mb']:.0f} MB (peak {ev['peak_rss_mb']:.0f} MB)")
        print(f"{'':>14}lab faster by {ev['cold_s'] / lab['cold_s']:.1f}x cold, "
              f"{ev['warm_s'] / lab['warm_s']:.1f}x warm; decisions {agree}")
        results[rows] = runs
    return results


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--measure":
        print(json.dumps(_measure(sys.argv[2], int(sys.argv[3]), sys.argv[4],
                                  int(sys.argv[5]))))
    else:
        main(quick="--quick" in sys.argv[1:])
