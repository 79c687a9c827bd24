"""Which columns are features, of what kind, and the roles the user named.

The kind rule (documented in docs/monitoring.md, "Your own data"): a column is
*categorical* if it holds text, booleans or a pandas category, or if it holds integers
with at most ``MAX_INTEGER_LEVELS`` distinct values in the reference (codes, flags,
ratings); every other number is *numeric*. Left out: the named target, prediction and
timestamp columns, other date-time columns, columns found in only one file, columns
empty in the reference, and text columns that look like identifiers (more than
``ID_SHARE`` of the reference rows distinct, and more than ``ID_MIN`` values).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from lab.owndata.files import OwnDataError

MAX_INTEGER_LEVELS = 10
ID_SHARE, ID_MIN = 0.5, 1000


@dataclass(frozen=True)
class Roles:
    """The columns the user named (any may be absent) and how the files are labelled in
    messages."""

    target: str | None = None
    prediction: str | None = None
    timestamp: str | None = None
    reference_name: str = "reference"
    current_name: str = "current"


def infer_features(ref: pd.DataFrame, cur: pd.DataFrame, roles: Roles
                   ) -> tuple[list[dict[str, Any]], list[str]]:
    """Feature specs ({name, kind}) in the reference's column order, and notes on what
    was left out and why."""
    named = {roles.target, roles.prediction, roles.timestamp} - {None}
    common = [c for c in ref.columns if c in cur.columns]
    if not [c for c in common if c not in named]:
        raise OwnDataError(
            f"{roles.reference_name} and {roles.current_name}: no common columns to compare "
            f"(reference has {_few(ref.columns)}; current has {_few(cur.columns)})")
    notes = []
    only = sorted((set(ref.columns) ^ set(cur.columns)) - named)
    if only:
        notes.append(f"Column(s) in only one file, not compared: {_few(only)}.")
    features, skipped = [], []
    for name in common:
        if name in named:
            continue
        values = ref[name]
        if values.isna().all():
            skipped.append(f"{name} (empty in the reference)")
        elif pd.api.types.is_datetime64_any_dtype(values):
            skipped.append(f"{name} (a date-time; name it with --timestamp to window by it)")
        elif _categorical(values):
            if _looks_like_id(values):
                skipped.append(f"{name} (looks like an identifier: "
                               f"{values.nunique():,} distinct values)")
            else:
                features.append({"name": name, "kind": "categorical"})
        else:
            features.append({"name": name, "kind": "numeric"})
    if skipped:
        notes.append("Not monitored: " + "; ".join(skipped) + ".")
    if not features:
        raise OwnDataError(f"{roles.reference_name} and {roles.current_name}: no column left "
                           f"to monitor ({'; '.join(skipped)})")
    return features, notes


def _categorical(values: pd.Series) -> bool:
    if isinstance(values.dtype, pd.CategoricalDtype) or pd.api.types.is_bool_dtype(values):
        return True
    if not pd.api.types.is_numeric_dtype(values):
        return True
    if pd.api.types.is_integer_dtype(values):
        return values.nunique() <= MAX_INTEGER_LEVELS
    return False


def _looks_like_id(values: pd.Series) -> bool:
    distinct = values.nunique()
    return distinct > ID_MIN and distinct > ID_SHARE * values.notna().sum()


def _few(names) -> str:
    names = [str(n) for n in names]
    return ", ".join(names[:8]) + (f" and {len(names) - 8} more" if len(names) > 8 else "")


def require(frame: pd.DataFrame, column: str | None, option: str, what: str) -> None:
    if column is not None and column not in frame.columns:
        raise OwnDataError(f"{what}: no column {column!r} (given as {option}); it has "
                           f"{_few(frame.columns)}")


def binary_target(values: pd.Series, what: str, column: str,
                  classes: tuple[Any, Any] | None = None) -> tuple[np.ndarray, tuple[Any, Any]]:
    """The target as floats 1/0 (NaN where missing) and its classes (negative, positive).

    The positive class is 1 (or True) when the values are 0/1 or booleans, else the
    larger of exactly two values. The current file must use the reference's classes.
    """
    levels = sorted(values.dropna().unique().tolist(), key=str)
    if classes is None:
        if len(levels) != 2:
            shown = ", ".join(map(repr, levels[:5])) + (" ..." if len(levels) > 5 else "")
            raise OwnDataError(f"{what}: target column {column!r} is not binary: it has "
                               f"{len(levels)} distinct value(s) ({shown}); monitoring needs "
                               "two classes")
        positive = 1 if set(levels) <= {0, 1} else levels[-1]
        classes = (next(v for v in levels if v != positive), positive)
    unknown = [v for v in levels if v not in classes]
    if unknown:
        raise OwnDataError(f"{what}: target column {column!r} has value(s) "
                           f"{unknown[:5]} outside the reference's classes {list(classes)}")
    out = np.where(values.isna(), np.nan, (values == classes[1]).astype(float))
    return out, classes


def probability(values: pd.Series, what: str, column: str) -> np.ndarray:
    """The prediction as floats in [0, 1]; a clear error for text or other ranges."""
    numbers = pd.to_numeric(values, errors="coerce")
    bad = numbers.isna() & values.notna()
    if bad.any():
        raise OwnDataError(f"{what}: prediction column {column!r} holds non-numbers "
                           f"(e.g. {values[bad].iloc[0]!r}); give a probability of the "
                           "positive class")
    out = numbers.to_numpy(dtype=float)
    outside = (out < 0) | (out > 1)
    if outside.any():
        raise OwnDataError(f"{what}: prediction column {column!r} has values outside [0, 1] "
                           f"(e.g. {out[outside][0]:g}); give a probability of the positive "
                           "class")
    if np.isnan(out).all():
        raise OwnDataError(f"{what}: prediction column {column!r} is empty")
    return out


def timestamps(values: pd.Series, what: str, column: str) -> pd.Series:
    """Event times as naive UTC datetimes. Numbers are read as Unix seconds."""
    if values.isna().any():
        row = int(np.flatnonzero(values.isna().to_numpy())[0])
        raise OwnDataError(f"{what}: timestamp column {column!r} is missing in row {row}")
    try:
        if pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values):
            parsed = pd.to_datetime(values, unit="s", utc=True)
        else:
            parsed = pd.to_datetime(values, utc=True)
    except (ValueError, TypeError, OverflowError) as exc:
        example = _unparsable(values)
        raise OwnDataError(f"{what}: timestamp column {column!r} is not a date-time"
                           f"{f' (e.g. {example!r})' if example is not None else ''}: "
                           f"{str(exc).splitlines()[0][:120]}") from None
    return parsed.dt.tz_localize(None)


def _unparsable(values: pd.Series) -> Any:
    for value in values.head(1000):
        try:
            pd.Timestamp(value)
        except (ValueError, TypeError):
            return value
    return None
