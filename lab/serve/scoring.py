"""Scoring records without pandas: a fitted Pipeline compiled to numpy.

Profiling the naive path (one record -> DataFrame -> Pipeline.predict_proba) put ~95% of
a 3.5 ms prediction in pandas and in scikit-learn's per-call validation and column
dispatch (ColumnTransformer, HistGradientBoosting's own internal encoder), not in the
model. :class:`CompiledScorer` reads the fitted parameters once and applies them with
plain numpy. It supports the transformers the lab's model registry builds and falls back
to the Pipeline for anything else; a property test checks it against ``predict_proba`` on
every finite float64.

Where the Pipeline itself cannot score a record (a value so large that scaling overflows to
infinity, which scikit-learn then refuses; one past float32's range, which a random forest
refuses; a sum of opposite infinities, which gives NaN), the scorer raises
:class:`OutOfRange` naming the record and the feature, and the server answers 422.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
from scipy.special import expit
from sklearn.compose import ColumnTransformer
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import FunctionTransformer, OneHotEncoder, OrdinalEncoder, StandardScaler

Block = Callable[[dict[str, Any]], np.ndarray]  # columns -> 2-D block of the design matrix

# Below this many rows the numpy tree walk beats scikit-learn's per-call overhead.
SMALL_BATCH = 64


FLOAT32_MAX = float(np.finfo(np.float32).max)


class Unsupported(Exception):
    pass


class OutOfRange(ValueError):
    """A record the model cannot score: ``index`` in the records, ``field`` the feature."""

    def __init__(self, index: int, field: str, value: Any):
        self.index, self.field, self.value = index, field, value
        super().__init__(f"record {index}: {field}={value!r} is outside the range this model "
                         "can score")


class CompiledScorer:
    """P(positive) for records (mappings of feature name to value)."""

    def __init__(self, pipeline: Pipeline, feature_names: Sequence[str]):
        self.pipeline = pipeline
        self.feature_names = list(feature_names)
        try:
            pre, est = pipeline[:-1], pipeline[-1]
            if len(pre) != 1 or not isinstance(pre[0], ColumnTransformer):
                raise Unsupported("expects one ColumnTransformer before the model")
            self._design = _compile_column_transformer(pre[0])
            self._predict = _compile_estimator(est)
            self.compiled = True
        except Unsupported:
            self.compiled = False

    def columns(self, records: Sequence[Mapping[str, Any]]) -> dict[str, list]:
        return {name: [r.get(name) for r in records] for name in self.feature_names}

    def scores(self, records: Sequence[Mapping[str, Any]]) -> np.ndarray:
        """P(positive) per record; :class:`OutOfRange` where the Pipeline could not score."""
        with np.errstate(over="ignore", invalid="ignore"):  # overflow is checked below
            try:
                if not self.compiled:
                    frame = pd.DataFrame(list(records), columns=self.feature_names)
                    out = self.pipeline.predict_proba(frame)[:, 1]
                else:
                    x = self._design(self.columns(records))
                    bad = np.isinf(x).any(axis=1)  # NaN is a missing value, which trees take
                    if bad.any():  # scikit-learn refuses infinite input to the model
                        raise self._out_of_range(records, bad)
                    out = self._predict(x)
            except ValueError as exc:
                if isinstance(exc, OutOfRange):
                    raise
                # A float32 model (a random forest) refuses values past float32's range.
                bad = np.array([self._largest(r)[1] > FLOAT32_MAX for r in records])
                if not bad.any():
                    raise
                raise self._out_of_range(records, bad) from exc
            bad = ~np.isfinite(out)
            if bad.any():  # +inf + -inf in a linear model: the Pipeline answers NaN
                raise self._out_of_range(records, bad)
            return out

    def _largest(self, record: Mapping[str, Any]) -> tuple[str, float]:
        """The numeric feature of largest magnitude: the one that overflowed."""
        best, size = self.feature_names[0], -1.0
        for name in self.feature_names:
            v = record.get(name)
            if isinstance(v, (int, float)) and not isinstance(v, bool) and abs(v) > size:
                best, size = name, abs(float(v))
        return best, size

    def _out_of_range(self, records: Sequence[Mapping[str, Any]], bad: np.ndarray) -> OutOfRange:
        index = int(np.flatnonzero(bad)[0])
        name, _ = self._largest(records[index])
        return OutOfRange(index, name, records[index].get(name))


# -- the design matrix --------------------------------------------------------------

def _numeric(values: list) -> np.ndarray:
    return np.array([np.nan if v is None else v for v in values], dtype=np.float64)


def _compile_column_transformer(ct: ColumnTransformer) -> Block:
    blocks: list[Block] = []
    for name, transformer, columns in ct.transformers_:
        if name == "remainder" and transformer == "drop":
            continue
        columns = list(columns)
        blocks.append(_compile_block(transformer, columns))

    def design(cols: dict[str, list]) -> np.ndarray:
        return np.hstack([block(cols) for block in blocks])

    return design


def _compile_block(transformer: Any, columns: list[str]) -> Block:
    if transformer == "passthrough":
        return lambda cols: np.column_stack([_numeric(cols[c]) for c in columns])
    if isinstance(transformer, (OneHotEncoder, OrdinalEncoder)):
        return _compile_encoder(transformer, columns)
    steps = transformer.steps if isinstance(transformer, Pipeline) else [(None, transformer)]
    numeric_steps = [_compile_numeric_step(step) for _, step in steps]

    def block(cols: dict[str, list]) -> np.ndarray:
        x = np.column_stack([_numeric(cols[c]) for c in columns])
        for step in numeric_steps:
            x = step(x)
        return x

    return block


def _compile_numeric_step(step: Any) -> Callable[[np.ndarray], np.ndarray]:
    if isinstance(step, SimpleImputer):
        fill = step.statistics_.astype(np.float64)
        flagged = step.indicator_.features_ if step.indicator_ is not None else None

        def impute(x: np.ndarray) -> np.ndarray:
            missing = np.isnan(x)
            out = np.where(missing, fill, x)
            return out if flagged is None else np.hstack([out, missing[:, flagged]])

        return impute
    if isinstance(step, FunctionTransformer) and step.func is None:
        return lambda x: x  # what a fitted 'passthrough' becomes
    if isinstance(step, StandardScaler):
        mean = step.mean_ if step.with_mean else 0.0
        scale = step.scale_ if step.with_std else 1.0
        return lambda x: (x - mean) / scale
    raise Unsupported(type(step).__name__)


def _compile_encoder(encoder: OneHotEncoder | OrdinalEncoder, columns: list[str]) -> Block:
    lookups = [{cat: i for i, cat in enumerate(cats) if isinstance(cat, str)}
               for cats in encoder.categories_]
    if isinstance(encoder, OrdinalEncoder):
        if encoder.handle_unknown != "use_encoded_value" or not np.isnan(encoder.unknown_value):
            raise Unsupported("OrdinalEncoder must encode unknowns as NaN")

        def ordinal(cols: dict[str, list]) -> np.ndarray:
            return np.column_stack([
                np.array([lookup.get(v, np.nan) for v in cols[c]], dtype=np.float64)
                for c, lookup in zip(columns, lookups)])

        return ordinal
    if encoder.handle_unknown != "ignore" or encoder.drop is not None:
        raise Unsupported("OneHotEncoder must ignore unknowns and drop nothing")
    widths = [len(cats) for cats in encoder.categories_]
    starts = np.r_[0, np.cumsum(widths)[:-1]]

    def onehot(cols: dict[str, list]) -> np.ndarray:
        n = len(cols[columns[0]])
        out = np.zeros((n, sum(widths)), dtype=np.float64)
        for c, lookup, start in zip(columns, lookups, starts):
            for row, value in enumerate(cols[c]):
                hit = lookup.get(value)
                if hit is not None:
                    out[row, start + hit] = 1.0
        return out

    return onehot


# -- the model -------------------------------------------------------------------

def _compile_estimator(est: Any) -> Callable[[np.ndarray], np.ndarray]:
    if isinstance(est, LogisticRegression) and est.coef_.shape[0] == 1:
        coef, intercept = est.coef_[0].astype(np.float64), float(est.intercept_[0])
        return lambda x: expit(x @ coef + intercept)
    if isinstance(est, HistGradientBoostingClassifier) and est.n_trees_per_iteration_ == 1:
        return _compile_hgb(est)
    return lambda x: est.predict_proba(x)[:, 1]


def _compile_hgb(est: HistGradientBoostingClassifier) -> Callable[[np.ndarray], np.ndarray]:
    """All trees walked at once, row by tree, as ``_predict_one_from_raw_data`` does."""
    pre = getattr(est, "_preprocessor", None)
    if pre is None:
        order = None
        recode: list[tuple[int, np.ndarray]] = []
    else:
        # HGB's internal encoder puts the categorical columns first, recoded.
        cat_idx = np.flatnonzero(est.is_categorical_)
        num_idx = np.flatnonzero(~est.is_categorical_)
        order = np.r_[cat_idx, num_idx]
        encoder = pre.named_transformers_["encoder"]
        recode = [(pos, np.asarray(cats, dtype=np.float64))
                  for pos, cats in enumerate(encoder.categories_)]
    known_bitsets, f_idx_map = est._bin_mapper.make_known_categories_bitsets()
    trees = [p[0] for p in est._predictors]
    nodes = np.concatenate([t.nodes for t in trees])
    sizes = np.array([len(t.nodes) for t in trees])
    roots = np.r_[0, np.cumsum(sizes)[:-1]]
    offset = np.repeat(roots, sizes)
    left = nodes["left"].astype(np.int64) + offset
    right = nodes["right"].astype(np.int64) + offset
    feature = nodes["feature_idx"].astype(np.int64)
    threshold = nodes["num_threshold"]
    missing_left = nodes["missing_go_to_left"].astype(bool)
    is_leaf = nodes["is_leaf"].astype(bool)
    is_cat = nodes["is_categorical"].astype(bool)
    value = nodes["value"]
    # Each tree's left-category bitsets, indexed by the node's global bitset row.
    left_bitsets = np.concatenate([t.raw_left_cat_bitsets for t in trees])
    bitset_row = nodes["bitset_idx"].astype(np.int64) + np.repeat(
        np.r_[0, np.cumsum([len(t.raw_left_cat_bitsets) for t in trees])[:-1]], sizes)
    baseline = float(np.ravel(est._baseline_prediction)[0])

    def in_bitset(bitsets: np.ndarray, rows: np.ndarray, codes: np.ndarray) -> np.ndarray:
        word = bitsets[rows, codes // 32]
        return ((word >> (codes % 32).astype(np.uint32)) & 1).astype(bool)

    def walk(x: np.ndarray) -> np.ndarray:
        if order is not None:
            x = x[:, order]
            for pos, cats in recode:
                col = x[:, pos]
                idx = np.searchsorted(cats, col)
                idx_c = np.minimum(idx, len(cats) - 1)
                x[:, pos] = np.where(cats[idx_c] == col, idx_c, np.nan)
        n = len(x)
        rows = np.arange(n)[:, None]
        cur = np.broadcast_to(roots, (n, len(trees))).copy()
        while True:
            active = ~is_leaf[cur]
            if not active.any():
                break
            f = feature[cur]
            v = x[rows, f]
            nan = np.isnan(v)
            cat = is_cat[cur]
            # Clip before the cast: a float at or past 2**63 casts to a negative int64.
            # Only categorical nodes read the codes, and their values are 0..255 or NaN.
            codes = np.clip(np.where(nan, 0.0, v), 0, 255).astype(np.int64)
            cat_left = in_bitset(left_bitsets, bitset_row[cur], codes)
            known = in_bitset(known_bitsets, f_idx_map[f].astype(np.int64), codes)
            to_missing = nan | (cat & ((v < 0) | (~cat_left & ~known)))
            go_left = np.where(to_missing, missing_left[cur],
                               np.where(cat, cat_left, v <= threshold[cur]))
            cur = np.where(active, np.where(go_left, left[cur], right[cur]), cur)
        return expit(baseline + value[cur].sum(axis=1))

    def predict(x: np.ndarray) -> np.ndarray:
        if len(x) > SMALL_BATCH:
            return est.predict_proba(x)[:, 1]
        return walk(x)

    return predict
