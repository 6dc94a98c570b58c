"""Every sheet of an XLS or ODS workbook, parsed by calamine in a process of its own.

``addrmig.io.workbook`` runs this file as ``python -I sheet_child.py MEMORY MAX_ROWS
MAX_COLUMNS MAX_CELLS`` with the workbook on stdin. A crafted workbook can make calamine
abort the whole process (a Rust allocation failure cannot be caught); here that ends
only this process, whose address space is capped at MEMORY bytes.

The answer on stdout is a pickle of plain values: ``{"sheets": [(name, rows), ...]}``,
``{"limit": (limit name, found, sheet)}`` for a sheet over a limit, or
``{"error": (exception type, message)}``. The file imports nothing from addrmig: isolated
mode (-I) keeps the folder it sits in off the import path.

xlrd steps in for XLS where calamine falls short: a workbook calamine cannot read (Excel
2.x-4.0, BIFF2-4), and one whose text calamine misreads (UTF-16 text read as single bytes,
which puts a NUL after every letter: ``T\\x00i\\x00t…``). The error cells (``#N/A``…), which
calamine reads as empty, are read from the workbook's records when it has any.
"""
import io
import pickle
import re
import resource
import struct
import sys

#: Excel's error codes (BIFF BoolErr and cached formula results) and the text it shows.
ERRORS = {0x00: "#NULL!", 0x07: "#DIV/0!", 0x0F: "#VALUE!", 0x17: "#REF!", 0x1D: "#NAME?", 0x24: "#NUM!",
          0x2A: "#N/A", 0x2B: "#GETTING_DATA"}
_CODE = rb"[\x00\x07\x0f\x17\x1d\x24\x2a\x2b]"
#: A BoolErr record holding an error, or a Formula record whose cached result is an error
#: (BIFF5 and BIFF8). Found in the workbook stream, it only sends the file to xlrd, which
#: reads the cells themselves; a false match costs time, nothing else.
_ERROR_RECORDS = (re.compile(rb"\x05\x02\x08\x00.{6}" + _CODE + rb"\x01", re.DOTALL),
                  re.compile(rb"\x06\x00.{8}\x02." + _CODE + rb"...\xff\xff", re.DOTALL))


def _error_candidates(stream: bytes) -> list:
    """Offsets where an error record may start (each pattern searched on its own: a literal
    start is found fast)."""
    return sorted(match.start() for pattern in _ERROR_RECORDS for match in pattern.finditer(stream))


def main(argv: list) -> None:
    limit, max_rows, max_columns, max_cells = map(int, argv[:4])
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    import python_calamine

    data = sys.stdin.buffer.read()
    out = {"sheets": []}
    try:
        book = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(data))
        for name in book.sheet_names:
            sheet = book.get_sheet_by_name(name)
            height, width = sheet.height, sheet.width
            if height > max_rows:
                out = {"limit": ("max_rows", height, name)}
                break
            if width > max_columns:
                out = {"limit": ("max_columns", width, name)}
                break
            if height * width > max_cells:
                out = {"limit": ("max_cells", height * width, name)}
                break
            out["sheets"].append((name, sheet.to_python(skip_empty_area=False)))
    except BaseException as error:  # Rust panics are BaseException; everything is reported
        out = {"error": (type(error).__name__, str(error)[:300])}
        if not data.startswith(b"PK"):
            out = _with_xlrd(data, max_rows, max_columns, max_cells) or out
    else:
        if "sheets" in out and not data.startswith(b"PK"):
            out = _xls_repaired(data, out, max_rows, max_columns, max_cells)
    sys.stdout.buffer.write(pickle.dumps(out, protocol=pickle.HIGHEST_PROTOCOL))


def _xls_repaired(data: bytes, out: dict, max_rows: int, max_columns: int, max_cells: int) -> dict:
    """calamine's reading of an XLS, with what it misses: the whole file read by xlrd when
    calamine misread its text, else the error cells put in."""
    if _misread_utf16(out["sheets"]):
        return _with_xlrd(data, max_rows, max_columns, max_cells) or _utf16_decoded(out)
    # The file's own bytes tell whether it holds any error record (a record split where its
    # sectors are not in order escapes this, but every one of a file's error records would have
    # to); only then are the records put in order and walked.
    if _error_candidates(data):
        stream = _workbook_stream(data)
        try:
            _put_errors(stream, _error_candidates(stream), out["sheets"])
        except (struct.error, IndexError):  # records cut short: the cells read so far stay, calamine read the rest
            pass
    return out


def _misread_utf16(sheets: list) -> bool:
    """Whether a text cell holds a NUL, or a sheet name a control character: text never does,
    UTF-16 read as single bytes does (calamine drops the NULs of a sheet name, not the rest)."""
    for name, rows in sheets:
        if any(char < " " for char in name):
            return True
        for row in rows:
            for value in row:
                if value.__class__ is str and "\x00" in value:
                    return True
    return False


def _utf16_decoded(out: dict) -> dict:
    """Every text with NULs decoded again as the UTF-16 it was (for a file xlrd cannot read either)."""
    return {"sheets": [(_utf16_text(name), [[_utf16_text(v) if v.__class__ is str and "\x00" in v else v
                                             for v in row] for row in rows])
                       for name, rows in out["sheets"]]}


def _utf16_text(text: str) -> str:
    """The UTF-16-LE text whose bytes calamine read as single-byte characters."""
    for single_byte in ("latin-1", "cp1252", "cp1254"):
        try:
            raw = text.encode(single_byte)
            return raw.decode("utf-16-le") if len(raw) % 2 == 0 else raw[:-1].decode("utf-16-le")
        except UnicodeError:
            continue
    return text.replace("\x00", "")


def _workbook_stream(data: bytes) -> bytes:
    """The BIFF records of an XLS as one run of bytes (its sectors put in order), or the file's
    own bytes when the container cannot be followed."""
    try:
        from xlrd.compdoc import CompDoc

        doc = CompDoc(data, logfile=io.StringIO())
        for name in ("Workbook", "Book"):
            mem, base, size = doc.locate_named_stream(name)
            if mem is not None:
                return bytes(mem[base:base + size])
    except Exception:  # noqa: BLE001 - any trouble: scan the file as it lies
        pass
    return data


def _put_errors(stream: bytes, candidates: list, sheets: list) -> None:
    """Put the text of the error cells into calamine's rows (from A1), in place: the records of
    each sheet holding one of the ``candidates`` are walked from its BOF, so only real records count."""
    starts = _sheet_starts(stream)
    if len(starts) != len(sheets):
        return  # the sheets cannot be told apart: the error cells stay as calamine read them
    for (_, rows), start in zip(sheets, starts, strict=True):
        end = min((other for other in starts if other > start), default=len(stream))
        if not any(start <= at < end for at in candidates):
            continue
        for row, column, code in _sheet_errors(stream, start):
            rows.extend([] for _ in range(row + 1 - len(rows)))
            cells = rows[row]
            cells.extend("" for _ in range(column + 1 - len(cells)))
            cells[column] = ERRORS[code]


def _sheet_starts(stream: bytes) -> list:
    """The stream offset of each sheet's BOF, from the BoundSheet records of the workbook globals
    (in the order calamine lists the sheets)."""
    starts, at = [], 0
    while at + 4 <= len(stream):
        kind, size = struct.unpack_from("<HH", stream, at)
        if kind == 0x0085 and size >= 4:
            starts.append(struct.unpack_from("<I", stream, at + 4)[0])
        elif kind == 0x000A:
            break
        at += 4 + size
    return starts


def _sheet_errors(stream: bytes, at: int):
    """(row, column, error code) of the BoolErr and Formula records holding an error, from the
    sheet's BOF at ``at`` to its EOF."""
    end, depth = len(stream), 0
    unpack = struct.unpack_from
    while at + 4 <= end:
        kind, size = unpack("<HH", stream, at)
        body = at + 4
        if kind == 0x0809:
            depth += 1
        elif kind == 0x000A:
            depth -= 1
            if depth <= 0:
                return
        elif kind == 0x0205 and size >= 8 and stream[body + 7] == 1 and stream[body + 6] in ERRORS:
            yield (*unpack("<HH", stream, body), stream[body + 6])
        elif kind == 0x0006 and size >= 20 and stream[body + 6] == 2 and stream[body + 12:body + 14] == b"\xff\xff" \
                and stream[body + 8] in ERRORS:
            yield (*unpack("<HH", stream, body), stream[body + 8])
        at = body + size


def _with_xlrd(data: bytes, max_rows: int, max_columns: int, max_cells: int):
    """Every sheet read by xlrd (Excel 2.x-4.0 files, which calamine does not read), or None."""
    try:
        import datetime

        import xlrd

        book = xlrd.open_workbook(file_contents=data, on_demand=True, logfile=io.StringIO())
        out = {"sheets": []}
        for name in book.sheet_names():
            sheet = book.sheet_by_name(name)
            if sheet.nrows > max_rows or sheet.ncols > max_columns or sheet.nrows * sheet.ncols > max_cells:
                return {"limit": ("max_cells", sheet.nrows * sheet.ncols, name)}
            rows = []
            for r in range(sheet.nrows):
                row = []
                for cell in sheet.row(r):
                    if cell.ctype == xlrd.XL_CELL_DATE:
                        try:
                            value = xlrd.xldate_as_datetime(cell.value, book.datemode)
                            row.append(value.date() if value.time() == datetime.time() else value)
                        except (ValueError, OverflowError):
                            row.append(cell.value)
                    elif cell.ctype == xlrd.XL_CELL_BOOLEAN:
                        row.append(bool(cell.value))
                    elif cell.ctype == xlrd.XL_CELL_ERROR:
                        row.append(ERRORS.get(cell.value, "#N/A"))
                    else:
                        row.append(cell.value)
                rows.append(row)
            out["sheets"].append((name, rows))
        return out
    except Exception:  # noqa: BLE001 - xlrd cannot read it either: calamine's error stands
        return None


if __name__ == "__main__":
    main(sys.argv[1:])
