from pathlib import Path

from ingest.pipeline import ingest
from retrieval.lexical import LexicalIndex
from retrieval.settings import Settings
from retrieval.store import Store

LETTER = "pcc-letter-home-secretary-2023-12-18.txt"


def _state(settings: Settings) -> tuple[dict[str, str], set[str]]:
    store = Store(settings)
    chunks = {c.chunk_id: c.text for c in store.all_chunks()}
    lexical = {c.chunk_id for c in LexicalIndex.load(settings.lexical_path).chunks}
    return chunks, lexical


def test_first_ingest_stores_every_document_in_chroma_and_bm25(settings, corpus_copy, embedder) -> None:
    report = ingest([corpus_copy], settings, embedder=embedder)
    assert len(report.added) == 5 and not report.failed
    chunks, lexical = _state(settings)
    assert set(chunks) == lexical
    assert {c.split(":")[0] for c in chunks} == {p.name for p in corpus_copy.iterdir() if p.suffix != ".toml"}


def test_reingesting_unchanged_corpus_adds_nothing(settings, corpus_copy, embedder) -> None:
    ingest([corpus_copy], settings, embedder=embedder)
    before = _state(settings)
    stamp = (settings.lexical_path / "stamp.json").stat().st_mtime_ns
    report = ingest([corpus_copy], settings, embedder=embedder)
    assert len(report.unchanged) == 5
    assert not (report.added or report.updated or report.removed or report.failed)
    assert report.chunks_embedded == 0
    assert _state(settings) == before
    assert (settings.lexical_path / "stamp.json").stat().st_mtime_ns == stamp  # index not rewritten


def test_changing_a_file_replaces_only_its_chunks(settings, corpus_copy, embedder) -> None:
    ingest([corpus_copy], settings, embedder=embedder)
    chunks_before, _ = _state(settings)
    letter = corpus_copy / LETTER
    letter.write_text(letter.read_text() + "\n\nPostscript: the revised improvement plan is due in March 2024.\n")
    report = ingest([corpus_copy], settings, embedder=embedder)
    assert report.updated == [LETTER] and len(report.unchanged) == 4
    assert 0 < report.chunks_embedded < 4 and report.chunks_reused > 0  # unchanged chunks keep their vectors
    chunks_after, lexical = _state(settings)
    others = lambda ids: {i for i in ids if not i.startswith(LETTER)}  # noqa: E731
    assert others(chunks_after) == others(chunks_before)
    assert any("revised improvement plan is due in March 2024" in t for t in chunks_after.values())
    assert set(chunks_after) == lexical


def test_pruning_removes_a_deleted_file_from_chroma_and_bm25(settings, corpus_copy, embedder) -> None:
    ingest([corpus_copy], settings, embedder=embedder)
    (corpus_copy / LETTER).unlink()
    kept = ingest([corpus_copy], settings, embedder=embedder)
    assert not kept.removed and any(c.startswith(LETTER) for c in _state(settings)[0])  # no --prune: kept
    report = ingest([corpus_copy], settings, prune=True, embedder=embedder)
    assert report.removed == [LETTER]
    chunks, lexical = _state(settings)
    assert not any(c.startswith(LETTER) for c in chunks | dict.fromkeys(lexical))
    assert LETTER not in Store(settings).documents()


def test_a_bad_file_is_reported_and_leaves_the_index_intact(settings, corpus_copy, embedder) -> None:
    ingest([corpus_copy], settings, embedder=embedder)
    before = _state(settings)
    (corpus_copy / "broken.pdf").write_bytes(b"%PDF-1.7\n this is not really a pdf")
    (corpus_copy / "notes.xlsx").write_bytes(b"PK\x03\x04")
    report = ingest([corpus_copy], settings, embedder=embedder)
    reasons = dict(report.failed)
    assert set(map(lambda p: Path(p).name, reasons)) == {"broken.pdf", "notes.xlsx"}
    for reason in reasons.values():
        assert "\n" not in reason and ("broken.pdf" in reason or "notes.xlsx" in reason)
    assert len(report.unchanged) == 5
    assert _state(settings) == before


def test_a_document_without_a_manifest_entry_gets_inferred_metadata(settings, tmp_path, embedder) -> None:
    folder = tmp_path / "loose"
    folder.mkdir()
    (folder / "minutes.md").write_text(
        "# Panel meeting minutes\n\nDate: 3rd March 2024\n\n1. Apologies\n\nNone received.\n\n"
        "2. Budget\n\nThe panel noted the precept of £12.5m for 2024/25.\n"
    )
    ingest([folder], settings, embedder=embedder)
    doc = Store(settings).documents()["minutes.md"].info
    assert (doc.title, doc.date, doc.type) == ("Panel meeting minutes", "2024-03-03", "minutes")


def test_documents_written_in_one_group_or_one_by_one_end_up_the_same(tmp_path, corpus_copy, embedder) -> None:
    together = Settings(home=tmp_path / "together", corpus=corpus_copy)
    one_by_one = Settings(home=tmp_path / "apart", corpus=corpus_copy, write_batch_chunks=1)
    for settings in (together, one_by_one):
        report = ingest([corpus_copy], settings, embedder=embedder)
        assert len(report.added) == 5 and not report.failed
        assert Store(settings).check() == []
    assert _state(together) == _state(one_by_one)
    assert Store(together).documents().keys() == Store(one_by_one).documents().keys()
