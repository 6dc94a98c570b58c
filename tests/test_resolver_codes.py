"""The resolver's distinct combinations of codes (``units``) against a plain reference."""
from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from addrmig.locations.resolver.codes import units


def reference_units(rows: np.ndarray, *columns: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """One code per distinct combination, in order of first appearance, and its first row."""
    seen: dict[tuple, int] = {}
    code, first = [], []
    for row in rows.tolist():
        key = tuple(int(col[row]) for col in columns)
        if key not in seen:
            seen[key] = len(seen)
            first.append(row)
        code.append(seen[key])
    return np.array(code, dtype=np.int64), np.array(first, dtype=rows.dtype)


@settings(max_examples=60, deadline=None)
@given(st.data())
def test_units_are_the_distinct_combinations_in_order_of_first_appearance(data):
    n = data.draw(st.integers(0, 60))
    # Small ranges give repeats; huge ones make the packed combinations overflow, which must
    # fall back to coding the combinations so far first.
    ranges = data.draw(st.lists(st.sampled_from([1, 2, 3, 7, 2**31 - 2]), min_size=1, max_size=5))
    columns = [np.array(data.draw(st.lists(st.integers(-1, top), min_size=n, max_size=n)), dtype=np.int64)
               for top in ranges]
    rows = np.array(data.draw(st.permutations(range(n))), dtype=np.int64)[:data.draw(st.integers(0, n))]
    code, first = units(rows, *columns)
    want_code, want_first = reference_units(rows, *columns)
    assert code.tolist() == want_code.tolist()
    assert first.tolist() == want_first.tolist()


def test_units_of_wide_columns_fall_back_before_the_packed_codes_overflow():
    # Packed in 64 bits, the first column's 1 and 5 (its codes 0 and 4, plus one) times the second
    # column's span, 2**62, are the same number: the two rows would be one unit.
    columns = [np.array([0, 4, 0], dtype=np.int64), np.array([2**62 - 2] * 3, dtype=np.int64)]
    code, first = units(np.arange(3), *columns)
    assert code.tolist() == [0, 1, 0] and first.tolist() == [0, 1]
    rng = np.random.default_rng(7)
    wide = [rng.integers(0, 2**40, 5_000) for _ in range(4)]
    wide[3][::2] = wide[3][1::2]
    rows = np.arange(5_000)
    code, first = units(rows, *wide)
    want_code, want_first = reference_units(rows, *wide)
    assert code.tolist() == want_code.tolist() and first.tolist() == want_first.tolist()
