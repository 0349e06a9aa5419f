#!/usr/bin/env python3
"""Writes the test documents of Zhiku's Office/EPUB/CSV readers with the libraries that make such files in the
wild (python-docx, openpyxl, python-pptx, EbookLib from PyPI), and hostile containers with the standard library.

usage: office-fixtures.py KIND PATH
KIND: docx xlsx pptx epub csv-gbk odt ods odp docx-zh-travel xlsx-zh-purchases rtf-wordpad-zh rtf-word | bomb-docx dtd-docx truncated-docx fake-docx encrypted-doc
      | docx-large xlsx-large pptx-large odt-large epub-large csv-large rtf-large (the extraction benchmark's documents)
The stdlib kinds run on any Python 3; the others need scripts/setup.sh --tests's venv.
"""
import datetime
import io
import sys
import zipfile


def docx(path):
    import docx
    from docx.enum.text import WD_BREAK
    d = docx.Document()
    d.core_properties.title = "安装手册"
    d.core_properties.author = "Zhiku Tests"
    d.sections[0].header.paragraphs[0].text = "RUNNING HEADER 页眉"
    d.sections[0].footer.paragraphs[0].text = "RUNNING FOOTER 页脚"
    d.add_heading("安装手册", level=0)
    d.add_heading("安装", level=1)
    d.add_paragraph("本章介绍如何安装系统。")
    d.add_heading("安装过程", level=2)
    d.add_paragraph("选择 KDE Plasma 桌面时，在启动参数中写 desktop=kde。")
    d.add_paragraph("第一步：下载镜像", style="List Bullet")
    d.add_paragraph("第二步：写入 U 盘", style="List Bullet")
    table = d.add_table(rows=3, cols=3)
    for r, row in enumerate([["参数", "含义", "默认值"], ["desktop", "桌面环境", "gnome"], ["locale", "语言", "zh_CN"]]):
        for c, text in enumerate(row):
            table.cell(r, c).text = text
    d.add_paragraph("表格之后的段落。")
    d.add_paragraph().add_run().add_break(WD_BREAK.PAGE)
    d.add_heading("Appendix", level=1)
    d.add_paragraph("English text after the page break.")
    d.save(path)


def xlsx(path):
    import openpyxl
    wb = openpyxl.Workbook()
    wb.properties.title = "销售报表"
    ws = wb.active
    ws.title = "销售"
    ws.append(["日期", "地区", "金额", "占比"])
    rows = [(datetime.date(2024, 1, 1), "华东", 1200, 0.125), (datetime.date(2024, 1, 2), None, 830.5, 0.25),
            (datetime.date(2024, 2, 29), "华北", 99, 0.5)]
    for row in rows:
        ws.append(list(row))
    ws.merge_cells("B2:B3")
    ws.cell(row=7, column=1, value="合计")  # after two blank rows: the sheet's row numbers go on counting them
    ws.cell(row=7, column=3, value=2129.5)
    for r in range(2, 5):
        ws.cell(row=r, column=1).number_format = "yyyy-mm-dd"
        ws.cell(row=r, column=4).number_format = "0.0%"
    big = wb.create_sheet("大表")
    big.append(["编号", "名称", "数量"])
    for i in range(1, 2001):
        big.append([i, f"物品{i}", i * 3])
    wb.save(path)


def pptx(path):
    from pptx import Presentation
    from pptx.util import Inches
    p = Presentation()
    s = p.slides.add_slide(p.slide_layouts[0])
    s.shapes.title.text = "季度汇报"
    s.placeholders[1].text = "2024 年第一季度"
    s = p.slides.add_slide(p.slide_layouts[1])
    s.shapes.title.text = "要点"
    body = s.placeholders[1].text_frame
    body.text = "收入增长 12%"
    body.add_paragraph().text = "新客户 35 家"
    s.notes_slide.notes_text_frame.text = "讲者备注：强调华东区域"
    s = p.slides.add_slide(p.slide_layouts[5])
    s.shapes.title.text = "数据"
    table = s.shapes.add_table(3, 2, Inches(1), Inches(2), Inches(6), Inches(2)).table
    for r, row in enumerate([["指标", "数值"], ["收入", "1200万"], ["利润", "300万"]]):
        for c, text in enumerate(row):
            table.cell(r, c).text = text
    p.save(path)


def write_book(e, book, chapters, toc, path):
    """Adds the chapters to an EbookLib book in reading order, with its table of contents and navigation, and writes it."""
    for c in chapters:
        book.add_item(c)
    book.toc = toc
    book.spine = chapters
    book.add_item(e.EpubNcx())
    book.add_item(e.EpubNav())
    e.write_epub(path, book)


def epub(path):
    from ebooklib import epub as e
    book = e.EpubBook()
    book.set_identifier("zhiku-test")
    book.set_title("测试之书")
    book.set_language("zh")
    c1 = e.EpubHtml(title="开始", file_name="c1.xhtml", lang="zh")
    c1.content = "<html><body><h1>第一章 开始</h1><p>知库读取电子书的每一章。</p></body></html>"
    c2 = e.EpubHtml(title="Two", file_name="c2.xhtml", lang="en")
    c2.content = "<html><body><h1>Chapter Two</h1><p>The second chapter is its own page.</p></body></html>"
    write_book(e, book, [c1, c2], (c1, c2), path)


def csv_gbk(path):
    import csv
    out = io.StringIO()
    w = csv.writer(out)
    w.writerow(["名称", "说明", "数量"])
    w.writerow(["苹果", "红色, 甜", 3])
    w.writerow(["梨", "第一行\n第二行", 5])
    w.writerow(["桃", '他说"好"', 7])
    with open(path, "wb") as f:
        f.write(out.getvalue().encode("gbk"))


SENTENCES = ["知库把团队的文档变成可以提问的知识库，每个回答都标明来源。",
             "The maintainer uploads the package to the archive after the sponsor reviews it.",
             "安装程序会询问语言、键盘布局和网络设置，然后分区并复制系统文件。",
             "Each joint has its own limits, homing sequence and maximum velocity."]


def docx_large(path):
    """200 pages: 200 sections, each with a heading, 20 paragraphs and a 10-row table, a page break after each."""
    import docx
    from docx.enum.text import WD_BREAK
    d = docx.Document()
    for section in range(200):
        d.add_heading(f"第 {section + 1} 章 Section {section + 1}", level=1)
        for p in range(20):
            d.add_paragraph(" ".join(SENTENCES[(section + p + k) % 4] for k in range(3)))
        table = d.add_table(rows=10, cols=4)
        for r in range(10):
            for c in range(4):
                table.cell(r, c).text = f"单元 {section}-{r}-{c}"
        d.add_paragraph().add_run().add_break(WD_BREAK.PAGE)
    d.save(path)


def xlsx_large(path):
    """10 000 rows × 8 columns: text, numbers, dates."""
    import openpyxl
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "订单"
    ws.append(["编号", "客户", "地区", "产品", "数量", "单价", "日期", "备注"])
    for i in range(1, 10001):
        ws.append([i, f"客户{i % 97}", ["华东", "华北", "华南", "西部"][i % 4], f"产品 {i % 31}", i % 50 + 1,
                   round(9.9 + i % 13 * 1.5, 2), datetime.date(2024, 1 + i % 12, 1 + i % 28), SENTENCES[i % 4]])
        ws.cell(row=i + 1, column=7).number_format = "yyyy-mm-dd"
    wb.save(path)


def odt_large(path):
    """200 pages as LibreOffice writes them: a heading, 20 paragraphs and a 10-row table each, soft page breaks."""
    from odf.opendocument import OpenDocumentText
    from odf.text import H, P, SoftPageBreak
    from odf.table import Table, TableRow, TableCell
    doc = OpenDocumentText()
    for section in range(200):
        doc.text.addElement(H(outlinelevel=1, text=f"第 {section + 1} 章 Section {section + 1}"))
        for p in range(20):
            doc.text.addElement(P(text=" ".join(SENTENCES[(section + p + k) % 4] for k in range(3))))
        table = Table(name=f"T{section}")
        for r in range(10):
            tr = TableRow()
            for c in range(4):
                tc = TableCell()
                tc.addElement(P(text=f"单元 {section}-{r}-{c}"))
                tr.addElement(tc)
            table.addElement(tr)
        doc.text.addElement(table)
        doc.text.addElement(SoftPageBreak())
    doc.save(path)


def epub_large(path):
    """200 chapters of a heading and 20 paragraphs each, written by EbookLib."""
    from ebooklib import epub as e
    book = e.EpubBook()
    book.set_identifier("zhiku-bench")
    book.set_title("基准之书")
    book.set_language("zh")
    chapters = []
    for i in range(200):
        c = e.EpubHtml(title=f"第 {i + 1} 章", file_name=f"c{i}.xhtml", lang="zh")
        paragraphs = "".join(f"<p>{' '.join(SENTENCES[(i + p + k) % 4] for k in range(3))}</p>" for p in range(20))
        c.content = f"<html><body><h1>第 {i + 1} 章 Chapter {i + 1}</h1>{paragraphs}</body></html>"
        chapters.append(c)
    write_book(e, book, chapters, chapters, path)


def csv_large(path):
    """10 000 rows × 8 columns, in GBK as Excel on Chinese Windows saves CSV."""
    import csv
    out = io.StringIO()
    w = csv.writer(out)
    w.writerow(["编号", "客户", "地区", "产品", "数量", "单价", "日期", "备注"])
    for i in range(1, 10001):
        w.writerow([i, f"客户{i % 97}", ["华东", "华北", "华南", "西部"][i % 4], f"产品 {i % 31}", i % 50 + 1,
                    round(9.9 + i % 13 * 1.5, 2), f"2024-{1 + i % 12:02d}-{1 + i % 28:02d}", SENTENCES[i % 4]])
    with open(path, "wb") as f:
        f.write(out.getvalue().encode("gb18030"))


def rtf_large(path):
    """200 pages as Chinese WordPad writes them (GBK bytes as \\'hh): a heading and 20 paragraphs each."""
    parts = ["{\\rtf1\\ansi\\ansicpg936\\deff0{\\fonttbl{\\f0\\fnil\\fcharset134 SimSun;}}\\uc1\\pard\\f0 "]
    for section in range(200):
        parts.append("\\pard\\outlinelevel0 " + rtf_hex(f"第 {section + 1} 章 Section {section + 1}", "gbk") + "\\par\n\\pard ")
        for p in range(20):
            parts.append(rtf_hex(" ".join(SENTENCES[(section + p + k) % 4] for k in range(3)), "gbk") + "\\par\n")
        parts.append("\\page\n")
    parts.append("}")
    open(path, "w", encoding="ascii").write("".join(parts))


def pptx_large(path):
    """200 slides: a title, five bullets and speaker notes each."""
    from pptx import Presentation
    p = Presentation()
    for i in range(200):
        s = p.slides.add_slide(p.slide_layouts[1])
        s.shapes.title.text = f"第 {i + 1} 页 Slide {i + 1}"
        body = s.placeholders[1].text_frame
        body.text = SENTENCES[i % 4]
        for k in range(4):
            body.add_paragraph().text = SENTENCES[(i + k + 1) % 4]
        s.notes_slide.notes_text_frame.text = "备注：" + SENTENCES[(i + 2) % 4]
    p.save(path)


def odt(path):
    from odf.opendocument import OpenDocumentText
    from odf.style import Style, TextProperties
    from odf.text import H, P, List, ListItem, Note, NoteCitation, NoteBody, SoftPageBreak
    from odf.table import Table, TableRow, TableCell
    from odf import meta, dc
    doc = OpenDocumentText()
    doc.meta.addElement(dc.Title(text="部署指南"))
    doc.meta.addElement(meta.InitialCreator(text="Zhiku Tests"))
    doc.text.addElement(H(outlinelevel=1, text="部署"))
    doc.text.addElement(P(text="本章说明部署步骤。"))
    doc.text.addElement(H(outlinelevel=2, text="准备工作"))
    p = P(text="先检查端口 8080 是否空闲")
    note = Note(id="ftn1", noteclass="footnote")
    note.addElement(NoteCitation(text="1"))
    body = NoteBody()
    body.addElement(P(text="也可以用 ZHIKU_PORT 换端口。"))
    note.addElement(body)
    p.addElement(note)
    doc.text.addElement(p)
    items = List()
    for t in ["安装 Swift", "运行 setup.sh"]:
        item = ListItem()
        item.addElement(P(text=t))
        items.addElement(item)
    doc.text.addElement(items)
    table = Table(name="参数")
    for row in [["变量", "默认值"], ["ZHIKU_PORT", "8080"]]:
        tr = TableRow()
        for cell in row:
            tc = TableCell()
            tc.addElement(P(text=cell))
            tr.addElement(tc)
        table.addElement(tr)
    doc.text.addElement(table)
    doc.text.addElement(SoftPageBreak())
    doc.text.addElement(H(outlinelevel=1, text="Appendix"))
    doc.text.addElement(P(text="English after the page break."))
    doc.save(path)


def ods(path):
    from odf.opendocument import OpenDocumentSpreadsheet
    from odf.table import Table, TableRow, TableCell, CoveredTableCell
    from odf.text import P
    from odf import dc
    doc = OpenDocumentSpreadsheet()
    doc.meta.addElement(dc.Title(text="库存"))
    table = Table(name="库存表")
    def row(cells):
        tr = TableRow()
        for c in cells:
            tr.addElement(c)
        table.addElement(tr)
    def cell(text, **kw):
        tc = TableCell(**kw)
        tc.addElement(P(text=text))
        return tc
    row([cell("日期"), cell("仓库"), cell("数量")])
    row([cell("2024-03-01", valuetype="date", datevalue="2024-03-01"), cell("上海", numberrowsspanned=2), cell("12", valuetype="float", value="12")])
    row([cell("2024-03-02", valuetype="date", datevalue="2024-03-02"), CoveredTableCell(), cell("7", valuetype="float", value="7")])
    row([TableCell(numbercolumnsrepeated=1024)])
    table.addElement(TableRow(numberrowsrepeated=1048570))
    doc.spreadsheet.addElement(table)
    doc.save(path)


def odp(path):
    from odf.opendocument import OpenDocumentPresentation
    from odf.style import Style, MasterPage, PageLayout
    from odf.draw import Page, Frame, TextBox
    from odf.presentation import Notes
    from odf.text import P
    from odf.namespaces import PRESENTATIONNS
    doc = OpenDocumentPresentation()

    def frame_of(kind, **size):
        frame = Frame(**size)
        frame.setAttrNS(PRESENTATIONNS, "class", kind)
        return frame
    layout = PageLayout(name="L")
    doc.automaticstyles.addElement(layout)
    master = MasterPage(name="M", pagelayoutname=layout)
    doc.masterstyles.addElement(master)
    for n, (title, lines, note) in enumerate([("项目进度", ["完成 80%", "下周上线"], "强调上线时间"), ("风险", ["人手不足"], None)]):
        page = Page(name=f"p{n + 1}", masterpagename=master)
        frame = frame_of("title", width="20cm", height="3cm", x="1cm", y="1cm")
        box = TextBox()
        box.addElement(P(text=title))
        frame.addElement(box)
        page.addElement(frame)
        frame = frame_of("outline", width="20cm", height="10cm", x="1cm", y="5cm")
        box = TextBox()
        for line in lines:
            box.addElement(P(text=line))
        frame.addElement(box)
        page.addElement(frame)
        if note:
            notes = Notes()
            frame = frame_of("notes", width="20cm", height="10cm", x="1cm", y="5cm")
            box = TextBox()
            box.addElement(P(text=note))
            frame.addElement(box)
            notes.addElement(frame)
            page.addElement(notes)
        doc.presentation.addElement(page)
    doc.save(path)


def minimal_docx(document_xml):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>')
        z.writestr("_rels/.rels", '<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
                   '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/></Relationships>')
        if isinstance(document_xml, int):
            # A part of `document_xml` bytes of spaces: a few hundred KB compressed.
            with z.open("word/document.xml", "w") as part:
                chunk = b" " * (1 << 20)
                for _ in range(document_xml >> 20):
                    part.write(chunk)
        else:
            z.writestr("word/document.xml", document_xml)
    return buf.getvalue()


def docx_zh_travel(path):
    """A Chinese company regulation as such offices write them: chapters and articles, a standards table whose
    city class cells are merged down, dates in Chinese."""
    import docx
    d = docx.Document()
    d.core_properties.title = "差旅费报销管理办法"
    d.core_properties.author = "财务部"
    d.add_heading("差旅费报销管理办法", level=0)
    d.add_paragraph("（二〇二三年四月十日经总经理办公会审议通过，自二〇二三年五月一日起施行）")
    d.add_heading("第一章　总则", level=1)
    d.add_paragraph("第一条　为规范公司差旅费管理，厉行节约，根据国家有关规定，结合本公司实际，制定本办法。")
    d.add_paragraph("第二条　本办法适用于公司全体在职员工因公出差所发生的城市间交通费、住宿费、伙食补助费和市内交通费。")
    d.add_heading("第二章　住宿标准", level=1)
    d.add_paragraph("第三条　出差人员应当在职务级别对应的住宿费标准限额内，选择安全、经济、便捷的宾馆住宿。标准如下表（单位：元/人·天）：")
    table = d.add_table(rows=5, cols=4)
    rows = [["城市类别", "职务级别", "住宿费上限", "伙食补助"],
            ["一类城市（北京、上海、广州、深圳）", "部门经理及以上", "800", "100"],
            ["", "其他员工", "600", "100"],
            ["二类城市（省会及计划单列市）", "部门经理及以上", "600", "80"],
            ["", "其他员工", "450", "80"]]
    for r, row in enumerate(rows):
        for c, text in enumerate(row):
            if text:
                table.cell(r, c).text = text
    table.cell(1, 0).merge(table.cell(2, 0))
    table.cell(3, 0).merge(table.cell(4, 0))
    d.add_paragraph("第四条　超出标准部分由出差人员自理，确因会议等原因统一安排住宿的，凭会议通知据实报销。")
    d.add_heading("第三章　报销流程", level=1)
    d.add_paragraph("第五条　出差人员应当在出差结束后十个工作日内，填写差旅费报销单，经部门负责人签字后送财务部审核。")
    d.add_paragraph("第六条　逾期三十日未报销的，财务部不再受理，特殊情况须经分管副总经理批准。")
    d.save(path)


def xlsx_zh_purchases(path):
    """A Chinese purchase ledger: a merged title row above the column names, suppliers merged down over their
    rows, dates as dates, amounts as formulas with cached values, a second sheet of suppliers."""
    import openpyxl
    wb = openpyxl.Workbook()
    wb.properties.title = "2023年度办公用品采购台账"
    ws = wb.active
    ws.title = "采购明细"
    ws.append(["2023年度办公用品采购台账"])
    ws.merge_cells("A1:G1")
    ws.append(["日期", "供应商", "物品", "数量", "单价（元）", "金额（元）", "经办人"])
    rows = [(datetime.date(2023, 1, 9), "晨光文具有限公司", "签字笔", 200, 2.5, "王芳"),
            (datetime.date(2023, 1, 9), None, "笔记本", 100, 8, "王芳"),
            (datetime.date(2023, 2, 20), "得力办公用品公司", "订书机", 30, 25, "李强"),
            (datetime.date(2023, 3, 15), "华北纸业贸易公司", "A4 打印纸", 50, 32, "赵敏"),
            (datetime.date(2023, 3, 15), None, "A3 打印纸", 10, 58, "赵敏"),
            (datetime.date(2023, 4, 3), "晨光文具有限公司", "文件夹", 120, 6.5, "王芳")]
    for i, (day, supplier, item, count, price, person) in enumerate(rows):
        r = i + 3
        ws.append([day, supplier, item, count, price, None, person])
        ws.cell(row=r, column=1).number_format = "yyyy-mm-dd"
        ws.cell(row=r, column=6).value = f"=D{r}*E{r}"
    ws.merge_cells("B3:B4")
    ws.merge_cells("B6:B7")
    wb.save(path)
    # openpyxl writes formulas with empty cached values (<v></v>); fill them in as Excel would have saved them.
    with zipfile.ZipFile(path) as z:
        parts = {n: z.read(n) for n in z.namelist()}
    sheet = parts["xl/worksheets/sheet1.xml"].decode()
    for i, (_, _, _, count, price, _) in enumerate(rows):
        sheet = sheet.replace(f"<f>D{i + 3}*E{i + 3}</f><v></v>", f"<f>D{i + 3}*E{i + 3}</f><v>{count * price:g}</v>")
    parts["xl/worksheets/sheet1.xml"] = sheet.encode()
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in parts.items():
            z.writestr(name, data)


def rtf_hex(text, encoding):
    """Text as RTF writes it in a code page: ASCII as is (braces and backslashes escaped), the rest as \\'hh."""
    out = []
    for ch in text:
        if ch in "\\{}":
            out.append("\\" + ch)
        elif ord(ch) < 128:
            out.append(ch)
        else:
            out.extend("\\'%02x" % b for b in ch.encode(encoding))
    return "".join(out)


def rtf_wordpad_zh(path):
    """As Chinese WordPad saves a document: code page 936, a GBK font, every Chinese character as two \\'hh bytes."""
    body = [rtf_hex("差旅费报销管理办法", "gbk"), rtf_hex("第一条　出差人员应当在出差结束后十个工作日内报销。", "gbk"),
            rtf_hex("第二条　一类城市住宿费上限为每晚 600 元。", "gbk")]
    rtf = ("{\\rtf1\\ansi\\ansicpg936\\deff0\\nouicompat\\deflang1033\\deflangfe2052{\\fonttbl{\\f0\\fnil\\fcharset134 "
           + rtf_hex("宋体", "gbk") + ";}}\n{\\*\\generator Riched20 10.0.19041}\\viewkind4\\uc1 \n\\pard\\sa200\\sl276\\slmult1\\f0\\fs22\\lang2052 "
           + "\\par\n".join(body) + "\\par\n}\n")
    open(path, "w", encoding="ascii").write(rtf)


def rtf_word(path):
    """As Word saves one: \\uN escapes with ? stand-ins, an info group, a heading by outline level, a table, a
    picture, a page break, a field whose result is kept and whose instruction is not."""
    def u(text):
        return "".join(ch if ord(ch) < 128 else "\\u%d?" % (ord(ch) if ord(ch) < 32768 else ord(ch) - 65536) for ch in text)
    rtf = ("{\\rtf1\\ansi\\ansicpg1252\\uc1\\deff0{\\fonttbl{\\f0\\froman\\fcharset0 Times New Roman;}{\\f1\\fnil\\fcharset134 SimSun;}}"
           "{\\colortbl;\\red0\\green0\\blue0;}{\\stylesheet{\\s1 heading 1;}}"
           "{\\info{\\title " + u("采购制度") + "}{\\author " + u("财务部") + "}{\\company ACME}}\n"
           "{\\header \\pard RUNNING HEADER\\par}"
           "\\pard\\s1\\outlinelevel0\\f1 " + u("第一章 总则") + "\\par\n"
           "\\pard\\f0 Caf\\'e9 costs \\ldblquote low\\rdblquote  {\\b bold} text\\emdash see {\\field{\\*\\fldinst HYPERLINK \"http://x\"}{\\fldrslt the site}}.\\par\n"
           "{\\*\\shppict{\\pict\\pngblip 89504e470d0a1a0a}}"
           "\\trowd\\cellx2000\\cellx4000\\pard\\intbl " + u("物品") + "\\cell " + u("数量") + "\\cell\\row\n"
           "\\trowd\\cellx2000\\cellx4000\\pard\\intbl " + u("打印纸") + "\\cell 50\\cell\\row\n"
           "\\pard After the table \\u55357?\\u56832? done.\\par\n"
           "\\page\\pard Second page.\\par}")
    open(path, "w", encoding="ascii").write(rtf)


def main():
    kind, path = sys.argv[1], sys.argv[2]
    if kind == "docx": docx(path)
    elif kind == "xlsx": xlsx(path)
    elif kind == "pptx": pptx(path)
    elif kind == "epub": epub(path)
    elif kind == "csv-gbk": csv_gbk(path)
    elif kind == "odt": odt(path)
    elif kind == "ods": ods(path)
    elif kind == "odp": odp(path)
    elif kind == "docx-zh-travel": docx_zh_travel(path)
    elif kind == "xlsx-zh-purchases": xlsx_zh_purchases(path)
    elif kind == "rtf-wordpad-zh": rtf_wordpad_zh(path)
    elif kind == "rtf-word": rtf_word(path)
    elif kind == "docx-large": docx_large(path)
    elif kind == "xlsx-large": xlsx_large(path)
    elif kind == "pptx-large": pptx_large(path)
    elif kind == "odt-large": odt_large(path)
    elif kind == "epub-large": epub_large(path)
    elif kind == "csv-large": csv_large(path)
    elif kind == "rtf-large": rtf_large(path)
    elif kind == "bomb-docx":
        open(path, "wb").write(minimal_docx(600 << 20))
    elif kind == "dtd-docx":
        open(path, "wb").write(minimal_docx(
            '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;">]>'
            '<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body><w:p><w:r><w:t>&lol2;</w:t></w:r></w:p></w:body></w:document>'))
    elif kind == "truncated-docx":
        data = minimal_docx('<?xml version="1.0"?><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>'
                            + "<w:p><w:r><w:t>text</w:t></w:r></w:p>" * 2000 + "</w:body></w:document>")
        open(path, "wb").write(data[: len(data) // 2])
    elif kind == "fake-docx":
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w") as z:
            z.writestr("notes.txt", "a zip archive named .docx")
        open(path, "wb").write(buf.getvalue())
    elif kind == "encrypted-doc":
        # An OLE compound file's signature and an EncryptionInfo stream name, as a password-protected .docx has.
        header = bytes.fromhex("D0CF11E0A1B11AE1") + bytes(504)
        directory = "EncryptionInfo".encode("utf-16-le") + bytes(64)
        open(path, "wb").write(header + directory + bytes(4096))
    else:
        sys.exit(f"unknown kind {kind}")


if __name__ == "__main__":
    main()
