"""A big plain CSV is parsed by Arrow, with nothing counted; every other file has its fields
counted and is parsed by pandas' reader. Both give the same table, and a file with a record of
another width never takes Arrow's."""
from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from addrmig.errors import UnreadableFile
from addrmig.io import delimited, read_table

FIXTURES = Path(__file__).parent / "fixtures"
HEADER = "user,email,city,line"
QUIRKS = {
    "plain": [HEADER, "C1,a@b.com,İstanbul,Cad. 1", "C2,c@d.com,İZMİR,\"Sok. 2, D:3\""],
    "crlf and a line break inside quotes": [HEADER, "C1,a@b.com,Ankara,\"Kat 2\r\nDaire 5\"", "C2,,Bursa,x"],
    "a ragged row": [HEADER, "C1,a@b.com,Ankara", "C2,c@d.com,Bursa,x,extra", "C3,e@f.com,Muğla,y"],
    "a blank line": [HEADER, "C1,a@b.com,Ankara,x", "", "C3,e@f.com,Muğla,y"],
    "a blank line of crlf": [HEADER + "\r", "C1,a@b.com,Ankara,x\r", "\r", "C3,e@f.com,Muğla,y\r"],
    "leading zeros and long digits": [HEADER, "0012,00123456789012345678,Şanlıurfa,0"],
    "a short row": [HEADER, "C1,a@b.com,Ankara,x", "C2,c@d.com", "C3,e@f.com,Muğla,y"],
    "trailing delimiters": [HEADER, "C1,a@b.com,Ankara,x,,", "C2,c@d.com,Bursa,y"],
    "a lone quote inside a value": [HEADER, 'C1,a@b.com,Ankara,5" TV', "C2,c@d.com,Bursa,y"],
    "a quote left open": [HEADER, "C1,a@b.com,Ankara,x", 'C2,c@d.com,Bursa,"y'],
    "rows wider than the header": [HEADER, "C1,a@b.com,Ankara,x,1", "C2,c@d.com,Bursa,y,2"],
    "a lone quote and a quote left open": [HEADER, 'C1,a@b.com,Ankara,5" TV', 'C2,c@d.com,Bursa,"y'],
    "text after a closing quote": [HEADER, 'C1,a@b.com,Ankara,"x"y', "C2,c@d.com,Bursa,y"],
}
#: Read by Arrow: every record is as wide as the header (a blank line reads as a row of
#: blanks, dropped afterwards as pandas' blank rows are) and no quote is left open (a lone
#: one inside a value leaves the file to pandas).
PLAIN = ("plain", "crlf and a line break inside quotes", "a blank line", "a blank line of crlf",
         "leading zeros and long digits", "text after a closing quote")


def _read(data: bytes) -> object:
    """The table read, or the error that says why it cannot be."""
    try:
        return read_table(data, "file.csv")
    except UnreadableFile as error:
        return error


def both_ways(data: bytes, monkeypatch) -> tuple[object, object, bool]:
    monkeypatch.setattr(delimited, "_ARROW_MIN_BYTES", 10 ** 12)
    by_pandas = _read(data)
    monkeypatch.setattr(delimited, "_ARROW_MIN_BYTES", 0)
    taken = []
    frame_of = delimited._arrow_frame
    monkeypatch.setattr(delimited, "_arrow_frame", lambda *args: taken.append(frame_of(*args)) or taken[-1])
    by_arrow = _read(data)
    return by_pandas, by_arrow, any(frame is not None for frame in taken)


@pytest.mark.parametrize("quirk", list(QUIRKS))
def test_a_file_read_by_arrow_is_the_file_pandas_reads(quirk, monkeypatch):
    data = ("\n".join(QUIRKS[quirk]) + "\n").encode("utf-8")
    by_pandas, by_arrow, arrow_taken = both_ways(data, monkeypatch)
    if isinstance(by_pandas, Exception):
        assert type(by_arrow) is type(by_pandas) and str(by_arrow) == str(by_pandas)
        assert not arrow_taken
        return
    pd.testing.assert_frame_equal(by_arrow.frame, by_pandas.frame)
    assert by_arrow.row_problems == by_pandas.row_problems and by_arrow.notes == by_pandas.notes
    assert arrow_taken == (quirk in PLAIN)  # Arrow's table is taken only for a file of one width


@pytest.mark.parametrize("name", ["addresses_small.csv", "addresses_small_bom.csv", "addresses_dev.csv"])
def test_the_fixtures_read_the_same_either_way(name, monkeypatch):
    by_pandas, by_arrow, _ = both_ways((FIXTURES / name).read_bytes(), monkeypatch)
    pd.testing.assert_frame_equal(by_arrow.frame, by_pandas.frame)


@pytest.mark.parametrize("quirk", ["plain", "crlf and a line break inside quotes", "a blank line"])
def test_a_plain_file_whose_quotes_open_and_close_values_is_read_without_counting_its_fields(quirk, monkeypatch):
    data = ("\n".join(QUIRKS[quirk]) + "\n").encode("utf-8")
    monkeypatch.setattr(delimited, "_ARROW_MIN_BYTES", 0)
    counted = []
    widths = delimited._Widths
    monkeypatch.setattr(delimited, "_Widths", lambda *args: counted.append(args) or widths(*args))
    read_table(data, "file.csv")
    assert not counted
    read_table(("\n".join(QUIRKS["a lone quote inside a value"]) + "\n").encode("utf-8"), "file.csv")
    assert counted  # a quote that neither opens nor closes a value: the fields are counted
