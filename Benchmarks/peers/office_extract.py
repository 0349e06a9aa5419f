#!/usr/bin/env python3
"""The extraction benchmark's peer: text out of a .docx, .xlsx or .pptx with the libraries most Python RAG tools
use for them (python-docx, openpyxl, python-pptx): paragraphs and table cells, every cell value, every shape's text
and the notes. Prints JSON: seconds (best of `runs`), characters extracted, units (paragraphs+tables, rows, slides).

usage: office_extract.py KIND PATH RUNS
"""
import json
import sys
import time


def docx_text(path):
    import docx
    d = docx.Document(path)
    parts = [p.text for p in d.paragraphs]
    for table in d.tables:
        for row in table.rows:
            parts.append(" | ".join(cell.text for cell in row.cells))
    return parts


def xlsx_text(path):
    import openpyxl
    wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    parts = []
    for ws in wb.worksheets:
        for row in ws.iter_rows(values_only=True):
            parts.append(" | ".join("" if v is None else str(v) for v in row))
    return parts


def pptx_text(path):
    from pptx import Presentation
    p = Presentation(path)
    parts = []
    for slide in p.slides:
        for shape in slide.shapes:
            if shape.has_text_frame:
                parts.append(shape.text_frame.text)
        if slide.has_notes_slide:
            parts.append(slide.notes_slide.notes_text_frame.text)
    return parts


def main():
    kind, path, runs = sys.argv[1], sys.argv[2], int(sys.argv[3])
    extract = {"docx": docx_text, "xlsx": xlsx_text, "pptx": pptx_text}[kind]
    best, parts = None, []
    for _ in range(runs):
        start = time.perf_counter()
        parts = extract(path)
        elapsed = time.perf_counter() - start
        best = elapsed if best is None else min(best, elapsed)
    print(json.dumps({"seconds": best, "characters": sum(len(p) for p in parts), "parts": len(parts)}))


if __name__ == "__main__":
    main()
