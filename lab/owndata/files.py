"""Reading the user's files: CSV or Parquet, with errors that name the file and the problem."""

from __future__ import annotations

import io
from pathlib import Path

import pandas as pd

PARQUET = {".parquet", ".pq"}


class OwnDataError(ValueError):
    """A problem with the user's files or columns: the message names the file, the column
    and what is wrong, and is shown as it is (exit code 2 on the command line)."""


def read_table(path: str | Path, role: str) -> pd.DataFrame:
    """``path`` as a frame; ``role`` ("reference" or "current") names it in errors."""
    path = Path(path)
    if not path.exists():
        raise OwnDataError(f"{role} file {path}: no such file")
    if path.is_dir():
        raise OwnDataError(f"{role} file {path}: is a folder, not a CSV or Parquet file")
    if path.stat().st_size == 0:
        raise OwnDataError(f"{role} file {path}: is empty (0 bytes)")
    suffix = path.suffix.lower()
    try:
        if suffix in PARQUET:
            frame = pd.read_parquet(path)
        else:
            frame = _read_csv(path, sep="\t" if suffix == ".tsv" else ",")
    except Exception as exc:  # any parser's failure is the file's problem, not ours
        kind = "Parquet" if suffix in PARQUET else "CSV"
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise OwnDataError(f"{role} file {path}: unreadable as {kind} ({first[:200]})") from None
    return check_frame(frame, f"{role} file {path}")


def _read_csv(path: Path, sep: str) -> pd.DataFrame:
    try:
        # pyarrow's reader is several times faster on large files; the C engine is the
        # fallback for what it rejects (quoting oddities, ragged rows).
        return pd.read_csv(path, sep=sep, engine="pyarrow")
    except Exception:
        return pd.read_csv(path, sep=sep, low_memory=False)


def check_frame(frame: pd.DataFrame, what: str) -> pd.DataFrame:
    """A frame read from anywhere (a file, an upload) has rows and named, unique columns."""
    if frame.shape[1] == 0:
        raise OwnDataError(f"{what}: has no columns")
    if len(frame) == 0:
        raise OwnDataError(f"{what}: is empty (a header but no rows)")
    names = [str(c) for c in frame.columns]
    duplicated = sorted({n for n in names if names.count(n) > 1})
    if duplicated:
        raise OwnDataError(f"{what}: column(s) {duplicated} appear more than once")
    frame.columns = names
    return frame


def read_upload(data: bytes, name: str, role: str) -> pd.DataFrame:
    """An uploaded file's bytes as a frame; its ``name`` decides CSV or Parquet."""
    if not data:
        raise OwnDataError(f"{role} file {name}: is empty (0 bytes)")
    suffix = Path(name).suffix.lower()
    try:
        if suffix in PARQUET:
            frame = pd.read_parquet(io.BytesIO(data))
        else:
            frame = pd.read_csv(io.BytesIO(data), sep="\t" if suffix == ".tsv" else ",",
                                low_memory=False)
    except Exception as exc:
        kind = "Parquet" if suffix in PARQUET else "CSV"
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise OwnDataError(f"{role} file {name}: unreadable as {kind} ({first[:200]})") from None
    return check_frame(frame, f"{role} file {name}")
