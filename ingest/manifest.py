"""Document metadata: from a folder's manifest, or inferred from the text."""

from __future__ import annotations

import re
import tomllib
from datetime import date
from pathlib import Path
from typing import Any

from retrieval.errors import ConfigError
from retrieval.models import DocumentInfo

MANIFEST_NAME = "manifest.toml"
DOCUMENT_TYPES = ("letter", "minutes", "report", "inspection", "news", "document")

_MONTHS = {
    name: number
    for number, names in enumerate(
        [("january", "jan"), ("february", "feb"), ("march", "mar"), ("april", "apr"), ("may",),
         ("june", "jun"), ("july", "jul"), ("august", "aug"), ("september", "sep", "sept"),
         ("october", "oct"), ("november", "nov"), ("december", "dec")],
        start=1,
    )
    for name in names
}
_MONTH = r"(january|february|march|april|may|june|july|august|september|october|november|december|jan|feb|mar|apr|jun|jul|aug|sept?|oct|nov|dec)"
_DAY_MONTH_YEAR = re.compile(rf"\b(\d{{1,2}})(?:st|nd|rd|th)?\s+{_MONTH}\.?,?\s+(\d{{4}})\b", re.I)
_MONTH_DAY_YEAR = re.compile(rf"\b{_MONTH}\.?\s+(\d{{1,2}})(?:st|nd|rd|th)?,\s+(\d{{4}})\b", re.I)
_NUMERIC = re.compile(r"\b(\d{1,2})/(\d{1,2})/(\d{4})\b")  # UK order: day/month/year
_ISO = re.compile(r"\b(\d{4})-(\d{2})-(\d{2})\b")

_TYPE_HINTS = (
    ("minutes", r"\bminutes\b|\bmeeting notes\b|\bapologies\b|\bagenda item"),
    ("letter", r"\bdear\b|\byours sincerely\b|\bi am writing\b"),
    ("news", r"\bpress release\b|\bnews\b|\bsaid:"),
    ("inspection", r"\bpeel\b|\binspection\b|\bhmicfrs?\b.*\bfound\b"),
    ("report", r"\breport\b"),
)


def read_manifest(folder: Path) -> dict[str, dict[str, Any]]:
    """Entries by file name, each merged over the manifest's ``[defaults]``."""
    path = folder / MANIFEST_NAME
    if not path.is_file():
        return {}
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
        raise ConfigError(f"{path}: {error}") from error
    defaults = data.pop("defaults", {})
    return {name: defaults | entry for name, entry in data.items() if isinstance(entry, dict)}


# What a committee paper's manifest entry may say of its meeting (``quorum sync`` writes them).
MEETING_FIELDS = ("committee", "meeting_id", "meeting_date", "meeting_url", "item", "item_title", "item_url",
                  "published", "withdrawn")
_DATES = ("meeting_date", "published", "withdrawn")


def document_info(doc_id: str, source: str, text: str, file_title: str, entry: dict[str, Any]) -> DocumentInfo:
    """Manifest values where given, otherwise what the document itself says."""
    doc_type = str(entry.get("type") or infer_type(source, text))
    return DocumentInfo(
        doc_id=doc_id,
        title=str(entry.get("title") or _real_title(file_title) or infer_title(text) or Path(source).stem),
        type=doc_type if doc_type in DOCUMENT_TYPES else "document",
        organisation=str(entry.get("organisation", "")),
        date=_iso(entry.get("date")) or infer_date(text),
        source=source,
        url=str(entry.get("url", "")),
        licence=str(entry.get("licence", "")),
        **{name: _iso(entry.get(name)) if name in _DATES else str(entry.get(name, "")) for name in MEETING_FIELDS},
    )


# Titles that programs put in a file's properties when its author gave none.
_PLACEHOLDER_TITLE = re.compile(
    r"(?:\(?untitled(?:\s+document)?\)?|no title|title|document\s*\d*|microsoft (?:word|powerpoint) - .*"
    r"|powerpoint presentation|slide \d+|.*\.(?:docx?|pdf|odt|rtf|pptx?))",
    re.I,
)


def _real_title(title: str) -> str:
    """A file's own title, unless it is a placeholder ("Untitled", "Microsoft Word - draft.docx")."""
    return "" if _PLACEHOLDER_TITLE.fullmatch(title.strip()) else title


def _iso(value: Any) -> str:
    if isinstance(value, date):
        return value.isoformat()
    return infer_date(str(value)) if value else ""


def infer_title(text: str) -> str:
    """The first short line that reads like a heading."""
    for line in text.splitlines()[:12]:
        line = line.strip().lstrip("#").strip()  # a Markdown heading in a plain text file
        if 3 <= len(line) <= 150 and not line.endswith((".", ",")) and not _DAY_MONTH_YEAR.fullmatch(line):
            return line
    return ""


def infer_date(text: str, window: int = 2000) -> str:
    """The first full date in the opening of the text, as ISO, or ""."""
    head = text[:window]
    found: list[tuple[int, str]] = []
    for match in _DAY_MONTH_YEAR.finditer(head):
        found.append((match.start(), _make(match.group(3), _MONTHS[match.group(2).lower()], match.group(1))))
    for match in _MONTH_DAY_YEAR.finditer(head):
        found.append((match.start(), _make(match.group(3), _MONTHS[match.group(1).lower()], match.group(2))))
    for match in _NUMERIC.finditer(head):
        found.append((match.start(), _make(match.group(3), match.group(2), match.group(1))))
    for match in _ISO.finditer(head):
        found.append((match.start(), _make(match.group(1), match.group(2), match.group(3))))
    valid = sorted((position, iso) for position, iso in found if iso)
    return valid[0][1] if valid else ""


def _make(year: str | int, month: str | int, day: str | int) -> str:
    try:
        return date(int(year), int(month), int(day)).isoformat()
    except ValueError:
        return ""


def infer_type(source: str, text: str) -> str:
    haystack = f"{source}\n{text[:3000]}".lower()
    for doc_type, pattern in _TYPE_HINTS:
        if re.search(pattern, haystack):
            return doc_type
    return "document"
