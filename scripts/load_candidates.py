"""Load-test a scenario's candidate models at its rate: ``scripts/load_candidates.py ID
[--rate R] [--requests N] [--workers W] [--seed S]`` prints cost per day against p99."""

from __future__ import annotations

import argparse

from lab.load.candidates import load_test_candidates
from lab.scenario import load_scenario


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("scenario")
    parser.add_argument("--rate", type=float, default=None, help="requests/s (the scenario's)")
    parser.add_argument("--requests", type=int, default=600)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    scenario = load_scenario(args.scenario)
    for r in load_test_candidates(scenario, args.rate, args.requests, args.workers, args.seed):
        print(f"{r.kind:<24} cost/day {r.cost_per_day:9.0f}  at {r.rate:.0f} req/s "
              f"({r.workers} worker(s)): carried {r.throughput:6.1f}/s  p99 {r.p99_ms:8.1f} ms "
              f"(server {r.server_p99_ms:7.1f} ms)  errors {r.errors}")


if __name__ == "__main__":
    main()
