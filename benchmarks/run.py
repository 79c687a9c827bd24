"""Run the benchmarks: ``python benchmarks/run.py [NAME ...] [--quick]`` (names below).

With no name, all run. ``--quick`` runs each at a tiny size to check that it works
(the numbers then mean nothing); without it, run them on an otherwise idle machine.
"""

from __future__ import annotations

import argparse
import importlib
import inspect
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
ALL = ["train", "serve", "monitor", "own_data", "load", "cohort"]


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(prog="benchmarks/run.py", description=__doc__.split("\n")[0])
    parser.add_argument("names", nargs="*", metavar="NAME",
                        help=f"which benchmarks ({', '.join(ALL)}; default: all)")
    parser.add_argument("--quick", action="store_true",
                        help="tiny sizes: a smoke run that the benchmarks work, not a measurement")
    args = parser.parse_args(argv)
    unknown = [name for name in args.names if name not in ALL]
    if unknown:
        parser.error(f"unknown benchmark {', '.join(unknown)}; choose from {', '.join(ALL)}")
    for name in args.names or ALL:
        if not Path(__file__).with_name(f"bench_{name}.py").exists():
            print(f"== {name}: not built yet")
            continue
        bench = importlib.import_module(f"bench_{name}")
        if not args.quick:
            print(f"== {name}", flush=True)
            bench.main()
        elif "quick" in inspect.signature(bench.main).parameters:
            print(f"== {name} (--quick: tiny sizes, not a measurement)", flush=True)
            bench.main(quick=True)
        else:
            print(f"== {name}: has no --quick size, skipped")


if __name__ == "__main__":
    main(sys.argv[1:])
