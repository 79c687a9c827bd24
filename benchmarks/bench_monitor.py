"""The monitoring summary of one window against the reference: the lab's statistics
against Evidently's DataDriftPreset on the same frames, in the same run.

Each size runs in a fresh subprocess so that its peak memory (RSS) is its own.
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

SCENARIO = "sla-response-units"
SIZES = (10_000, 50_000, 200_000)
REFERENCE_ROWS = 50_000


def _prepare(home: str) -> None:
    os.environ["LAB_HOME"] = home
    from lab.config import get_settings

    get_settings.cache_clear()
    from lab.scenario import load_scenario
    from lab.train import train

    train(load_scenario(SCENARIO), seed=0, rows=REFERENCE_ROWS)


def _measure(home: str, rows: int, path: str) -> dict:
    os.environ["LAB_HOME"] = home
    import warnings

    warnings.filterwarnings("ignore")
    from lab.monitor import build_reference, summarize
    from lab.replay import replay_log
    from lab.scenario import load_scenario

    reference = build_reference(SCENARIO)
    log, _ = replay_log(load_scenario(SCENARIO), reference.pipeline, reference.threshold,
                        rows=rows, seed=1, reference_rows=REFERENCE_ROWS)
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
    drifted = run()
    seconds = time.perf_counter() - start
    # Memory in a second pass: tracemalloc sees numpy's and pandas' allocations too.
    tracemalloc.start()
    run()
    allocated = tracemalloc.get_traced_memory()[1] / 2**20
    tracemalloc.stop()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {"seconds": seconds, "peak_rss_mb": peak, "allocated_mb": allocated,
            "drifted": drifted}


def main() -> dict:
    home = tempfile.mkdtemp(prefix="bench-monitor-")
    _prepare(home)
    here = Path(__file__).resolve()
    results = {}
    print(f"reference {REFERENCE_ROWS:,} rows; one window of N rows ({SCENARIO}, unit change "
          "half-way); memory: peak allocated during the summary (tracemalloc) and the fresh "
          "process's peak RSS (which includes the libraries and the replayed log)")
    for rows in SIZES:
        runs = {}
        for path in ("lab", "evidently"):
            out = subprocess.run([sys.executable, str(here), "--measure", home, str(rows), path],
                                 capture_output=True, text=True, check=True)
            runs[path] = json.loads(out.stdout.strip().splitlines()[-1])
        lab, ev = runs["lab"], runs["evidently"]
        agree = "agree" if lab["drifted"] == ev["drifted"] else \
            f"DIFFER {lab['drifted']} vs {ev['drifted']}"
        print(f"{rows:>8,} rows: lab {lab['seconds']:.2f} s, {lab['allocated_mb']:.0f} MB "
              f"allocated (process peak {lab['peak_rss_mb']:.0f} MB) | evidently "
              f"{ev['seconds']:.2f} s, {ev['allocated_mb']:.0f} MB (peak "
              f"{ev['peak_rss_mb']:.0f} MB) | {ev['seconds'] / lab['seconds']:.1f}x faster; "
              f"decisions {agree}")
        results[rows] = runs
    return results


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--measure":
        print(json.dumps(_measure(sys.argv[2], int(sys.argv[3]), sys.argv[4])))
    else:
        sys.path.insert(0, str(Path(__file__).resolve().parent))
        main()
