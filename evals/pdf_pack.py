"""A Police and Crime Panel agenda pack as PDF, for the PDF benchmark and the PDF loader's tests.

Pages are drawn line by line on a reportlab canvas, not flowed by platypus, so
that what a loader must undo is known exactly: a running header and footer on
every page, words hyphenated at line ends, paragraphs broken across pages, ruled
tables, roman page labels on the front pages. ``scanned_pack`` rasterises pages
so that only OCR can read them. The same arguments always give the same pages.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path
from typing import Literal

from reportlab.lib.pagesizes import A4
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas

HEADER = "Police and Crime Panel – 14 January 2025"
PAGE_OF = "Page {n} of {m}"
AGENDA_ITEM = "Agenda item 5 – page {n}"
HEADINGS = ("Proposed precept 2025/26", "Background", "Financial position", "Consultation",
            "Risks and assurance", "Recommendations")
PARAGRAPHS_PER_HEADING = 5
# Where a word may break at a line end, as a typesetter would break it; no other word is ever split.
HYPHENATION = ("govern-ance", "account-ability", "partner-ship", "neighbour-hood", "consult-ation")
BAND_D = (268.42, 282.42)  # 2024/25, 2025/26
SCANNED_TITLE = "Agenda item 7 – Precept decision"
SCANNED_SENTENCE = "The Panel approved a precept of £282.42 for 2025/26."

FIRST_PARAGRAPHS = (
    ("The Panel is asked to review the Police and Crime Commissioner's proposed precept for 2025/26, "
     "which would set the Band D council tax for policing at £282.42, an increase of £14.00 (5.2%) on "
     "the 2024/25 figure of £268.42. The Panel may accept the proposal, make recommendations on it, "
     "or veto it by a two-thirds majority of its members."),
    ("The Commissioner has a statutory duty to secure an efficient and effective police force and to "
     "hold the Chief Constable to account for the force's performance. This report sets out how the "
     "budget supports the Police and Crime Plan and the arrangements for robust financial governance "
     "agreed with the Chief Constable in the joint corporate framework."),
)
SENTENCES = (
    ("The net revenue budget for 2025/26 is £412.6 million, of which £151.3 million is raised through "
     "the precept."),
    ("Officer numbers are forecast to remain at 3,245 full-time equivalents, in line with the "
     "national uplift commitment."),
    ("The Home Office core grant rises by £9.8 million, although most of this is needed to meet the "
     "2024 pay award."),
    ("Savings of £4.6 million are planned through the estates strategy, the fleet review and the "
     "consolidation of the contact centre."),
    ("Members asked how the neighbourhood policing model would be protected if further savings were "
     "required in 2026/27."),
    ("The Commissioner confirmed that the victim services grant of £2.1 million would be kept at its "
     "current level."),
    ("The tax base has grown by 1.4% to 536,120 Band D equivalent properties, according to the "
     "billing authorities' returns."),
    ("General reserves are expected to stand at £18.2 million on 31 March 2025, equivalent to 4.4% of "
     "the net revenue budget."),
    ("The capital programme of £27.5 million includes the replacement of the custody suite and the "
     "first phase of the mobile data project."),
    ("A public consultation ran from 11 November to 16 December 2024 and received 2,318 responses, "
     "61% of which supported an increase."),
    ("The Chief Finance Officer advised that the budget is robust and the reserves adequate, as "
     "section 25 of the Local Government Act 2003 requires."),
    ("The Panel noted the partnership work with the seven community safety partnerships and the £1.2 "
     "million allocated to them."),
    ("The accountability and performance board will receive quarterly reports on the delivery of the "
     "savings plan."),
    ("The Commissioner's office costs £1.9 million a year, which is 0.5% of the total budget for "
     "policing."),
    ("Recorded crime fell by 3.2% in the twelve months to September 2024, while the charge rate rose "
     "to 7.9%."),
    ("Calls to the 101 non-emergency number were answered in an average of 4 minutes 12 seconds, "
     "against a target of 3 minutes."),
)
BAND_NINTHS = (("A", 6), ("B", 7), ("C", 8), ("D", 9), ("E", 11), ("F", 13), ("G", 15), ("H", 18))

PAGE_WIDTH, PAGE_HEIGHT = A4
MARGIN = 72.0
TEXT_WIDTH = PAGE_WIDTH - 2 * MARGIN
BODY_FONT, BOLD_FONT, BODY_SIZE, LEADING = "Helvetica", "Helvetica-Bold", 10.5, 14.0
BODY_TOP, BODY_BOTTOM = PAGE_HEIGHT - MARGIN, MARGIN
ROW_HEIGHT = 16.0
TABLE_COLUMNS = (MARGIN, MARGIN + 231, MARGIN + 341, MARGIN + 451)  # cell edges: measure, then two years


def wrap(text: str, width: float = TEXT_WIDTH, font: str = BODY_FONT, size: float = BODY_SIZE) -> list[str]:
    """Greedy line breaking; a ``HYPHENATION`` word that does not fit whole breaks as a typesetter would."""
    lines: list[str] = []
    line = ""
    for word in text.split():
        trial = f"{line} {word}" if line else word
        if not line or stringWidth(trial, font, size) <= width:
            line = trial
            continue
        head = _hyphen_head(word)
        if head and stringWidth(f"{line} {head}-", font, size) <= width:
            lines.append(f"{line} {head}-")
            line = word[len(head):]
        else:
            lines.append(line)
            line = word
    return [*lines, line] if line else lines


def _hyphen_head(word: str) -> str:
    for entry in HYPHENATION:
        if word.lower().startswith(entry.replace("-", "")):
            return word[: entry.index("-")]
    return ""


def paragraph_text(number: int) -> str:
    """Paragraph ``number`` (from 1), unnumbered: two fixed openers, then three or four bank sentences."""
    if number <= len(FIRST_PARAGRAPHS):
        return FIRST_PARAGRAPHS[number - 1]
    return " ".join(SENTENCES[(number * 7 + k * 5) % len(SENTENCES)] for k in range(3 + number % 2))


def band_rows(before: float = BAND_D[0], after: float = BAND_D[1]) -> list[tuple[str, str, str]]:
    """Council tax bands A–H as the statutory ninths of Band D, in pounds to the penny."""
    return [(f"Band {band} precept", f"£{before * ninths / 9:.2f}", f"£{after * ninths / 9:.2f}")
            for band, ninths in BAND_NINTHS]


def draw_grid(canvas: Canvas, header: tuple[str, str, str], rows: list[tuple[str, str, str]],
              top: float) -> float:
    """A ruled table, header row bold, figures right-aligned; returns the y of its bottom rule."""
    left, right = TABLE_COLUMNS[0], TABLE_COLUMNS[-1]
    for index, row in enumerate([header, *rows]):
        row_top = top - index * ROW_HEIGHT
        canvas.line(left, row_top, right, row_top)
        canvas.setFont(BOLD_FONT if index == 0 else BODY_FONT, 9.5)
        canvas.drawString(left + 4, row_top - 11.5, row[0])
        for column, cell in enumerate(row[1:], start=1):
            canvas.drawRightString(TABLE_COLUMNS[column + 1] - 4, row_top - 11.5, cell)
    bottom = top - ROW_HEIGHT * (len(rows) + 1)
    canvas.line(left, bottom, right, bottom)
    for x in TABLE_COLUMNS:
        canvas.line(x, top, x, bottom)
    return bottom


def draw_furniture(canvas: Canvas, footer: str) -> None:
    """The running header, ``HEADER``, and ``footer`` centred at the foot: what a loader must drop."""
    canvas.setFont(BODY_FONT, 9)
    canvas.drawString(MARGIN, PAGE_HEIGHT - 40, HEADER)
    canvas.drawCentredString(PAGE_WIDTH / 2, 40, footer)


def _paragraphs() -> Iterator[tuple[str | None, tuple[str, ...]]]:
    """The numbered paragraphs, endlessly, wrapped, each with the heading that goes before it, if any."""
    number = 0
    while True:
        heading = HEADINGS[(number // PARAGRAPHS_PER_HEADING) % len(HEADINGS)]
        number += 1
        lines = tuple(wrap(f"{number}. {paragraph_text(number)}"))
        yield (heading if number % PARAGRAPHS_PER_HEADING == 1 else None), lines


class _Pen:
    """The canvas, the page being drawn and how far down it the text has reached; draws the page furniture."""

    def __init__(self, canvas: Canvas, pages: int, footer: str) -> None:
        self.canvas, self.pages, self.footer = canvas, pages, footer
        self.page, self.y = 0, BODY_TOP
        self.new_page()

    def room(self) -> float:
        return self.y - BODY_BOTTOM

    def new_page(self) -> None:
        if self.page:
            self.canvas.showPage()
        self.page, self.y = self.page + 1, BODY_TOP
        form = PAGE_OF if self.footer == "page_of" else AGENDA_ITEM
        draw_furniture(self.canvas, form.format(n=self.page, m=self.pages))

    def line(self, text: str, font: str = BODY_FONT, size: float = BODY_SIZE) -> None:
        if self.room() < LEADING:
            self.new_page()
        self.y -= LEADING
        self.canvas.setFont(font, size)
        self.canvas.drawString(MARGIN, self.y, text)


def agenda_pack(path: Path, pages: int = 6, labels: bool = True, *, table_every: int = 0,
                footer: Literal["page_of", "agenda_item"] = "page_of") -> Path:
    """Write a ``pages``-page agenda pack (A4, Helvetica 10.5pt body) to ``path``.

    Every page: the header line "Police and Crime Panel – 14 January 2025" at the top and, at the foot,
    "Page N of M" (``footer="agenda_item"``: "Agenda item 5 – page N"), N the physical page from 1.
    Body: numbered paragraphs "1. ", "2. ", ... (about nine a page), each wrapped over four to six lines,
    flowing from page to page; a bold heading before paragraphs 1, 6, 11, ... cycling through
    ``HEADINGS`` ("Proposed precept 2025/26", "Background", ...). Paragraph 1 holds "£282.42",
    "£14.00 (5.2%)" (wrapped: "£14.00" ends a line, "(5.2%)" begins the next) and "£268.42"; paragraph 2
    (page 1) ends a line with "robust financial govern-" and the next line begins "ance agreed with the
    Chief Constable"; paragraphs 3 on are sentences of ``SENTENCES`` (``paragraph_text(n)``). Only
    ``HYPHENATION`` words are ever hyphenated, and only where one falls at a line end (in the default six
    pages, that "governance" only).

    Paragraphs run on over page breaks where they fall. With the defaults, the paragraphs beginning on
    each page are 1–9, 10–18, 19–27, 28–35, 36–44 and 45–52; paragraph 9 runs from page 1, whose last
    body line ends "while the charge", onto page 2, whose first body line is "rate rose to 7.9%.";
    paragraph 27 runs from page 3 ("stand at £18.2 million on 31 March") onto page 4 ("2025, equivalent
    to 4.4% of the net revenue budget."); the other pages end with a whole paragraph. The last page
    holds only whole paragraphs.

    ``table_every=k``: after the first paragraph ending on or after page j·k, a bold caption "Table j:
    Precept and council tax bands" and a ruled table with header "Measure | 2024/25 | 2025/26" and the
    rows of ``band_rows()`` ("Band D precept | £268.42 | £282.42"). ``labels``: page labels "i", "ii",
    then "1", "2", ... (so ``pypdf.PdfReader(path).page_labels`` is ``["i", "ii", "1", ...]``). Title
    "Police and Crime Panel agenda pack, 14 January 2025".
    """
    canvas = Canvas(str(path), pagesize=A4, invariant=True)
    canvas.setTitle("Police and Crime Panel agenda pack, 14 January 2025")
    if labels:
        canvas.addPageLabel(0, "ROMAN_LOWER", 1)
        if pages > 2:
            canvas.addPageLabel(2, "ARABIC", 1)
    pen, tables = _Pen(canvas, pages, footer), 0
    table_height = LEADING * 2.5 + ROW_HEIGHT * (len(BAND_NINTHS) + 1)
    for heading, lines in _paragraphs():
        if pen.page == pages and pen.room() < LEADING * (len(lines) + (2 if heading else 0)):
            break
        if heading:
            if pen.room() < LEADING * 4:  # a heading is never left at the foot of a page
                pen.new_page()
            pen.line(heading, BOLD_FONT, 12)
        for line in lines:
            pen.line(line)
        pen.y -= LEADING / 2
        if table_every and pen.page >= (tables + 1) * table_every:
            if pen.room() < table_height:
                if pen.page == pages:
                    break
                pen.new_page()
            tables += 1
            pen.line(f"Table {tables}: Precept and council tax bands", BOLD_FONT)
            bottom = draw_grid(canvas, ("Measure", "2024/25", "2025/26"), band_rows(), pen.y - LEADING / 2)
            pen.y = bottom - LEADING
    canvas.showPage()
    canvas.save()
    return path


def scanned_pack(path: Path, pages: int = 1, dpi: int = 200) -> Path:
    """Write ``pages`` image-only pages (greyscale, ``dpi``), a scan of a text page: no text layer at all.

    Each page shows, in 14pt and larger: "Agenda item 7 – Precept decision" (18pt bold), "Minutes of
    the Police and Crime Panel, 14 January 2025.", "The Panel approved a precept of £282.42 for
    2025/26.", "Members voted 9 to 2 in favour of the proposal.", the bank sentence
    ``SENTENCES[N % 16]``, and "Page N of M" at the foot. Title "Agenda item 7 – Precept decision".
    """

    import pypdfium2

    source = io.BytesIO()
    canvas = Canvas(source, pagesize=A4, invariant=True)
    for page in range(1, pages + 1):
        canvas.setFont(BOLD_FONT, 18)
        canvas.drawString(MARGIN, BODY_TOP - 18, SCANNED_TITLE)
        y = BODY_TOP - 60
        body = ("Minutes of the Police and Crime Panel, 14 January 2025.", SCANNED_SENTENCE,
                "Members voted 9 to 2 in favour of the proposal.", SENTENCES[page % len(SENTENCES)])
        canvas.setFont(BODY_FONT, 14)
        for sentence in body:
            for line in wrap(sentence, size=14):
                canvas.drawString(MARGIN, y, line)
                y -= 20
            y -= 10
        canvas.drawCentredString(PAGE_WIDTH / 2, 50, PAGE_OF.format(n=page, m=pages))
        canvas.showPage()
    canvas.save()
    document = pypdfium2.PdfDocument(source.getvalue())
    try:
        images = [document[i].render(scale=dpi / 72).to_pil().convert("L") for i in range(len(document))]
    finally:
        document.close()
    images[0].save(path, "PDF", resolution=float(dpi), save_all=True, append_images=images[1:],
                   title=SCANNED_TITLE)
    return path
