"""An upstream schema change: a client starts sending a field under another name, or not at all."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from lab.drift.base import Injector, require_feature, set_values
from lab.drift.delivery import drop, rename, set_record_change
from lab.worlds.base import World


class SchemaChange(Injector):
    """From the onset, records of a ``segment`` arrive with ``feature`` renamed to
    ``rename_to`` (or, when ``rename_to`` is empty, without it).

    The server refuses both (an unknown or a missing field is a 422), so the segment's
    requests fail and it goes silent: a service-level symptom, not a drift in the data
    that reaches the model. ``segment`` maps categorical features to the values that make
    a row part of it (e.g. ``{platform: [android]}``, a client release); empty = every row.
    In the frame the values stay (a renamed field) or are emptied (a dropped one).
    """

    kind = "schema_change"
    category = "pipeline"

    def __init__(self, feature: str, rename_to: str | None = None,
                 segment: dict[str, list[str]] | None = None, **timing):
        super().__init__(**timing)
        self.feature = feature
        self.rename_to = rename_to
        self.segment = segment
        if rename_to == feature:
            raise ValueError("rename_to must differ from feature")

    def _inject(self, frame: pd.DataFrame, world: World, mask: np.ndarray,
                rng: np.random.Generator) -> tuple[list[str], dict[str, Any]]:
        require_feature(world, self.feature)
        if self.rename_to in world.schema.names:
            raise ValueError(f"rename_to {self.rename_to!r} is already a feature")
        hit = mask & self._in_segment(frame, world)
        if self.rename_to:
            set_record_change(frame, hit, rename(self.feature, self.rename_to))
        else:
            set_record_change(frame, hit, drop(self.feature))
            numeric = world.schema[self.feature].kind == "numeric"
            set_values(frame, self.feature, hit, np.nan if numeric else None, numeric)
        after = max(1, len(frame) - self.onset_row(len(frame)))
        return [self.feature], {"rows_refused": int(hit.sum()),
                                "share_refused_after_onset": round(float(hit.sum()) / after, 4),
                                "sent_as": self.rename_to}

    def _in_segment(self, frame: pd.DataFrame, world: World) -> np.ndarray:
        inside = np.ones(len(frame), dtype=bool)
        for name, values in (self.segment or {}).items():
            require_feature(world, name, "categorical")
            values = [values] if isinstance(values, str) else list(values)
            unknown = set(values) - set(world.schema[name].categories)
            if unknown:
                raise ValueError(f"segment has values {sorted(unknown)} that {name!r} does not "
                                 f"have; allowed: {list(world.schema[name].categories)}")
            inside &= frame[name].isin(values).to_numpy()
        return inside

    def root_cause(self, world: World) -> str:
        who = ("every client" if not self.segment else
               "clients of " + ", ".join(f"{k} in {v}" for k, v in self.segment.items()))
        how = (f"renamed to {self.rename_to!r}" if self.rename_to else "left out")
        return (f"An upstream schema change: {who} send {self.feature} {how}; the server "
                "refuses those requests, so that traffic goes unscored.")
