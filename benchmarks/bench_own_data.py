"""Bring your own data at size: a 1,000,000-row current file against a 200,000-row
reference (Parquet), the lab's summary against Evidently's DataDriftPreset.

Every measurement runs in a fresh subprocess, so its peak RSS (``ru_maxrss``, the whole
process: Python, the libraries and the data) is its own; the parent only writes the
files. The lab's time includes reading both files, as ``driftlab monitor --reference``
does. Evidently runs on a sample by default (``EVIDENTLY_SHARE`` of both frames; its
memory grows with the rows) unless ``--evidently-full`` is given.

    python benchmarks/run.py own_data            # full size: run it once, on a quiet host
    python benchmarks/bench_own_data.py 100000 20000   # a smaller try
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

CURRENT_ROWS = 1_000_000
REFERENCE_ROWS = 200_000
DAYS = 10
EVIDENTLY_SHARE = 0.1
ROLES = {"target": "defaulted", "prediction": "prediction", "timestamp": "when"}


def _write(folder: Path, current_rows: int, reference_rows: int) -> None:
    from lab.owndata.synthetic import example_frame

    example_frame(reference_rows, seed=1, days=DAYS).to_parquet(folder / "ref.parquet")
    cur = example_frame(current_rows, seed=2, start="2026-02-01", days=DAYS)
    cur.loc[cur["when"] >= "2026-02-06", "income"] += 15.0  # the known shift: day 6 on
    cur.to_parquet(folder / "cur.parquet")


def _peak_mb() -> float:
    """Peak RSS of this process. Linux carries ``ru_maxrss`` over fork and exec, so the
    parent must stay small when it starts a measurement (it writes the data in a child
    of its own); ``VmHWM`` (the peak of this process's own memory) is printed beside it."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _hwm_mb() -> float | None:
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return None


def _measure(folder: str, path: str, share: float) -> dict:
    import warnings

    warnings.filterwarnings("ignore")
    import pandas as pd

    from lab.owndata import monitor_own_data

    folder_path = Path(folder)
    ref_file, cur_file = folder_path / "ref.parquet", folder_path / "cur.parquet"
    baseline = _peak_mb()
    start, cpu = time.perf_counter(), time.process_time()
    if path.startswith("lab"):
        window = "1d" if path == "lab-daily" else str(10**9)  # one window: as Evidently
        result = monitor_own_data(ref_file, cur_file, window=window, **ROLES)
        seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
        data = result.to_dict()
        drifted = sorted({n for w in data["windows"] for n in w["drifted_features"]})
        return {"seconds": seconds, "cpu_seconds": cpu, "peak_rss_mb": _peak_mb(),
                "hwm_mb": _hwm_mb(), "after_imports_mb": baseline,
                "windows": len(data["windows"]), "alarms": data["summary"]["windows_in_alarm"],
                "top_suspect": data["suspects"][0]["feature"], "drifted": drifted}
    from lab.monitor.evidently_report import _evidently, drift_decisions
    from lab.owndata import prepare

    _evidently()  # its import is not the work being timed

    prepared = prepare(ref_file, cur_file, **ROLES)  # the same frames and kinds as the lab
    ref, cur = prepared.reference.frame, prepared.log
    if share < 1:
        ref, cur = ref.sample(frac=share, random_state=0), cur.sample(frac=share,
                                                                        random_state=0)
    start, cpu = time.perf_counter(), time.process_time()
    numeric, categorical = prepared.numeric, prepared.categorical
    cur = cur[numeric + categorical].astype({n: float for n in numeric})
    ref = ref[numeric + categorical].astype({n: float for n in numeric})
    decisions = drift_decisions(ref, cur, numeric, categorical)
    seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
    return {"seconds": seconds, "cpu_seconds": cpu, "peak_rss_mb": _peak_mb(),
            "hwm_mb": _hwm_mb(), "after_imports_mb": baseline,
            "rows": [len(ref), len(cur)], "drifted": sorted(n for n, d in decisions.items()
                                                            if d["drifted"]),
            "pandas": pd.__version__}


def _child(*args: str) -> dict:
    here = Path(__file__).resolve()
    env = {**os.environ, "PYTHONPATH": str(here.parent.parent)}
    out = subprocess.run([sys.executable, str(here), *args], capture_output=True, text=True,
                         env=env, timeout=1800)
    if out.returncode:
        return {"error": (out.stderr.strip().splitlines() or ["?"])[-1]}
    return json.loads(out.stdout.strip().splitlines()[-1])


def main(current_rows: int = CURRENT_ROWS, reference_rows: int = REFERENCE_ROWS,
         evidently_full: bool = False) -> dict:
    share = 1.0 if evidently_full else EVIDENTLY_SHARE
    results: dict = {"current_rows": current_rows, "reference_rows": reference_rows,
                     "load_before": os.getloadavg(), "cpus": os.cpu_count()}
    with tempfile.TemporaryDirectory(prefix="bench-own-data-") as tmp:
        folder = Path(tmp)
        _child("--write", str(folder), str(current_rows), str(reference_rows))
        print(f"current {current_rows:,} rows vs reference {reference_rows:,} (Parquet, "
              f"{DAYS} days, income +1.5 sd from day 6); host {os.cpu_count()} CPUs, load "
              f"{' '.join(f'{x:.1f}' for x in os.getloadavg())}")
        for path in ("lab-one-window", "lab-daily", "evidently"):
            run = _child("--measure", str(folder), path, str(share))
            results[path] = run
            if "error" in run:
                print(f"{path:>15}: failed: {run['error']}")
                continue
            sample = "" if path != "evidently" or share == 1 else \
                f" on a {share:.0%} sample ({run['rows'][1]:,} vs {run['rows'][0]:,} rows)"
            print(f"{path:>15}: {run['seconds']:.2f} s ({run['cpu_seconds']:.2f} s CPU), "
                  f"peak RSS {run['peak_rss_mb']:.0f} MB (VmHWM {run['hwm_mb']:.0f} MB, "
                  f"after imports {run['after_imports_mb']:.0f} MB){sample}; drifted "
                  f"{run['drifted']}" + (f"; {run['windows']} windows, {run['alarms']} in "
                                         f"alarm, top suspect {run['top_suspect']}"
                                         if path.startswith("lab") else ""))
    results["load_after"] = os.getloadavg()
    print(f"load after: {' '.join(f'{x:.1f}' for x in results['load_after'])}")
    return results


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--measure":
        print(json.dumps(_measure(sys.argv[2], sys.argv[3], float(sys.argv[4]))))
    elif len(sys.argv) > 1 and sys.argv[1] == "--write":
        _write(Path(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]))
        print("{}")
    else:
        args = [a for a in sys.argv[1:] if not a.startswith("--")]
        main(*(int(a) for a in args), evidently_full="--evidently-full" in sys.argv)
