"""Integer codes of several columns packed into one integer per row."""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd


def combined(codes: Sequence[np.ndarray]) -> np.ndarray:
    """One int64 per row, equal exactly when every code is equal (cheaper to hash than several
    columns); the codes are whole numbers from 0. The combinations so far are renumbered densely
    before the packing would overflow."""
    key = codes[0].astype(np.int64)
    for more in codes[1:]:
        size = int(more.max()) + 1 if len(more) else 1
        if len(key) and int(key.max()) >= (2 ** 62) // size:
            key = pd.factorize(key)[0].astype(np.int64)  # renumber densely before it overflows
        key = key * size + more
    return key
