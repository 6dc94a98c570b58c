"""Every sheet of an XLS or ODS workbook, parsed by calamine in a process of its own.

``addrmig.io.workbook`` runs this file as ``python -I sheet_child.py MEMORY MAX_ROWS
MAX_COLUMNS MAX_CELLS`` with the workbook on stdin. A crafted workbook can make calamine
abort the whole process (a Rust allocation failure cannot be caught); here that ends
only this process, whose address space is capped at MEMORY bytes.

The answer on stdout is a pickle of plain values: ``{"sheets": [(name, rows), ...]}``,
``{"limit": (limit name, found, sheet)}`` for a sheet over a limit, or
``{"error": (exception type, message)}``. The file imports nothing from addrmig: isolated
mode (-I) keeps the folder it sits in off the import path.
"""
import io
import pickle
import resource
import sys


def main(argv: list) -> None:
    limit, max_rows, max_columns, max_cells = map(int, argv[:4])
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    import python_calamine

    out = {"sheets": []}
    try:
        book = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(sys.stdin.buffer.read()))
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
    sys.stdout.buffer.write(pickle.dumps(out, protocol=pickle.HIGHEST_PROTOCOL))


if __name__ == "__main__":
    main(sys.argv[1:])
