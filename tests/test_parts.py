"""Cutting a CSV into parts a server takes: the header in each, cuts only where a record ends,
every part under the limits, and the same parts every time."""
from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from addrmig.errors import BadArguments
from addrmig.parts import PartLimits, parse_size, part_bytes, plan_parts, record_ends

FIXTURES = Path(__file__).parent / "fixtures"
HEADER = b"user,email,line,city\n"


def rows_csv(count: int, line: str = "Gul Sok. 1") -> bytes:
    return HEADER + b"".join(f"C{n},c{n}@x.co,{line},ISTANBUL\n".encode() for n in range(count))


def records(data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))


def test_a_file_within_the_limits_is_one_part_the_file_as_it_is():
    data = rows_csv(50)
    [part] = plan_parts(data, "a.csv", PartLimits())
    assert part_bytes(data, part) is data
    assert (part.number, part.first_row, part.rows, part.size) == (1, 1, 50, len(data))


def test_a_20k_row_file_goes_as_one_part_by_default():
    data = rows_csv(20_000, "Ihlamur Sokak No:88 Daire:13 Kat:4 Yeni Mahalle")
    assert len(data) < PartLimits().max_bytes
    assert len(plan_parts(data, "big.csv", PartLimits())) == 1


def test_parts_repeat_the_header_end_on_row_ends_and_stay_within_the_size():
    data = rows_csv(1000)
    limits = PartLimits(max_bytes=2_000)
    parts = plan_parts(data, "a.csv", limits)
    assert len(parts) > 10
    rows_seen = []
    for part in parts:
        piece = part_bytes(data, part)
        assert piece.startswith(HEADER) and piece.endswith(b"\n") and len(piece) == part.size <= limits.max_bytes
        body = records(piece)[1:]
        assert len(body) == part.rows and body[0][0] == f"C{part.first_row - 1}"
        rows_seen += body
    assert rows_seen == records(data)[1:]
    assert [p.number for p in parts] == list(range(1, len(parts) + 1))


def test_a_row_limit_cuts_parts_by_rows_too():
    parts = plan_parts(rows_csv(95), "a.csv", PartLimits(max_rows=10))
    assert [p.rows for p in parts] == [10] * 9 + [5]
    assert [p.first_row for p in parts][:3] == [1, 11, 21]


def test_the_same_file_and_limits_give_the_same_parts_every_time():
    data = rows_csv(500)
    assert plan_parts(data, "a.csv", PartLimits(3_000)) == plan_parts(bytes(data), "b.csv", PartLimits(3_000))


def test_a_quoted_value_holding_line_breaks_and_delimiters_is_never_cut():
    data = HEADER + b"".join(f'C{n},c{n}@x.co,"Gul Sok.\n{n}, Daire ""3""\r\nKat 2",ISTANBUL\n'.encode()
                             for n in range(200))
    parts = plan_parts(data, "q.csv", PartLimits(max_bytes=700))
    assert len(parts) > 5
    assert sum(p.rows for p in parts) == 200
    for part in parts:
        body = records(part_bytes(data, part))[1:]
        assert len(body) == part.rows and all(len(row) == 4 and row[2].startswith("Gul Sok.\n") for row in body)


def test_a_stray_quote_inside_an_unquoted_value_counts_as_the_csv_module_reads_it():
    data = HEADER + b"".join(f'C{n},c{n}@x.co,{n}" screen,ISTANBUL\n'.encode() for n in range(60))
    ends, _ = record_ends(data)
    assert len(ends) == 61  # the csv module reads a quote inside a value as a character
    parts = plan_parts(data, "s.csv", PartLimits(max_bytes=300))
    assert sum(p.rows for p in parts) == 60 and all(len(records(part_bytes(data, p))) - 1 == p.rows for p in parts)


def test_crlf_line_ends_a_bom_a_missing_last_line_end_and_blank_lines():
    data = b"\xef\xbb\xbfuser,email\r\nC1,a@x.co\r\n\r\nC2,b@x.co\r\nC3,c@x.co"
    parts = plan_parts(data, "w.csv", PartLimits(max_bytes=30))
    assert sum(p.rows for p in parts) == 3  # the blank line is not a row
    assert all(part_bytes(data, p).startswith(b"\xef\xbb\xbfuser,email\r\n") for p in parts)
    assert part_bytes(data, parts[-1]).endswith(b"C3,c@x.co")


def test_a_row_bigger_than_the_part_size_is_refused_with_a_sentence():
    data = HEADER + b"C1,a@x.co," + b"x" * 5_000 + b",ISTANBUL\n" + rows_csv(3)[len(HEADER):]
    with pytest.raises(BadArguments, match=r"Row 1 of big\.csv alone is bigger than the part size"):
        plan_parts(data, "big.csv", PartLimits(max_bytes=2_000))


def test_a_workbook_goes_whole_when_small_and_is_refused_over_the_size_saying_to_write_csv():
    data = (FIXTURES / "addresses_small_text.xlsx").read_bytes()
    [part] = plan_parts(data, "a.xlsx", PartLimits(), rows=79)
    assert part_bytes(data, part) is data and part.rows == 79
    with pytest.raises(BadArguments, match="only CSV files .* can be sent in parts, not XLSX.*convert"):
        plan_parts(data, "a.xlsx", PartLimits(max_bytes=1_000))


def test_utf16_text_is_not_cut():
    data = "user,email\r\nC1,a@x.co\r\n".encode("utf-16")
    with pytest.raises(BadArguments, match="only CSV files"):
        plan_parts(data, "a.csv", PartLimits(max_bytes=10))


def test_part_limits_come_from_the_environment_in_decimal_units():
    assert PartLimits.from_env({}) == PartLimits(10_000_000, None)
    assert PartLimits.from_env({"ADDRMIG_PART_BYTES": "2.5MB", "ADDRMIG_PART_ROWS": "50_000"}) == \
        PartLimits(2_500_000, 50_000)
    assert parse_size("500KB") == 500_000 and parse_size("1234") == 1234
    with pytest.raises(BadArguments, match="ADDRMIG_PART_BYTES='ten'.*1 MB = 1,000,000 bytes"):
        PartLimits.from_env({"ADDRMIG_PART_BYTES": "ten"})


def test_halving_stops_at_a_floor():
    assert PartLimits(10_000_000).halved() == PartLimits(5_000_000)
    assert PartLimits(1_500).halved() is None


# A lone "\r" is left out: the csv module writes it unquoted, and readers disagree on whether it ends a line.
values = st.lists(st.sampled_from(["a", "b", " ", ",", ";", '"', "\n", "\r\n", "\t", "İ", "ş"]), max_size=12).map("".join)


@settings(max_examples=60, deadline=None)
@given(rows=st.lists(st.lists(values, min_size=3, max_size=3), min_size=1, max_size=40),
       size=st.integers(min_value=60, max_value=400), per_part=st.one_of(st.none(), st.integers(1, 7)))
def test_any_csv_the_csv_module_writes_comes_back_whole_from_its_parts(rows, size, per_part):
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["user", "email", "line"])
    writer.writerows(rows)
    data = out.getvalue().encode("utf-8")
    try:
        parts = plan_parts(data, "h.csv", PartLimits(size, per_part))
    except BadArguments:
        return  # one row over the size: said so, nothing cut
    again = []
    for part in parts:
        piece = part_bytes(data, part)
        assert len(piece) <= size or len(parts) == 1
        got = records(piece)[1:]
        assert len(got) == part.rows and (per_part is None or part.rows <= per_part or len(parts) == 1)
        again += got
    expected = [row for row in records(data)[1:] if row]  # blank records are no rows
    assert [row for row in again if row] == expected
