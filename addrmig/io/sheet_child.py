"""Every sheet of an XLS or ODS workbook, parsed by calamine in a process of its own.

``addrmig.io.workbook`` runs this file as ``python -I sheet_child.py MEMORY MAX_ROWS
MAX_COLUMNS MAX_CELLS`` with the workbook on stdin. A crafted workbook can make calamine
abort the whole process (a Rust allocation failure cannot be caught); here that ends
only this process, whose address space is capped at MEMORY bytes.

The answer on stdout is a pickle of plain values: ``{"sheets": [(name, rows), ...]}``,
``{"limit": (limit name, found, sheet)}`` for a sheet over a limit, or
``{"error": (exception type, message)}``. The file imports nothing from addrmig: isolated
mode (-I) keeps the folder it sits in off the import path. A workbook calamine cannot read
(Excel 2.x-4.0, BIFF2-4) is read by xlrd instead.
"""
import io
import pickle
import resource
import sys


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
    sys.stdout.buffer.write(pickle.dumps(out, protocol=pickle.HIGHEST_PROTOCOL))


def _with_xlrd(data: bytes, max_rows: int, max_columns: int, max_cells: int):
    """Every sheet read by xlrd (Excel 2.x-4.0 files, which calamine does not read), or None."""
    try:
        import datetime

        import xlrd

        book = xlrd.open_workbook(file_contents=data, on_demand=True)
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
                        row.append(xlrd.error_text_from_code.get(cell.value, "#N/A"))
                    else:
                        row.append(cell.value)
                rows.append(row)
            out["sheets"].append((name, rows))
        return out
    except Exception:  # noqa: BLE001 - xlrd cannot read it either: calamine's error stands
        return None


if __name__ == "__main__":
    main(sys.argv[1:])
