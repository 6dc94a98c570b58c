"""A big plain CSV is parsed by Arrow while its fields are counted; every other file by pandas'
reader. Both give the same table, and a file the count finds not plain never takes Arrow's."""
from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from addrmig.io import delimited, read_table

FIXTURES = Path(__file__).parent / "fixtures"
HEADER = "user,email,city,line"
QUIRKS = {
    "plain": [HEADER, "C1,a@b.com,İstanbul,Cad. 1", "C2,c@d.com,İZMİR,\"Sok. 2, D:3\""],
    "crlf and a line break inside quotes": [HEADER, "C1,a@b.com,Ankara,\"Kat 2\r\nDaire 5\"", "C2,,Bursa,x"],
    "a ragged row": [HEADER, "C1,a@b.com,Ankara", "C2,c@d.com,Bursa,x,extra", "C3,e@f.com,Muğla,y"],
    "a blank line": [HEADER, "C1,a@b.com,Ankara,x", "", "C3,e@f.com,Muğla,y"],
    "leading zeros and long digits": [HEADER, "0012,00123456789012345678,Şanlıurfa,0"],
}


def both_ways(data: bytes, monkeypatch) -> tuple[object, object, bool]:
    monkeypatch.setattr(delimited, "_ARROW_MIN_BYTES", 10 ** 12)
    by_pandas = read_table(data, "file.csv")
    monkeypatch.setattr(delimited, "_ARROW_MIN_BYTES", 0)
    taken = []
    frame_of = delimited._arrow_frame
    monkeypatch.setattr(delimited, "_arrow_frame", lambda *args: taken.append(frame_of(*args)) or taken[-1])
    by_arrow = read_table(data, "file.csv")
    return by_pandas, by_arrow, any(frame is not None for frame in taken)


@pytest.mark.parametrize("quirk", list(QUIRKS))
def test_a_file_read_by_arrow_beside_the_field_count_is_the_file_pandas_reads(quirk, monkeypatch):
    data = ("\n".join(QUIRKS[quirk]) + "\n").encode("utf-8")
    by_pandas, by_arrow, arrow_taken = both_ways(data, monkeypatch)
    pd.testing.assert_frame_equal(by_arrow.frame, by_pandas.frame)
    assert by_arrow.row_problems == by_pandas.row_problems
    plain = quirk in ("plain", "crlf and a line break inside quotes", "leading zeros and long digits")
    assert arrow_taken == plain  # Arrow's table is taken only when the count finds the file plain


@pytest.mark.parametrize("name", ["addresses_small.csv", "addresses_small_bom.csv", "addresses_dev.csv"])
def test_the_fixtures_read_the_same_either_way(name, monkeypatch):
    by_pandas, by_arrow, _ = both_ways((FIXTURES / name).read_bytes(), monkeypatch)
    pd.testing.assert_frame_equal(by_arrow.frame, by_pandas.frame)
