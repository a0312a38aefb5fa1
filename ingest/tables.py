"""Tables without ruling lines, found from where their words stand.

Most council finance tables have no ruling lines: a column of figures is a
column only because its numbers line up. pdfplumber's text strategy proposes
where columns and rows run from how words align; on its own it turns pages of
prose into "tables", so a proposal is kept only when it reads as a table of
figures:

- its columns are read from the proposal, but each word is placed whole, in
  the column its middle falls in (the proposal splits words at column edges);
- the columns that hold words rather than figures are joined into one label
  column where they stand together ("internal base adjustments"), so a row
  reads "label | figure | figure";
- at least two rows hold figures, at least half of the cells outside the label
  hold figures, and no label runs to a sentence's length: prose in two columns,
  a numbered list or a paragraph beside a date is never a table;
- the rows above the first row of figures that have words over the figure
  columns ("2024/25 2025/26", "Core External Total", "£000s") are its header
  rows; prose above them is left out of the table.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

TEXT_STRATEGY = {
    "vertical_strategy": "text",
    "horizontal_strategy": "text",
    "snap_tolerance": 3,
    "join_tolerance": 3,
    "intersection_tolerance": 5,
    "text_x_tolerance": 3,
}
_AMOUNT = r"[-–−]?[£$€]?[-–−]?\d[\d,]*(?:\.\d+)?%?[mkb]?"
_FIGURE = re.compile(rf"^(?:{_AMOUNT}|\({_AMOUNT}\)|[-–−]|n/?a)$", re.I)
LINE_TOLERANCE = 3.0  # points: words whose tops differ by less sit on one line
_MOST_LABEL_WORDS = 14  # a longer "label" is a sentence: prose, not a row
_MOST_LABEL_WORDS_TYPICAL = 8  # the median label of a table is shorter than a line of prose
_LEAST_FIGURE_ROWS = 2


@dataclass(frozen=True)
class FoundTable:
    """A table read from words: its box on the page and its rows, header rows first."""

    bbox: tuple[float, float, float, float]
    rows: list[list[str]]
    header_rows: int


def is_figure(text: str) -> bool:
    """ "1,429,506.8", "-836.6", "£282.42", "(5.2%)", "–", "n/a": a table's cell of figures."""
    return bool(_FIGURE.match(text.strip()))


def borderless_tables(page, words: Sequence[dict]) -> list[FoundTable]:  # noqa: ANN001  (a pdfplumber page)
    """The tables of figures among ``words`` (a page's words outside its ruled tables)."""
    if sum(is_figure(w["text"]) for w in words) < 2 * _LEAST_FIGURE_ROWS:
        return []
    found = []
    for proposal in page.find_tables(TEXT_STRATEGY):
        columns = sorted((c.bbox[0], c.bbox[2]) for c in proposal.columns)
        x0, top, x1, bottom = proposal.bbox
        inside = [w for w in words if x0 - 1 <= _middle_x(w) <= x1 + 1 and top - 1 <= _middle_y(w) <= bottom + 1]
        table = read_table(inside, columns)
        if table is not None:
            found.append(table)
    return found


def read_table(words: Sequence[dict], columns: Sequence[tuple[float, float]]) -> FoundTable | None:
    """The table these words make in these columns, or None when they do not read as a table of figures."""
    if len(columns) < 2:
        return None
    lines = word_lines(words)
    grid = [_cells(line, columns) for line in lines]
    figure_columns = [
        any(is_figure(row[c]) for row in grid) and
        sum(is_figure(row[c]) for row in grid if row[c]) >= 0.5 * sum(1 for row in grid if row[c])
        for c in range(len(columns))
    ]
    if not any(figure_columns) or all(figure_columns):
        return None
    rows = [_joined_labels(row, figure_columns) for row in grid]
    kept_columns = _joined_labels(list(map(str, range(len(columns)))), figure_columns)
    figures_at = [i for i, name in enumerate(kept_columns) if name.isdigit() and figure_columns[int(name)]]
    figure_rows = [n for n, row in enumerate(rows) if any(is_figure(row[i]) for i in figures_at if row[i])]
    if len(figure_rows) < _LEAST_FIGURE_ROWS:
        return None
    first, last = figure_rows[0], figure_rows[-1]
    header = first
    while header > 0 and (not any(rows[header - 1]) or _heads(rows[header - 1], figures_at)):
        header -= 1
    while header < first and not any(rows[header]):
        header += 1
    cells = [row[i] for row in rows[first : last + 1] for i in figures_at if row[i]]
    if sum(is_figure(c) for c in cells) < 0.5 * len(cells) or any(_prose(row) for row in rows[header : last + 1]):
        return None
    if figures_at == [0] or not _labels_are_short_and_figured(rows[first : last + 1], figures_at):
        return None  # numbered paragraphs: the numbers stand first, the words run on
    body = [row for row in rows[header : last + 1] if any(row)]
    header_rows = sum(1 for row in rows[header:first] if any(row))
    kept = [line for line in lines[header : last + 1]]
    bbox = (
        min(w["x0"] for line in kept for w in line), min(w["top"] for line in kept for w in line),
        max(w["x1"] for line in kept for w in line), max(w["bottom"] for line in kept for w in line),
    )
    return FoundTable(bbox, body, header_rows)


def _labels_are_short_and_figured(rows: Sequence[Sequence[str]], figures_at: Sequence[int]) -> bool:
    """In a table most rows that have a label have figures too, and labels are a few words; in prose
    a line of words runs on without a figure, and lines are long."""
    labelled = [row for row in rows if any(cell for i, cell in enumerate(row) if i not in figures_at)]
    if not labelled:
        return True
    figured = sum(1 for row in labelled if any(is_figure(row[i]) for i in figures_at if row[i]))
    lengths = sorted(len(" ".join(c for i, c in enumerate(row) if i not in figures_at).split()) for row in labelled)
    return figured >= 0.5 * len(labelled) and lengths[len(lengths) // 2] <= _MOST_LABEL_WORDS_TYPICAL


def _heads(row: Sequence[str], figures_at: Sequence[int]) -> bool:
    """Could this row head the figure columns ("2024/25", "Core External Total", "£000s")? Words over
    them, a few to a column, and a short label if any."""
    over = [row[i] for i in figures_at if row[i]]
    label = " ".join(cell for i, cell in enumerate(row) if i not in figures_at)
    return bool(over) and all(len(cell.split()) <= 3 for cell in over) and len(label.split()) <= 4


def _prose(row: Sequence[str]) -> bool:
    return any(len(cell.split()) > _MOST_LABEL_WORDS for cell in row)


def _joined_labels(row: list[str], figure_columns: Sequence[bool]) -> list[str]:
    """The row with each run of neighbouring word columns joined into one cell."""
    joined: list[str] = []
    previous_words = False
    for cell, figures in zip(row, figure_columns, strict=True):
        if not figures and previous_words:
            joined[-1] = " ".join(part for part in (joined[-1], cell) if part)
        else:
            joined.append(cell)
        previous_words = not figures
    return joined


def _cells(line: Sequence[dict], columns: Sequence[tuple[float, float]]) -> list[str]:
    """The line's words placed whole, each in the column its middle falls in (else the nearest)."""
    cells: list[list[str]] = [[] for _ in columns]
    for word in line:
        middle = _middle_x(word)
        at = min(range(len(columns)), key=lambda c: _distance(middle, columns[c]))
        cells[at].append(word["text"])
    return [" ".join(words) for words in cells]


def _distance(x: float, column: tuple[float, float]) -> float:
    start, end = column
    return 0.0 if start <= x <= end else min(abs(x - start), abs(x - end))


def word_lines(words: Sequence[dict]) -> list[list[dict]]:
    """Words grouped into lines by their tops, top to bottom, each line's words left to right."""
    lines: list[list[dict]] = []
    for word in sorted(words, key=lambda w: (w["top"], w["x0"])):
        if lines and abs(word["top"] - lines[-1][0]["top"]) <= LINE_TOLERANCE:
            lines[-1].append(word)
        else:
            lines.append([word])
    return [sorted(line, key=lambda w: w["x0"]) for line in lines]


def _middle_x(word: dict) -> float:
    return (word["x0"] + word["x1"]) / 2


def _middle_y(word: dict) -> float:
    return (word["top"] + word["bottom"]) / 2
