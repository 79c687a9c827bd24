"""Audit scenarios over seeds: `python scripts/audit.py ID [ID ...] [--seeds 0 1 2]`.

Prints one line per scenario x seed (onset window, first alarm, false alarms, suspect ranks
of the injected features, realised precision/recall/cost before -> after, measured harm).
Runs in a throwaway lab home.
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("scenarios", nargs="+")
    parser.add_argument("--seeds", nargs="+", type=int, default=[0, 1, 2])
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    os.environ["LAB_HOME"] = tempfile.mkdtemp(prefix="driftlab-audit-")
    from lab.catalogue import audit
    from lab.scenario import load_scenario

    for sid in args.scenarios:
        spec = load_scenario(sid)
        for seed in args.seeds:
            a = audit(spec, seed)
            if args.json:
                print(json.dumps(a.to_dict(), default=str), flush=True)
                continue
            b, f = a.before, a.after
            print(f"{sid} seed {seed}: onset w{a.onset_window} first alarm w{a.first_alarm} "
                  f"(delay {a.alarm_delay}) false alarms {a.false_alarms} alarms {a.alarms} "
                  f"warns {a.warnings} ranks {a.ranks} hurts {a.hurts} | precision "
                  f"{b['precision']}->{f['precision']} recall {b['recall']}->{f['recall']} "
                  f"cost/day {b['cost_per_day']}->{f['cost_per_day']} | {a.seconds}s",
                  flush=True)


if __name__ == "__main__":
    main()
