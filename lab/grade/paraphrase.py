"""Paraphrase recognition with static word embeddings (WordLlama), offline.

WordLlama ships its weights inside its wheel; its tokenizer file is bundled too, but the
package looks for it only in a cache folder, so it is copied there and the model loads
with ``disable_download=True``. Bag-of-words embeddings cannot tell word order, so they
only recognise paraphrases of a concept (a bonus), never reasoning. Without the package,
grading falls back to lemma matching and says so.
"""

from __future__ import annotations

import os
import shutil
import threading
from functools import lru_cache
from pathlib import Path

# Cosine similarity of a span to a concept's phrase that counts as a paraphrase. Measured
# with l2_supercat: true paraphrases score low ("the share of nulls jumped" ~ "missing
# values": 0.19; "fit a fresh model on recent labels" ~ "retrain": 0.08) while spans that
# merely repeat a word score high, so the bar is high and spans sharing a word with the
# concept are skipped: the bonus fires rarely and never on repetition.
SIMILARITY = 0.8
NGRAMS = (2, 3, 4)


_loading = threading.Lock()


@lru_cache(maxsize=1)
def _model():
    # Candidates of a cohort grade at once (the app's sessions are threads): one loads,
    # the others wait for it rather than read a tokenizer file still being copied.
    with _loading:
        return _load()


def _load():
    try:
        import wordllama
        from wordllama import WordLlama
    except ImportError:
        return None
    from lab.config import ensure_home

    cache = ensure_home() / "wordllama"
    bundled = Path(wordllama.__file__).parent / "tokenizers"
    try:
        (cache / "tokenizers").mkdir(parents=True, exist_ok=True)
        for src in bundled.glob("*.json"):
            target = cache / "tokenizers" / src.name
            if not target.exists():
                # Copied whole, then renamed: another process never sees half a file.
                partial = target.with_name(f".{target.name}.{os.getpid()}")
                shutil.copy(src, partial)
                os.replace(partial, target)
        return WordLlama.load(cache_dir=cache, disable_download=True)
    except (OSError, ValueError):
        return None


def available() -> bool:
    return _model() is not None


def matches(sentences: list[str], phrases: list[str]) -> bool:
    """Whether some short span of some sentence is close to one of the concept's phrases."""
    model = _model()
    if model is None:
        return False
    shared = {w for p in phrases for w in p.lower().split()}
    spans = []
    for s in sentences:
        words = s.split()
        spans += [" ".join(words[i:i + n]) for n in NGRAMS for i in range(len(words) - n + 1)
                  if not shared & set(words[i:i + n])]
    if not spans:
        return False
    import numpy as np

    a = model.embed(spans, norm=True)
    b = model.embed(list(phrases), norm=True)
    return bool(np.max(a @ b.T) >= SIMILARITY)
