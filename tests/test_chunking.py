import re

from ingest.chunking import split_structure
from ingest.pipeline import SourceFile, prepare
from ingest.manifest import read_manifest
from retrieval.embedding import Embedder
from retrieval.settings import Settings
from tests.conftest import CORPUS

REPORT = "panel-performance-report-2023-11-17.md"


def _prepared(name: str, settings: Settings, embedder: Embedder):
    source = SourceFile(CORPUS / name, name, read_manifest(CORPUS).get(name, {}))
    doc = prepare(source, settings, embedder)
    return doc.info, doc.text, doc.chunks, doc.chunk_texts


def test_numbered_paragraphs_stay_whole_and_keep_their_numbers(settings, embedder) -> None:
    _, text, chunks, _ = _prepared(REPORT, settings, embedder)
    numbered = {c.paragraph: c for c in chunks if c.paragraph}
    assert set(map(str, range(1, 101))) <= set(numbered)
    budget = numbered["47"]
    assert "47. The PCC has set a Net Budget Requirement of £273m." in budget.text
    assert "40 officers to support front line policing." in budget.text
    assert budget.section == "Reforming West Mercia"
    # a paragraph never spills into the next one
    assert not re.search(r"\n48\. ", budget.text)


def test_chunk_offsets_slice_back_to_the_chunk_text(settings, embedder) -> None:
    for path in sorted(CORPUS.glob("*.*")):
        if path.name == "manifest.toml":
            continue
        _, text, chunks, _ = _prepared(path.name, settings, embedder)
        assert chunks
        for chunk in chunks:
            assert text[chunk.start : chunk.end] == chunk.text


def test_no_embedded_text_is_truncated_by_the_model(settings, embedder) -> None:
    for path in sorted(CORPUS.glob("*.*")):
        if path.name == "manifest.toml":
            continue
        _, _, chunks, texts = _prepared(path.name, settings, embedder)
        for chunk, text in zip(chunks, texts, strict=True):
            assert chunk.text in text
            assert embedder.count_tokens(text) <= embedder.max_tokens, chunk.chunk_id


def test_headings_name_the_sections_of_minutes_and_inspections(settings, embedder) -> None:
    _, _, chunks, _ = _prepared("assurance-accountability-minutes-2023-12-11.txt", settings, embedder)
    agenda = {c.paragraph: c.section for c in chunks if c.paragraph}
    assert agenda["2"] == "2. Quarterly HMICFRS Update"
    _, _, chunks, _ = _prepared("hmic-peel-2016-effectiveness.txt", settings, embedder)
    graded = [c for c in chunks if "prevents crime, tackles anti-social behaviour" in c.text]
    assert graded and "preventing crime" in graded[0].section and "Requires improvement" in graded[0].section


def test_a_long_paragraph_is_split_between_sentences_within_the_limit() -> None:
    sentence = "The force has improved how it answers emergency calls in every district. "
    text = "Heading\n\n5. " + sentence * 40 + "\n\n6. Short paragraph."
    count = lambda t: len(t.split())  # noqa: E731 - a word counter stands in for the tokenizer
    spans = split_structure(text, count, 60)
    fives = [s for s in spans if s.paragraph == "5"]
    assert len(fives) > 1
    for span in spans:
        piece = text[span.start : span.end]
        assert count(piece) <= 60
        assert piece.rstrip().endswith((".", "Heading"))
    assert text[spans[-1].start : spans[-1].end] == "6. Short paragraph."


def test_decimal_numbered_paragraphs_keep_their_numbers_and_figures_opening_a_line_do_not() -> None:
    text = (
        "Item 5: Rural crime\n\n5.1 Members asked when the team would begin.\n5.2. The panel noted the plan.\n"
        "2.8-acre sites are listed below.\n\n5.3 The Commissioner said 1.5 million had been set aside."
    )
    spans = split_structure(text, lambda t: len(t.split()), 40)
    numbered = {s.paragraph: text[s.start : s.end] for s in spans if s.paragraph}
    assert list(numbered) == ["5.1", "5.2", "5.3"]
    assert numbered["5.2"] == "5.2. The panel noted the plan.\n2.8-acre sites are listed below."


TRANSCRIPT = "\n\n".join(
    [
        "Committee meeting transcript",
        "Lynne Neagle AM: Welcome to the meeting. Item 2 is an evidence session with the Minister.",
        "Kirsty Williams AM: Thank you, Chair. " + " ".join(f"Quality assurance point {i} matters." for i in range(60)),
        "Hon. Bill Blair (Minister of Public Safety): We will act on firearms at the border.",
        "Note: this is not a speaker.",
    ]
)


def test_every_piece_of_a_transcript_names_who_is_speaking(settings, embedder) -> None:
    spans = split_structure(TRANSCRIPT, embedder.count_tokens, 60)
    pieces = [(TRANSCRIPT[s.start : s.end], s.section) for s in spans]
    # The long turn is split; a piece that continues it (its opening is in an earlier piece) says who speaks.
    continuing = [section for text, section in pieces if "Quality assurance point" in text and ":" not in text]
    assert len(continuing) > 1
    assert all(section == "Committee meeting transcript — Kirsty Williams AM" for section in continuing)
    # And so does its own field: who speaks where it begins.
    assert {s.speaker for s in spans if TRANSCRIPT[s.start : s.end].startswith("Quality")} == {"Kirsty Williams AM"}


def test_a_heading_that_reads_as_a_name_is_no_speaker(embedder) -> None:
    text = "Inspection of the force\n\nChief Constable\n\nThe inspectorate found crime recording weak.\n"
    spans = split_structure(text, embedder.count_tokens, 60)
    assert [s.speaker for s in spans] == [""] * len(spans)



def test_a_speaker_is_named_without_the_role_in_brackets() -> None:
    from retrieval.speakers import speaker_of

    assert speaker_of("Hon. Bill Blair (Minister of Public Safety (Canada)): We will act.") == "Hon. Bill Blair"
    assert speaker_of("Kirsty Williams AM: Thank you.") == "Kirsty Williams AM"
    assert speaker_of("The total was as follows: £2m.") == ""  # lower-case words are no name


def test_a_report_with_a_note_is_not_read_as_a_transcript(embedder) -> None:
    text = "Title\n\nNote: the figures are provisional.\n\nThe budget rose by £2m this year."
    assert all(span.section in ("", "Title") for span in split_structure(text, embedder.count_tokens, 60))
