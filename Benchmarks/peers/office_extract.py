#!/usr/bin/env python3
"""The extraction benchmark's peer: text out of a .docx, .xlsx, .pptx, .odt, .epub, .csv or .rtf with the libraries
Python RAG tools use for them (python-docx, openpyxl, python-pptx, odfpy, EbookLib with the standard library's HTML
parser, the csv module, striprtf): paragraphs and table cells, every cell value, every shape's text and the notes,
every chapter's text, every record, the RTF's text. Prints JSON: seconds (best of `runs`), characters extracted,
parts.

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


def odt_text(path):
    from odf.opendocument import load
    from odf import teletype, text
    doc = load(path)
    return [teletype.extractText(e) for e in doc.getElementsByType(text.P) + doc.getElementsByType(text.H)]


def epub_text(path):
    import ebooklib
    from ebooklib import epub
    from html.parser import HTMLParser

    class Text(HTMLParser):
        def __init__(self):
            super().__init__()
            self.parts = []

        def handle_data(self, data):
            self.parts.append(data)

    book = epub.read_epub(path)
    parts = []
    for item in book.get_items_of_type(ebooklib.ITEM_DOCUMENT):
        parser = Text()
        parser.feed(item.get_content().decode("utf-8"))
        parts.append("".join(parser.parts))
    return parts


def csv_text(path):
    import csv
    with open(path, encoding="gb18030", newline="") as f:
        return [" | ".join(row) for row in csv.reader(f)]


def rtf_text(path):
    from striprtf.striprtf import rtf_to_text
    with open(path, encoding="ascii") as f:
        return [rtf_to_text(f.read(), encoding="gbk")]


def main():
    kind, path, runs = sys.argv[1], sys.argv[2], int(sys.argv[3])
    extract = {"docx": docx_text, "xlsx": xlsx_text, "pptx": pptx_text, "odt": odt_text, "epub": epub_text,
               "csv": csv_text, "rtf": rtf_text}[kind]
    best, parts = None, []
    for _ in range(runs):
        start = time.perf_counter()
        parts = extract(path)
        elapsed = time.perf_counter() - start
        best = elapsed if best is None else min(best, elapsed)
    print(json.dumps({"seconds": best, "characters": sum(len(p) for p in parts), "parts": len(parts)}))


if __name__ == "__main__":
    main()
