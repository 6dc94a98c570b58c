"""Phone numbers and e-mail addresses, judged by the libraries made for them.

- Phones: Google's libphonenumber (``phonenumbers``) with Türkiye as the default country.
- E-mails: ``email-validator`` (syntax only; no DNS look-ups).

A million rows cannot each go through a Python library call, so the common clean case is
answered by an Arrow regex that only ever says *valid* where the library would too:

- a Turkish phone written as ``5XXXXXXXXX``, ``05XXXXXXXXX``, ``905XXXXXXXXX``,
  ``+905XXXXXXXXX`` or ``00905XXXXXXXXX`` (spaces, dots, dashes and parentheses
  allowed) whose 10 national digits match libphonenumber's own patterns for Türkiye
  (read from its metadata at import, so they follow the library's updates);
- an e-mail whose local part is a plain dot-atom and whose domain is plain ASCII labels
  ending in a letter TLD that is not a special-use name.

Everything else — every value the fast path does not accept — is decided by the library,
once per distinct value. ``tests/test_contacts.py`` holds the two paths equal.
"""
from __future__ import annotations

from functools import lru_cache

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from addrmig.fields import PHONE_FORMATS

DEFAULT_REGION = "TR"
_SEPARATORS = r"[ .()\-]"
# Optional country code (+90, 0090, 90) or national prefix (0), then the 10 national digits.
_TR_SHAPE = r"^(?P<prefix>\+90|0090|90|0)?(?P<national>[0-9]{10})$"
_TR_PREFIXES = ["+90", "0090", "90", "0", ""]


@lru_cache(maxsize=1)
def _tr_national_pattern() -> str:
    """libphonenumber's patterns for valid 10-digit Turkish national numbers, as one regex."""
    from phonenumbers import PhoneMetadata

    metadata = PhoneMetadata.metadata_for_region(DEFAULT_REGION)
    kinds = ("fixed_line", "mobile", "toll_free", "premium_rate", "shared_cost", "personal_number", "voip",
             "pager", "uan", "voicemail")
    patterns = [desc.national_number_pattern for desc in (getattr(metadata, kind) for kind in kinds)
                if desc is not None and desc.national_number_pattern and 10 in (desc.possible_length or ())]
    return "^(?:" + "|".join(f"(?:{p})" for p in patterns) + ")$"


def _as_arrow(values: pd.Series | pa.ChunkedArray | pa.Array) -> pa.ChunkedArray:
    if isinstance(values, pa.ChunkedArray):
        return values
    if isinstance(values, pa.Array):
        return pa.chunked_array([values])
    return pa.chunked_array([pa.array(values.astype("str"), from_pandas=True)])


def _np(array: pa.ChunkedArray | pa.Array) -> np.ndarray:
    return np.asarray(array.to_numpy(zero_copy_only=False))


def _tr_national_numbers(values: pa.ChunkedArray) -> tuple[pa.ChunkedArray, np.ndarray, np.ndarray]:
    """Per value: the 10 national digits (or null), whether they are a valid Turkish number,
    and whether they are certainly not one.

    libphonenumber reads ``+90``/``0090`` + 10 digits, ``0`` + 10 digits and 10 plain digits
    as exactly those 10 national digits, so its verdict is the pattern's. Where the digits
    start with 0 or 90, or the number starts 90 without a plus, it may read an international
    prefix or a country code instead: those it decides itself."""
    compact = pc.replace_substring_regex(pc.utf8_trim_whitespace(values), _SEPARATORS, "")
    # _TR_SHAPE without a regex pass (half the time on a million values): its national part is the
    # last 10 characters, all digits, and its prefix all before them, one of the prefixes.
    national, prefix = pc.utf8_slice_codeunits(compact, -10), pc.utf8_slice_codeunits(compact, 0, -10)
    shape = pc.fill_null(pc.and_(pc.and_(pc.equal(pc.utf8_length(compact), pc.add(pc.utf8_length(prefix), 10)),
                                         pc.ascii_is_decimal(national)),
                                 pc.is_in(prefix, pa.array(_TR_PREFIXES))), False)
    prefix = pc.if_else(shape, prefix, pa.scalar(None, prefix.type))
    national = pc.if_else(shape, national, pa.scalar(None, national.type))
    valid = _np(pc.fill_null(pc.match_substring_regex(national, _tr_national_pattern()), False))
    shaped = _np(pc.is_valid(national))
    plain = _np(pc.fill_null(pc.is_in(prefix, pa.array(["+90", "0090", "0", ""])), False))
    # Digits starting 0 after a 0 read as the international prefix 00; starting 90, as a country code.
    ambiguous = _np(pc.fill_null(pc.match_substring_regex(national, "^(?:0|90)"), False))
    invalid = shaped & ~valid & plain & ~ambiguous
    return national, valid, invalid


def _blank(values: pa.ChunkedArray) -> np.ndarray:
    return _np(pc.equal(pc.utf8_trim_whitespace(values), ""))


def _per_distinct(values: pa.ChunkedArray, positions: np.ndarray, decide) -> list:
    """``decide(text)`` once per distinct value among ``positions``, spread back to them."""
    texts = values.take(pa.array(positions)).to_pylist()
    answers: dict[str, object] = {}
    return [answers[t] if t in answers else answers.setdefault(t, decide(t)) for t in texts]


# ---------------------------------------------------------------- phones
def _library_phone(text: str):
    """The parsed number when libphonenumber finds a valid one in ``text``, else None."""
    import phonenumbers

    try:
        number = phonenumbers.parse(text, DEFAULT_REGION)
    except phonenumbers.NumberParseException:
        return None
    return number if phonenumbers.is_valid_number(number) else None


def bad_phones(values: pd.Series | pa.ChunkedArray) -> np.ndarray:
    """Per value: True when it is given (not blank) and libphonenumber finds no valid number
    in it (Türkiye as the default country)."""
    values = _as_arrow(values)
    _, valid, invalid = _tr_national_numbers(values)
    undecided = np.flatnonzero(~valid & ~invalid & ~_blank(values))
    bad = invalid.copy()
    if len(undecided):
        bad[undecided] = [number is None for number in _per_distinct(values, undecided, _library_phone)]
    return bad


def format_phones(values: pd.Series, style: str) -> pd.Series:
    """``values`` with every valid phone number written in ``style`` (a key of
    :data:`PHONE_FORMATS`); blank and invalid values are left exactly as written. A number of
    another country is written in E.164 (``+49…``) whatever the style: its national form
    would read as a Turkish one."""
    if style not in PHONE_FORMATS:
        raise ValueError(f"unknown phone style {style!r}; choose one of {', '.join(PHONE_FORMATS)}")
    import phonenumbers

    arrow = _as_arrow(values)
    national, valid, invalid = _tr_national_numbers(arrow)
    prefix = {"national": "0", "bare": "", "e164": "+90"}[style]
    fast = _np(pc.fill_null(pc.binary_join_element_wise(pa.scalar(prefix, national.type), national,
                                                         pa.scalar("", national.type)), ""))
    out = np.asarray(values.to_numpy(dtype=object), dtype=object).copy()
    out[valid] = fast[valid]
    undecided = np.flatnonzero(~valid & ~invalid & ~_blank(arrow))

    def written(text: str) -> str | None:
        number = _library_phone(text)
        if number is None:
            return None
        if number.country_code != 90 or style == "e164":
            return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
        digits = "".join(ch for ch in phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)
                         if ch.isdigit())
        return digits if style == "national" else digits.lstrip("0")

    if len(undecided):
        for position, new in zip(undecided, _per_distinct(arrow, undecided, written)):
            if new is not None:
                out[position] = new
    return pd.Series(out, index=values.index, dtype=values.dtype)


# ---------------------------------------------------------------- e-mails
_ATEXT = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]"
_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
#: The plain case the library always accepts: a dot-atom local part of at most 64 characters,
#: ASCII labels (no "xn--" punycode, checked by the library), a letter TLD.
FAST_EMAIL = (rf"^{_ATEXT}+(?:\.{_ATEXT}+)*@(?:{_LABEL}\.)+[A-Za-z]{{2,63}}$")


@lru_cache(maxsize=1)
def _special_use_tlds() -> tuple[str, ...]:
    import email_validator

    return tuple(email_validator.SPECIAL_USE_DOMAIN_NAMES)


def _library_email_ok(text: str) -> bool:
    from email_validator import EmailNotValidError, validate_email

    try:
        validate_email(text, check_deliverability=False)
    except EmailNotValidError:
        return False
    return True


@lru_cache(maxsize=1)
def _special_use_ending() -> str | None:
    """A pattern for a value whose last label is a special-use name the library refuses
    ("x@y.test"), any case; None when there is none."""
    names = [name for name in _special_use_tlds() if name.isascii() and name.isalpha() and name.islower()]
    return r"(?i)\.(?:" + "|".join(names) + r")$" if names else None


def bad_emails(values: pd.Series | pa.ChunkedArray) -> np.ndarray:
    """Per value: True when it is given (not blank) and is not an e-mail address by
    email-validator's syntax rules (surrounding spaces aside: trimming fixes those)."""
    values = pc.utf8_trim_whitespace(_as_arrow(values))
    lengths = pc.utf8_length(values)
    fast = _np(pc.match_substring_regex(values, FAST_EMAIL))
    fast &= _np(pc.less_equal(lengths, 254))
    # A local part over 64 characters. Where FAST_EMAIL matched, the local part is ASCII: its
    # "@" is as many bytes in as characters (a search, not a second regex pass).
    fast &= ~_np(pc.greater(pc.find_substring(values, "@"), 64))
    fast &= ~_np(pc.match_substring_regex(values, r"@(?:[^@]*\.)?[^.@]{2}--"))  # punycode and the like
    special = _special_use_ending()
    if special is not None:
        fast &= ~_np(pc.match_substring_regex(values, special))
    undecided = np.flatnonzero(~fast & ~_np(pc.equal(lengths, 0)))  # not blank: the values are trimmed
    bad = np.zeros(len(values), dtype=bool)
    if len(undecided):
        bad[undecided] = [not ok for ok in _per_distinct(values, undecided, _library_email_ok)]
    return bad
