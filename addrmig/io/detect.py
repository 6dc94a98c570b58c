"""What a file is, from its bytes: container format (zip workbook, OLE workbook or
text), text encoding, whether text is JSON or delimited, and the delimiter.

Encodings: strict UTF-8 first (fast, and certain when it succeeds), BOMs, UTF-16
without a BOM, then a single-byte legacy code page guessed by charset-normalizer
(Turkish first); a UTF-8 file with some lines pasted in from an older program is
decoded line by line.
"""
from __future__ import annotations

import codecs
import csv
import functools
import io
import re
import unicodedata
import zipfile

from addrmig.errors import BadArguments, UnreadableFile
from addrmig.i18n import N_, _
from addrmig.io.table import SHEET_FORMATS, Reading

DELIMITERS = (",", ";", "\t", "|")
#: How much of a text file is looked at to detect delimiter and header row.
SAMPLE_BYTES = 256 * 1024
#: A text file this large whose first megabyte is UTF-8 is handed to the parser unchecked.
_TRUST_BYTES = 1024 * 1024

_ZIP_MAGIC = b"PK\x03\x04"
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_KNOWN_BINARY = (
    (b"\x89PNG\r\n\x1a\n", N_("a PNG image")), (b"\xff\xd8\xff", N_("a JPEG image")), (b"GIF8", N_("a GIF image")),
    (b"%PDF", N_("a PDF document")), (b"\x1f\x8b", N_("a gzip archive")), (b"Rar!", N_("a RAR archive")),
    (b"7z\xbc\xaf\x27\x1c", N_("a 7-Zip archive")), (b"PK\x05\x06", N_("an empty zip archive")),
)
_UTF8_SEQUENCE = re.compile(rb"[\xc2-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}|[\xf0-\xf4][\x80-\xbf]{3}")
_HIGH_BYTE = re.compile(rb"[\x80-\xff]")


# ----------------------------------------------------------------- container


def sniff(data: bytes, reading: Reading) -> str:
    """The container format from the first bytes: xlsx/ods (zip), xls (OLE) or text."""
    ext, label = reading.extension, reading.label
    if data.startswith(_ZIP_MAGIC):
        return _zip_kind(data, label)
    if data.startswith(_OLE_MAGIC):
        _check_not_encrypted(data, label)
        return "xls"
    if _BIFF_BOF.match(data):
        return "xls"  # Excel 2.x-4.0 (BIFF2-4): a bare stream of records, no OLE container
    for magic, what in _KNOWN_BINARY:
        if data.startswith(magic):
            raise UnreadableFile(_("{label} is {what}, not a spreadsheet or text table. Export the addresses as CSV, XLSX, "
                                   "XLS, ODS or JSON and try again.").format(label=label, what=_(what)))
    if ext in SHEET_FORMATS and (b"\x00" in data[:4096] or data.lstrip()[:1] == b"<"):
        what = _("a web page (HTML), not a workbook") if data.lstrip()[:1] == b"<" else \
            _("not a valid .{ext} workbook").format(ext=ext)
        raise UnreadableFile(_("{label} is {what} (it does not start like one; it may be damaged or renamed). Open it in"
                               " Excel or LibreOffice, save it again as .xlsx or as CSV, and try again.").format(
                                   label=label, what=what))
    return "text"  # a text table named .xls is common (old exports write TSV or CSV so): read it as text


def _zip_kind(data: bytes, label: str) -> str:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = set(archive.namelist())
            if "META-INF/manifest.xml" in names:
                with archive.open("META-INF/manifest.xml") as member:
                    if b"encryption-data" in member.read(1024 * 1024):
                        raise UnreadableFile(_("{label} is password-protected (encrypted), so it cannot be read. Open it in LibreOffice "
                                               "with its password, save a copy without a password (or export CSV), and try again.").format(label=label))
            if "mimetype" in names:
                mimetype = archive.read("mimetype")[:100]
                if b"opendocument.spreadsheet" in mimetype:
                    return "ods"
            if "xl/workbook.xml" in names or "xl/workbook.bin" in names:
                if "xl/workbook.bin" in names and "xl/workbook.xml" not in names:
                    raise UnreadableFile(_("{label} is an XLSB (binary Excel) workbook, which addrmig does not read. Save it as .xlsx "
                                           "or CSV and try again.").format(label=label))
                return "xlsx"
            if "content.xml" in names:
                return "ods"
            if _declares_workbook(archive, names):
                return "xlsx"  # parts at other paths (a workbook not under xl/, or backslashes)
    except (zipfile.BadZipFile, EOFError, OSError, ValueError, NotImplementedError) as error:
        raise UnreadableFile(_("{label} is a damaged or truncated workbook ({error}). Download or export it again, or open"
                               " it in Excel/LibreOffice and save it again, then retry.").format(label=label, error=error)) from None
    raise UnreadableFile(_("{label} is a zip archive but not an Excel or OpenDocument workbook. Unpack it, or export "
                           "the addresses as CSV or XLSX, and try again.").format(label=label))


_BIFF_BOF = re.compile(rb"[\x09][\x00\x02\x04\x08][\x04\x06\x08\x10]\x00")


def _declares_workbook(archive: zipfile.ZipFile, names: set[str]) -> bool:
    """Whether the package's content types name a SpreadsheetML workbook part, wherever it is."""
    types = next((n for n in names if n.replace("\\", "/").lower() == "[content_types].xml"), None)
    if types is None:
        return any(n.replace("\\", "/").lower().endswith("workbook.xml") for n in names)
    with archive.open(types) as member:
        return b"spreadsheetml.sheet.main" in member.read(256 * 1024)


def _check_not_encrypted(data: bytes, label: str) -> None:
    """Refuse a password-protected Office file (an encrypted XLSX is an OLE file too) with that reason."""
    import msoffcrypto

    try:
        encrypted = msoffcrypto.OfficeFile(io.BytesIO(data)).is_encrypted()
    except Exception:  # noqa: BLE001 - not an Office file msoffcrypto knows: the reader will say
        return
    if encrypted:
        raise UnreadableFile(_("{label} is password-protected (encrypted), so it cannot be read. Open it in Excel or "
                               "LibreOffice with its password, save a copy without a password (or export CSV), and try "
                               "again.").format(label=label))


# ----------------------------------------------------------------- text decoding


def to_utf8(data: bytes, reading: Reading, trust_start: bool = False) -> tuple[bytes, str, bool]:
    """(the text as UTF-8 bytes, the encoding it was in, whether every byte was checked).

    Strict UTF-8 is tried first: it is fast and, when it succeeds, certain. With
    ``trust_start`` a file whose first megabyte is UTF-8 is passed on unchecked:
    the parser decodes it anyway and a UnicodeDecodeError sends it back here.
    Other encodings are decoded exactly once and re-encoded for the C parser. A
    UTF-8 BOM may remain; pandas drops it. Uses ``reading.encoding`` when it is set;
    what was detected goes to ``reading.notes``.
    """
    encoding, label, notes = reading.encoding, reading.label, reading.notes
    if encoding:
        try:
            codecs.lookup(encoding)
        except LookupError:
            raise BadArguments(_("Unknown encoding {encoding}; try utf-8, cp1254, iso-8859-9 or utf-16.").format(encoding=repr(encoding))) from None
        if codecs.lookup(encoding).name == "utf-8" and not data.startswith(codecs.BOM_UTF8):
            _check_utf8(data, label, encoding)
            return data, "utf-8", True
        return _decode(data, encoding, label).encode("utf-8"), encoding, True
    if data.startswith(codecs.BOM_UTF8):
        _check_utf8(data, label, "utf-8-sig")
        return data, "utf-8-sig", True
    if data.startswith((codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE)) and len(data) % 4 == 0:
        return _decode(data, "utf-32", label).encode("utf-8"), "utf-32", True
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return _decode(data, "utf-16", label).encode("utf-8"), "utf-16", True
    guessed = _bomless_utf16(data)
    if guessed:
        notes.append(_("The file is {encoding} without a byte-order mark.").format(encoding=guessed.upper()))
        return _decode(data, guessed, label).encode("utf-8"), guessed, True
    _check_binary(data, label)
    if trust_start and len(data) > _TRUST_BYTES:
        try:
            codecs.getincrementaldecoder("utf-8")("strict").decode(data[:_TRUST_BYTES], final=False)
        except UnicodeDecodeError:
            pass
        else:
            return data, "utf-8", False
    bad = _first_bad_utf8(data)
    if bad is None:
        return data, "utf-8", True
    if _mostly_utf8(data):
        # Valid UTF-8 letters outnumber the stray bytes: the file is UTF-8 with some lines
        # pasted in from an older program. Decode those bytes alone rather than mangle the rest.
        return _decode_mixed(data, label, notes), "utf-8", True
    text, legacy, others = decode_legacy(data, label, notes)
    reading.encodings[:] = others
    return text, legacy, True


def _check_utf8(data: bytes, label: str, encoding: str) -> None:
    bad = _first_bad_utf8(data)
    if bad is not None:
        line = data.count(b"\n", 0, bad) + 1
        raise UnreadableFile(_("{label} is not valid {encoding}: line {line} has bytes that are not UTF-8. Try again "
                               "without choosing an encoding, or choose cp1254 (Turkish Windows).").format(label=label, encoding=encoding, line=line))


def _first_bad_utf8(data: bytes) -> int | None:
    """Byte offset of the first invalid UTF-8 sequence, or None; validates in chunks to keep memory flat."""
    decoder = codecs.getincrementaldecoder("utf-8")("strict")
    step = 4 * 1024 * 1024
    view = memoryview(data)
    for start in range(0, len(data), step):
        pending = len(decoder.getstate()[0])  # bytes of a character split across chunks
        try:
            decoder.decode(view[start:start + step], final=start + step >= len(data))
        except UnicodeDecodeError as error:
            return start - pending + error.start
    return None


def _mostly_utf8(data: bytes) -> bool:
    """Whether most non-ASCII bytes form valid UTF-8 letters (a few multi-byte letters that a
    legacy file's byte pairs happen to make do not count)."""
    sample = data[:SAMPLE_BYTES * 16]
    high = len(_HIGH_BYTE.findall(sample))
    in_utf8 = sum(len(m) for m in _UTF8_SEQUENCE.findall(sample))
    return in_utf8 * 4 > high


def _bomless_utf16(data: bytes) -> str | None:
    """'utf-16-le'/'utf-16-be' when the start looks like UTF-16 text without BOM (every other byte NUL)."""
    head = data[:4096]
    if len(head) < 8 or len(head) % 2:
        head = head[:len(head) - len(head) % 2]
    if len(head) < 8:
        return None
    even, odd = head[0::2], head[1::2]
    if odd.count(0) > 0.9 * len(odd) and even.count(0) < 0.1 * len(even):
        return "utf-16-le"
    if even.count(0) > 0.9 * len(even) and odd.count(0) < 0.1 * len(odd):
        return "utf-16-be"
    return None


def _check_binary(data: bytes, label: str) -> None:
    """Refuse bytes that are not text at all: text never holds NUL, binary files nearly always do."""
    nul = data.find(b"\x00")
    if nul >= 0:
        line = data.count(b"\n", 0, nul) + 1
        raise UnreadableFile(_("{label} contains NUL bytes (first on line {line}), so it is not a text table: it may be a "
                               "binary file with the wrong name or a damaged export. Export the addresses again as CSV "
                               "(UTF-8) or XLSX and try again.").format(label=label, line=line))


#: Legacy encodings tried for a file that is not UTF-8, in the order preferred when the text
#: reads equally well in several: Turkish first (these are Turkish merchants' exports), then
#: the code pages by how widely they are used; multi-byte East Asian ones last.
LEGACY_CANDIDATES = ("cp1254", "cp1252", "iso8859_9", "iso8859_15", "cp1250", "iso8859_2", "cp1251", "koi8_r",
                     "cp1253", "iso8859_7", "cp1257", "cp1256", "cp1255", "cp857", "cp850", "mac_roman",
                     "big5", "gb18030", "shift_jis", "euc_kr")
#: Two readings scoring within this much of each other are a close call.
_CLOSE = 0.05
#: A multi-byte East Asian reading is considered only for text where high bytes come in pairs.
_MULTI_BYTE = frozenset({"big5", "gb18030", "shift_jis", "euc_kr"})


def rank_legacy(data: bytes) -> list[str]:
    """The legacy encodings the bytes may be in, best first, judged on a sample of the lines
    holding non-ASCII bytes. Each reading is scored by whether its non-ASCII characters form
    words (``_word_score``); readings that score alike are ordered as ``LEGACY_CANDIDATES``,
    and readings giving exactly the same text count once."""
    lines = [line for line in data[:4 * SAMPLE_BYTES].splitlines() if any(b >= 0x80 for b in line)]
    sample = b"\n".join(lines[:2000]) or data[:SAMPLE_BYTES]
    paired = len(re.findall(rb"[\x80-\xff]{2}", sample)) * 2 >= 0.5 * len(_HIGH_BYTE.findall(sample))
    scored: list[tuple[float, int, str]] = []
    seen: set[str] = set()
    for position, name in enumerate(LEGACY_CANDIDATES):
        if name in _MULTI_BYTE and not paired:
            continue
        try:
            text = sample.decode(name)
        except UnicodeDecodeError:
            continue
        if text in seen:
            continue
        seen.add(text)
        scored.append((_word_score(text), position, name))
    if not scored:
        return list(LEGACY_CANDIDATES)
    best = max(score for score, _, _ in scored)
    ranked = sorted(scored, key=lambda item: (item[0] < best - _CLOSE / 2, -round(item[0], 2), item[1]))
    return [name for _, _, name in ranked]


def close_calls(data: bytes, ranked: list[str]) -> list[str]:
    """The encodings after the first of ``ranked`` whose reading scores nearly as well."""
    lines = [line for line in data[:4 * SAMPLE_BYTES].splitlines() if any(b >= 0x80 for b in line)]
    sample = b"\n".join(lines[:2000])
    scores = {}
    for name in ranked[:4]:
        try:
            scores[name] = _word_score(sample.decode(name))
        except UnicodeDecodeError:
            continue
    if not scores:
        return []
    top = max(scores.values())
    return [n for n in ranked[1:4] if n in scores and scores[n] >= top - _CLOSE]


def _script(char: str) -> str:
    """The first word of the character's Unicode name: LATIN, GREEK, CYRILLIC, CJK …"""
    return unicodedata.name(char, "UNKNOWN").split(" ", 1)[0]


@functools.lru_cache(maxsize=1)
def _letter_weights() -> dict[str, float]:
    """Letter -> how common it is in the language where it is most common (0-1), from
    charset-normalizer's table of the most frequent letters of 40 languages."""
    from charset_normalizer.constant import FREQUENCIES

    weights: dict[str, float] = {}
    for letters in FREQUENCIES.values():
        for rank, letter in enumerate(letters):
            weights[letter] = max(weights.get(letter, 0.0), 1 - rank / len(letters))
    return weights


def _word_score(text: str, limit: int = 20000) -> float:
    """How well the non-ASCII characters of ``text`` form words, on average per character
    (at most 1): a letter counts for when it sits in a word of its own script, more the
    more common it is in some language; against when a word mixes scripts, when an
    upper-case letter follows a lower-case one, when accented Latin letters pile up, when a
    symbol sits between letters, or when it is a control character."""
    weights = _letter_weights()
    total, count = 0.0, 0
    length = len(text)
    for index, char in enumerate(text):
        if char < "\x80":
            continue
        count += 1
        if count > limit:
            break
        before = text[index - 1] if index else " "
        after = text[index + 1] if index + 1 < length else " "
        category = unicodedata.category(char)
        if category == "Cc":
            total -= 3
        elif category[0] != "L":
            total += -2 if before.isalpha() and after.isalpha() else 0.75
        else:
            script = _script(char)
            neighbours = [c for c in (before, after) if c.isalpha()]
            if any(_script(c) != script and "CJK" not in (script, _script(c)) for c in neighbours):
                total -= 2
            elif char.isupper() and before.isalpha() and before.islower() or script == "LATIN" and all(c >= "\x80" and c.isalpha() for c in (before, after)):
                total -= 1
            elif not neighbours:
                total += 0.25
            else:
                total += 0.5 + 0.5 * weights.get(char.lower(), 0.0)
    return total / count if count else 0.0


def decode_legacy(data: bytes, label: str, notes: list[str]) -> tuple[bytes, str, list[str]]:
    """(UTF-8 bytes, the encoding used, the other encodings worth offering): the first of
    ``rank_legacy``'s candidates that decodes the whole file."""
    ranked = rank_legacy(data)
    for position, name in enumerate(ranked):
        try:
            text = data.decode(name)
        except UnicodeDecodeError:
            continue  # the sample read well, a later line does not: the next candidate
        others = [_show_encoding(n) for n in close_calls(data, ranked[position:])]
        shown = _show_encoding(name)
        if others:
            notes.append(_("The file is not UTF-8; read it as {shown}. It might also be {others}: if letters look "
                           "wrong, choose one of those as the encoding.").format(shown=shown, others=', '.join(others)))
        else:
            notes.append(_("The file is not UTF-8; read it as {shown}.").format(shown=shown))
        return text.encode("utf-8"), _show_encoding(name), others
    raise UnreadableFile(_("{label} is neither UTF-8 nor in any single-byte code page addrmig knows. Save it as CSV "
                           "UTF-8 and try again, or choose its encoding.").format(label=label))


def _show_encoding(name: str) -> str:
    """Python's codec name as people write it (iso8859_9 -> iso-8859-9)."""
    return name.replace("iso8859_", "iso-8859-").replace("_", "-")


def _decode(data: bytes, encoding: str, label: str) -> str:
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        raise UnreadableFile(_("{label} cannot be read as {encoding}: line {line} has bytes that do not belong to it. "
                               "Choose the file's real encoding (utf-8, cp1254, utf-16) and try again.").format(label=label, encoding=encoding, line=line)) from None


def _decode_mixed(data: bytes, label: str, notes: list[str]) -> bytes:
    """UTF-8 bytes of a file that is UTF-8 except for some bytes in a legacy encoding.

    One decode: valid UTF-8 stays as it is, and only the bytes that are not
    UTF-8 are read in the legacy encoding guessed from the lines holding them.
    """
    legacy = rank_legacy(_UTF8_SEQUENCE.sub(b"", b"\n".join(_bad_lines(data))))[0]
    positions: list[int] = []

    def fallback(error: UnicodeDecodeError) -> tuple[str, int]:
        positions.append(error.start)
        return error.object[error.start:error.end].decode(legacy, errors="replace"), error.end

    name = f"addrmig-legacy-{id(fallback)}"
    codecs.register_error(name, fallback)
    text = data.decode("utf-8", errors=name)
    lines = sorted({data.count(b"\n", 0, p) + 1 for p in positions[:1000]})
    shown = ", ".join(str(n) for n in lines[:10]) + (" …" if len(lines) > 10 else "")
    many = len(lines) > 1
    notes.append((_("Lines {lines} had letters that are not UTF-8 like the rest of the file; read those letters as "
                    "{legacy}. Check those rows.") if many else
                  _("Line {lines} had letters that are not UTF-8 like the rest of the file; read those letters as "
                    "{legacy}. Check that row.")).format(lines=shown, legacy=legacy))
    return text.encode("utf-8")


def _bad_lines(data: bytes, limit: int = 2000) -> list[bytes]:
    """Up to ``limit`` lines that are not valid UTF-8, from a chunked scan."""
    bad: list[bytes] = []
    for line in data.split(b"\n") if len(data) < 64 * 1024 * 1024 else data[:64 * 1024 * 1024].split(b"\n"):
        try:
            line.decode("utf-8")
        except UnicodeDecodeError:
            bad.append(line)
            if len(bad) >= limit:
                break
    return bad


def text_kind(data: bytes, ext: str) -> str:
    if ext in ("json", "ndjson", "jsonl"):
        return "ndjson" if ext in ("ndjson", "jsonl") else "json"
    head = data[:64].lstrip(b"\xef\xbb\xbf \t\r\n")
    if head.startswith(b"[") or (head.startswith(b"{") and b'"' in head[:3]):
        return "json"
    return "tsv" if ext == "tsv" else "csv"


# ----------------------------------------------------------------- delimiter


def sample_text(data: bytes) -> str:
    """The start of the (UTF-8) text, cut at a character boundary."""
    decoder = codecs.getincrementaldecoder("utf-8")("replace")
    return decoder.decode(data[:SAMPLE_BYTES], final=len(data) <= SAMPLE_BYTES).lstrip("\ufeff")


def sample_records(sample: str, delimiter: str, limit: int = 200) -> list[list[str]]:
    """The first records of the sample, parsed the way the C engine will parse them."""
    # the sample's last line may be cut short; drop it unless it is all there is
    complete = sample if sample.endswith("\n") or "\n" not in sample else sample.rsplit("\n", 1)[0]
    reader = csv.reader(io.StringIO(complete, newline=""), delimiter=delimiter, quotechar='"',
                        doublequote=True, strict=False)
    records: list[list[str]] = []
    try:
        for record in reader:
            records.append(record)
            if len(records) >= limit:
                break
    except csv.Error:
        pass
    return records


def sniff_delimiter(sample: str, fmt: str) -> str:
    """The delimiter that splits the sample's records into the same number (>1) of fields."""
    best, best_key = ("\t" if fmt == "tsv" else ","), (0.0, 0, 0)
    for candidate in DELIMITERS:
        if candidate not in sample:
            continue
        records = [r for r in sample_records(sample, candidate, limit=50) if r]
        if not records:
            continue
        counts = [len(r) for r in records]
        mode = max(set(counts), key=counts.count)
        if mode < 2:
            continue
        agreement = counts.count(mode) / len(counts)
        # the header row agreeing counts most: title rows above it are often shorter
        key = (round(agreement, 2), int(candidate == ("\t" if fmt == "tsv" else ",")), mode)
        if key > best_key:
            best, best_key = candidate, key
    return best


def show_delimiter(delimiter: str | None) -> str:
    return {"\t": "tab", ",": "','", ";": "';'", "|": "'|'"}.get(delimiter or "", repr(delimiter))
