"""Small PDFs that read like a Police and Crime Panel agenda pack, for the PDF loader's tests.

Plain functions, each writing one file to the ``path`` it is given and returning it,
so a test builds only what it asserts on. Each docstring lists the text and figures
the file holds. The agenda pack and the scanned page come from ``evals/pdf_pack.py``,
which the PDF benchmark uses too, so the tests and the benchmark read the same pages.
"""

from __future__ import annotations

import io
from pathlib import Path

from pypdf import PdfReader, PdfWriter
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import getSampleStyleSheet
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from evals.pdf_pack import (
    AGENDA_ITEM,
    BODY_BOTTOM,
    BODY_FONT,
    BODY_SIZE,
    BODY_TOP,
    BOLD_FONT,
    LEADING,
    MARGIN,
    PAGE_OF,
    agenda_pack,
    band_rows,
    draw_furniture,
    paragraph_text,
    scanned_pack,
    wrap,
)

COLUMN_HEADING = "Item 6: Questions to the Commissioner"
LEFT_COLUMN = (
    "14. Members asked about support for victims of crime. The Commissioner said that the victim services "
    "grant of £2.1 million would be kept at its current level. Referrals to the victim hub rose by 11% in "
    "2024, and the hub now calls every victim back within two working days."
)
RIGHT_COLUMN = (
    "15. Members then turned to the 101 non-emergency line. Calls were answered in an average of 4 minutes "
    "12 seconds, against a target of 3 minutes. The Chief Constable expects the new telephony system to "
    "halve waiting times, and a progress report will come to the Panel in June 2025."
)
LEFT_X, RIGHT_X, COLUMN_WIDTH = 72.0, 310.0, 213.0

TABLE_CAPTION = "Table 2: Precept and council tax bands"
TABLE_HEADER = ("Measure", "2023/24", "2024/25")
TABLE_ROWS: tuple[tuple[str, str, str], ...] = (
    ("Neighbourhood policing (£m)", "62.4", "64.9"),
    ("Response policing (£m)", "71.8", "73.2"),
    ("Investigations (£m)", "48.3", "50.6"),
    ("Public protection (£m)", "39.7", "42.1"),
    ("Roads policing (£m)", "12.6", "12.9"),
    ("Custody (£m)", "14.2", "14.8"),
    ("Contact centre (£m)", "21.5", "20.7"),
    ("Intelligence (£m)", "17.9", "18.4"),
    ("Forensic services (£m)", "9.8", "10.3"),
    ("Estates (£m)", "16.4", "15.9"),
    ("ICT and digital (£m)", "24.1", "26.3"),
    ("Corporate services (£m)", "19.6", "19.1"),
    ("Commissioner's office (£m)", "1.8", "1.9"),
    ("Victim services grants (£m)", "2.1", "2.1"),
    ("Community safety grants (£m)", "1.2", "1.2"),
    ("Capital financing (£m)", "8.9", "9.6"),
    ("Pension costs (£m)", "6.3", "6.8"),
    ("Savings target (£m)", "-5.1", "-4.6"),
    ("Net revenue budget (£m)", "397.8", "412.6"),
    ("Home Office core grant (£m)", "238.7", "248.5"),
    ("Council tax requirement (£m)", "142.3", "151.3"),
    ("Collection fund surplus (£m)", "1.1", "0.8"),
    ("Tax base (Band D equivalents)", "528,710", "536,120"),
    ("Police officers (FTE)", "3,221", "3,245"),
    ("PCSOs (FTE)", "312", "298"),
    ("Police staff (FTE)", "2,064", "2,087"),
    ("Special constables (headcount)", "287", "301"),
    ("Volunteers (headcount)", "412", "436"),
    *band_rows(268.42, 282.42),
    ("Band D increase (£)", "£13.00", "£14.00"),
    ("Band D increase (%)", "5.1%", "5.2%"),
    ("Properties in Band D or above (%)", "38.2%", "38.4%"),
    ("Council tax support claimants", "61,240", "60,875"),
)
TABLE_INTRO = (
    ("1. This appendix sets out the budget and workforce figures behind the proposed precept, together with "
     "the council tax payable in each band. The figures for 2024/25 are the Commissioner's proposals; those "
     "for 2023/24 are the approved budget."),
    ("2. Council tax for each band is a fixed ninth-based proportion of Band D, as set out in section 5 of "
     "the Local Government Finance Act 1992, so a change at Band D moves every band in step."),
)

FOOTNOTE = "¹ Figures are provisional."
FOOTNOTED_PARAGRAPH = (
    "14. The council tax base for 2025/26 has been confirmed by the billing authorities at 536,120 Band D "
    "equivalent properties¹, an increase of 1.4% on the previous year. Together with a collection fund "
    "surplus of £0.8 million, this gives a council tax requirement of £151.3 million. The Chief Finance "
    "Officer has tested the budget against changes in the tax base: each 0.1% change alters precept income "
    "by about £151,000. The billing authorities will confirm their final collection fund positions by the "
    "end of January 2025, and any change will be met from the budget equalisation reserve rather than by "
    "amending the precept."
)
FOOTNOTE_FILLERS = range(6, 14)  # paragraphs before the footnoted one: with these, it breaks mid-paragraph
USER_PASSWORD = "panel-2025"


def two_column_page(path: Path) -> Path:
    """One page set in two columns, written so that a naive extractor reads across them.

    Top: ``HEADER`` ("Police and Crime Panel – 14 January 2025") and the bold heading "Item 6: Questions to
    the Commissioner", full width. Then ``LEFT_COLUMN`` (paragraph "14. Members asked about support for
    victims of crime. ...", £2.1 million, 11%) wrapped at x=72 and ``RIGHT_COLUMN`` (paragraph "15. Members
    then turned to the 101 non-emergency line. ...", 4 minutes 12 seconds, June 2025) at x=310, each
    213pt wide, on shared baselines. The content stream alternates left line 1, right line 1, left line 2,
    ..., so stream order and ``pdfplumber``'s ``extract_text()`` both interleave the two paragraphs; only
    a column-aware reading gives each paragraph whole. Footer "Page 1 of 1". Title "Police and Crime
    Panel minutes, 14 January 2025".
    """
    canvas = Canvas(str(path), pagesize=A4, invariant=True)
    canvas.setTitle("Police and Crime Panel minutes, 14 January 2025")
    draw_furniture(canvas, PAGE_OF.format(n=1, m=1))
    canvas.setFont(BOLD_FONT, 12)
    canvas.drawString(MARGIN, BODY_TOP - LEADING, COLUMN_HEADING)
    left, right = wrap(LEFT_COLUMN, COLUMN_WIDTH), wrap(RIGHT_COLUMN, COLUMN_WIDTH)
    canvas.setFont(BODY_FONT, BODY_SIZE)
    for row in range(max(len(left), len(right))):
        y = BODY_TOP - LEADING * (row + 3)
        for x, lines in ((LEFT_X, left), (RIGHT_X, right)):
            if row < len(lines):
                canvas.drawString(x, y, lines[row])
    canvas.save()
    return path


def table_across_pages(path: Path, repeat_header: bool = True) -> Path:
    """A ruled table (platypus ``Table``, ``GRID``) of 40 rows that breaks across two A4 pages.

    Page 1: ``HEADER`` ("Police and Crime Panel – 14 January 2025") at the top; the bold heading "Agenda
    item 5 – Appendix B"; the two paragraphs of ``TABLE_INTRO`` ("1. This appendix sets out ...", "2.
    Council tax for each band ..."); the caption "Table 2: Precept and council tax bands"; then the table:
    header row "Measure | 2023/24 | 2024/25" and the rows of ``TABLE_ROWS`` in order, from "Neighbourhood
    policing (£m) | 62.4 | 64.9" to "Council tax support claimants | 61,240 | 60,875". Page 1 holds the
    first 30 rows, ending "Band B precept | £208.77 | £219.66"; page 2 holds the other 10, from "Band C
    precept | £238.60 | £251.04", among them "Band D precept | £268.42 | £282.42". ``repeat_header``: the
    header row is repeated at the top of page 2 (``repeatRows=1``); otherwise page 2's table starts
    straight with "Band C precept". Footer on each page "Agenda item 5 – page N". Title "Agenda item 5 –
    Appendix B".
    """
    styles = getSampleStyleSheet()
    story = [Paragraph("Agenda item 5 – Appendix B", styles["Heading2"])]
    story += [Paragraph(text, styles["BodyText"]) for text in TABLE_INTRO]
    story += [Spacer(1, 10), Paragraph(TABLE_CAPTION, styles["Heading4"])]
    table = Table([TABLE_HEADER, *TABLE_ROWS], colWidths=[231, 110, 110],
                  repeatRows=1 if repeat_header else 0)
    table.setStyle(TableStyle([
        ("GRID", (0, 0), (-1, -1), 0.5, colors.black),
        ("FONTNAME", (0, 0), (-1, 0), BOLD_FONT),
        ("FONTSIZE", (0, 0), (-1, -1), 9.5),
        ("ALIGN", (1, 0), (-1, -1), "RIGHT"),
    ]))
    story.append(table)

    def furniture(canvas: Canvas, document: SimpleDocTemplate) -> None:
        draw_furniture(canvas, AGENDA_ITEM.format(n=document.page))

    document = SimpleDocTemplate(str(path), pagesize=A4, leftMargin=MARGIN, rightMargin=MARGIN,
                                 topMargin=MARGIN, bottomMargin=MARGIN, invariant=True,
                                 title="Agenda item 5 – Appendix B")
    document.build(story, onFirstPage=furniture, onLaterPages=furniture)
    return path


BORDERLESS_HEADER = ("Measure", "2024/25", "2025/26")
BORDERLESS_ROWS: tuple[tuple[str, str, str], ...] = (
    ("Band D precept", "£268.42", "£282.42"),
    ("Band E precept", "£328.07", "£345.18"),
    ("Council tax base (Band D equivalents)", "536,120", "543,630"),
    ("Precept income (£m)", "143.9", "153.5"),
)
BORDERLESS_NOTE = (
    "3. The table below sets out the proposed precept for 2025/26 beside the current year. "
    "The Panel is asked to note the council tax base reported by the billing authorities."
)


def borderless_table(path: Path) -> Path:
    """Three pages; page 3 holds a table of figures drawn without ruling lines.

    Pages 1 and 2: numbered paragraphs of ``paragraph_text`` (the agenda pack's prose), with
    ``HEADER`` and "Page N of 3". Page 3: the bold heading "Proposed precept 2025/26", the paragraph
    ``BORDERLESS_NOTE`` ("3. The table below sets out the proposed precept ..."), then the header
    "Measure  2024/25  2025/26" (bold) and the rows of ``BORDERLESS_ROWS`` ("Band D precept  £268.42
    £282.42", "Band E precept  £328.07  £345.18", "Council tax base (Band D equivalents)  536,120
    543,630", "Precept income (£m)  143.9  153.5"), labels at x=72, figures right-aligned at x=380 and
    x=480, no lines drawn. Title "Agenda item 5 – Precept report".
    """
    canvas = Canvas(str(path), pagesize=A4, invariant=True)
    canvas.setTitle("Agenda item 5 – Precept report")
    for page in (1, 2):
        draw_furniture(canvas, PAGE_OF.format(n=page, m=3))
        canvas.setFont(BODY_FONT, BODY_SIZE)
        y = BODY_TOP - LEADING
        for number in range(1 + (page - 1) * 6, 1 + page * 6):
            for line in wrap(f"{number}. {paragraph_text(number + 2)}"):
                canvas.drawString(MARGIN, y, line)
                y -= LEADING
            y -= LEADING / 2
        canvas.showPage()
    draw_furniture(canvas, PAGE_OF.format(n=3, m=3))
    canvas.setFont(BOLD_FONT, 12)
    canvas.drawString(MARGIN, BODY_TOP - LEADING, "Proposed precept 2025/26")
    canvas.setFont(BODY_FONT, BODY_SIZE)
    y = BODY_TOP - 3 * LEADING
    for line in wrap(BORDERLESS_NOTE):
        canvas.drawString(MARGIN, y, line)
        y -= LEADING
    y -= LEADING
    for n, row in enumerate((BORDERLESS_HEADER, *BORDERLESS_ROWS)):
        canvas.setFont(BOLD_FONT if n == 0 else BODY_FONT, BODY_SIZE)
        canvas.drawString(MARGIN, y, row[0])
        canvas.drawRightString(380, y, row[1])
        canvas.drawRightString(480, y, row[2])
        y -= LEADING * 1.3
    canvas.save()
    return path


def footnote_page(path: Path) -> Path:
    """Two pages; a paragraph broken by the page break, with a small-type footnote at the foot of page 1.

    Page 1: ``HEADER``, the bold heading "Financial position", paragraphs 6 to 13 (``paragraph_text``,
    numbered "6. " ... "13. "), then the first four lines of ``FOOTNOTED_PARAGRAPH`` ("14. The council tax
    base for 2025/26 has been confirmed by the billing authorities at 536,120 Band D equivalent
    properties¹, ..."), the last of them ending "against changes in the tax base: each 0.1% change". Below
    it, over a short rule, the footnote "¹ Figures are provisional." in 7pt, then the footer "Page 1 of
    2". Page 2: ``HEADER``, the rest of paragraph 14, from "alters precept income by about £151,000." to
    "rather than by amending the precept.", then paragraph 15 (``paragraph_text(15)``) and the footer
    "Page 2 of 2". Title "Agenda item 5 – Financial position".
    """
    canvas = Canvas(str(path), pagesize=A4, invariant=True)
    canvas.setTitle("Agenda item 5 – Financial position")
    footnote_top = BODY_BOTTOM + 24
    draw_furniture(canvas, PAGE_OF.format(n=1, m=2))
    y = BODY_TOP - LEADING
    canvas.setFont(BOLD_FONT, 12)
    canvas.drawString(MARGIN, y, "Financial position")
    paragraphs = [f"{n}. {paragraph_text(n)}" for n in FOOTNOTE_FILLERS]
    paragraphs += [FOOTNOTED_PARAGRAPH, f"15. {paragraph_text(15)}"]
    page = 1
    for text in paragraphs:
        for line in wrap(text):
            if page == 1 and y - LEADING < footnote_top:
                canvas.line(MARGIN, footnote_top - 4, MARGIN + 144, footnote_top - 4)
                canvas.setFont(BODY_FONT, 7)
                canvas.drawString(MARGIN, footnote_top - 14, FOOTNOTE)
                canvas.showPage()
                page, y = 2, BODY_TOP
                draw_furniture(canvas, PAGE_OF.format(n=2, m=2))
            y -= LEADING
            canvas.setFont(BODY_FONT, BODY_SIZE)
            canvas.drawString(MARGIN, y, line)
        y -= LEADING / 2
    canvas.save()
    return path


def scanned_page(path: Path) -> Path:
    """One A4 page that is only a 200 dpi greyscale image of text: no text layer, so only OCR reads it.

    The image shows, 14pt and larger: "Agenda item 7 – Precept decision", "Minutes of the Police and Crime
    Panel, 14 January 2025.", "The Panel approved a precept of £282.42 for 2025/26.", "Members voted 9 to 2
    in favour of the proposal.", "Officer numbers are forecast to remain at 3,245 full-time equivalents, in
    line with the national uplift commitment." and, at the foot, "Page 1 of 1". Title "Agenda item 7 –
    Precept decision". (Tesseract 5.3 at 300 dpi reads all of it back, but the en dash as an em dash.)
    """
    return scanned_pack(path, pages=1)


images_only_pdf = scanned_page


def encrypted_pdf(path: Path) -> Path:
    """The two-page ``agenda_pack`` encrypted (RC4-128) with user password "panel-2025": nothing opens
    without it, and the empty password does not work."""
    agenda_pack(path, pages=2)
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(path.read_bytes())))
    writer.encrypt(user_password=USER_PASSWORD, owner_password="owner-2025", algorithm="RC4-128")
    with path.open("wb") as out:
        writer.write(out)
    return path


def damaged_pdf(path: Path) -> Path:
    """The two-page ``agenda_pack`` cut to the first half of its bytes: it starts "%PDF-" but has no
    cross-reference table, no trailer and no "%%EOF"."""
    agenda_pack(path, pages=2)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    return path
