"""The model lifecycle after launch: recent labelled data, a challenger trained on it, and
champion against challenger judged on the same later rows before an alias moves.

Training and the registry are :mod:`lab.train` and :mod:`lab.tracking` (aliases, never
stages); this package only cuts the data and compares the candidates.
"""

from lab.lifecycle.compare import Candidate, compare, rethresholded
from lab.lifecycle.recent import Recent, recent_split

__all__ = ["Candidate", "Recent", "compare", "recent_split", "rethresholded"]
