"""Phones and e-mails: the vectorised fast path never disagrees with the libraries."""
from __future__ import annotations

import random

import pandas as pd
import phonenumbers
import pytest
from email_validator import EmailNotValidError, validate_email

from addrmig.contacts import bad_emails, bad_phones, format_phones


def library_phone_ok(text: str) -> bool:
    try:
        return phonenumbers.is_valid_number(phonenumbers.parse(text, "TR"))
    except phonenumbers.NumberParseException:
        return False


def library_email_ok(text: str) -> bool:
    try:
        validate_email(text.strip(), check_deliverability=False)
        return True
    except EmailNotValidError:
        return False


def phone_corpus(n: int = 6000, seed: int = 7) -> list[str]:
    rng = random.Random(seed)
    out = ["05321234567", "5321234567", "+905321234567", "905321234567", "00905321234567", "0532 123 45 67",
           "(0532) 123-45-67", "0532.123.45.67", "02121234567", "0850 222 22 22", "4441234", "444 12 34",
           "+4915112345678", "0049 151 12345678", "0999999999", "12345", "abc", "+90 532 123", "05001234567",
           "0800 211 00 00", "0 (212) 123 45 67", "+90(532)1234567", "532-123-4567", "5321234567 ", " 05321234567",
           "0532123456", "053212345678", "+9005321234567", "++905321234567", "05321234567 dahili 12"]
    for _ in range(n):
        digits = "".join(rng.choice("0123456789") for _ in range(10))
        head = rng.choice(["5", "2", "3", "4", "8", "9", "1", "6", "7", "0"])
        national = head + digits[1:]
        form = rng.choice(["{n}", "0{n}", "+90{n}", "90{n}", "0090{n}", "0{a} {b} {c} {d}", "({a}) {b}-{c}-{d}",
                           "+90 {a} {b} {c}{d}", "{n}{x}", "+{cc}{n}", "0{n}0"])
        out.append(form.format(n=national, a=national[:3], b=national[3:6], c=national[6:8], d=national[8:],
                               x=rng.choice(["", "1", "x"]), cc=rng.choice(["1", "44", "49", "994"])))
    return out


def email_corpus() -> list[str]:
    locals_ = ["ali", "ali.veli", "a", "x+tag", "o'brien", "a..b", ".a", "a.", "şule", "a b", "\"quoted\"",
               "very" * 20, "UPPER", "dash-ed", "under_score", "a!#$%&*/=?^`{|}~", "x" * 64, "x" * 65]
    domains = ["example.com", "gmail.com", "b.c", "sub.domain.com.tr", "localhost", "site.test", "x.local",
               "münchen.de", "xn--bcher-kva.ch", "-bad.com", "bad-.com", "a.b-c.org", "123.com", "a.123",
               "domain", "d.c0m", "example.invalid", ("l" * 64) + ".com", "ok.co", "ex ample.com", "a.onion",
               "site.TEST", "x.LocalHost", "c.arpa", "b.xlocal", "onion.com"]
    corpus = [f"{local}@{domain}" for local in locals_ for domain in domains]
    return corpus + ["", " ", "no-at-sign", "two@@signs.com", "@x.com", "x@", " ali@example.com ", "a@b@c.com"]


@pytest.mark.parametrize("values", [phone_corpus()], ids=["phones"])
def test_fast_phone_check_agrees_with_libphonenumber_on_every_value(values):
    got = bad_phones(pd.Series(values, dtype="str"))
    for text, bad in zip(values, got):
        expected = text.strip() != "" and not library_phone_ok(text)
        assert bad == expected, text


def test_fast_email_check_agrees_with_email_validator_on_every_value():
    values = email_corpus()
    got = bad_emails(pd.Series(values, dtype="str"))
    for text, bad in zip(values, got):
        expected = text.strip() != "" and not library_email_ok(text)
        assert bad == expected, text


@pytest.mark.parametrize("style, expected", [
    ("national", ["05321234567", "05321234567", "02121234567", "+4915112345678", "not a phone", "", "4441234"]),
    ("bare", ["5321234567", "5321234567", "2121234567", "+4915112345678", "not a phone", "", "4441234"]),
    ("e164", ["+905321234567", "+905321234567", "+902121234567", "+4915112345678", "not a phone", "", "+904441234"]),
])
def test_phones_are_written_in_the_shop_form_and_the_rest_is_left_as_written(style, expected):
    values = pd.Series(["0532 123 45 67", "+90 (532) 123-45-67", "212 123 45 67", "+49 151 12345678",
                        "not a phone", "", "444 12 34"], dtype="str", index=[2, 3, 4, 5, 6, 7, 8])
    written = format_phones(values, style)
    assert list(written) == expected and list(written.index) == list(values.index)


def test_every_written_form_of_a_valid_number_is_still_valid_and_the_same_number():
    values = pd.Series([v for v in phone_corpus(800, seed=3) if library_phone_ok(v)], dtype="str")
    for style in ("national", "bare", "e164"):
        written = format_phones(values, style)
        assert not bad_phones(written).any(), style
        for before, after in zip(values, written):
            assert phonenumbers.parse(before, "TR") == phonenumbers.parse(after, "TR"), (before, after, style)


def test_the_workspace_writes_phones_in_the_shop_form_and_undo_gives_them_back():
    from addrmig.pipeline import load
    from addrmig.workspace import Workspace

    data = ("user,email,phone_number,first_name,last_name,line,country,city,township\n"
            "U1,a@b.co,0532 123 45 67,A,B,L,Türkiye,İzmir,Buca\nU2,c@d.co,12,C,D,L,Türkiye,İzmir,Buca\n").encode()
    ws = Workspace()
    ws.set_loaded("p.csv", data, load(data, "p.csv"))
    edit = ws.write_phones("e164")
    assert list(ws.frame["phone_number"]) == ["+905321234567", "12"] and len(edit.changes) == 1
    ws.undo()
    assert list(ws.frame["phone_number"]) == ["0532 123 45 67", "12"]


def test_fix_writes_phones_in_the_form_asked_for(tmp_path):
    from addrmig.cli import main

    source = tmp_path / "in.csv"
    source.write_text("user,email,phone_number,first_name,last_name,line,country,city,township\n"
                      "U1,a@b.co,+90 532 123 45 67,A,B,L,Türkiye,İzmir,Buca\n", encoding="utf-8")
    out = tmp_path / "out.csv"
    main(["fix", str(source), "-o", str(out), "--phone-format", "bare"])
    assert "5321234567" in out.read_text(encoding="utf-8")


def test_national_digits_are_those_the_shape_pattern_reads():
    """The national digits are found without a regex pass over the values; they are exactly
    what the documented shape (an optional +90, 0090, 90 or 0, then 10 digits) extracts."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    from addrmig.contacts import _SEPARATORS, _TR_SHAPE, _tr_national_numbers

    rng = np.random.default_rng(11)
    values = phone_corpus() + ["".join(rng.choice(list("0123456789+ 9٠ş"), rng.integers(0, 16))) for _ in range(5000)]
    arrow = pa.chunked_array([pa.array(values)])
    compact = pc.replace_substring_regex(pc.utf8_trim_whitespace(arrow), _SEPARATORS, "")
    expected = pc.struct_field(pc.extract_regex(compact, _TR_SHAPE), [1]).to_pylist()
    national, _, _ = _tr_national_numbers(arrow)
    assert national.to_pylist() == expected
    assert sum(v is not None for v in expected) > 100 and sum(v is None for v in expected) > 100
