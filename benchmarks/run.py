"""Run the benchmarks: ``python benchmarks/run.py [train] [serve] [monitor] [own_data]``
(default: all)."""

from __future__ import annotations

import importlib
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
ALL = ["train", "serve", "monitor", "own_data"]


def main(names: list[str]) -> None:
    for name in names or ALL:
        path = Path(__file__).with_name(f"bench_{name}.py")
        if not path.exists():
            print(f"[{name}] not built yet")
            continue
        print(f"== {name}")
        importlib.import_module(f"bench_{name}").main()


if __name__ == "__main__":
    main(sys.argv[1:])
