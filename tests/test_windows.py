"""Sentence windows: a passage ranked by the sentence that answers, not by its words in bulk."""

import numpy as np

from retrieval.models import Chunk, DocumentInfo
from retrieval.windows import WindowWeights, coverage, window_ranking

DOC = DocumentInfo("d", "Minutes", "minutes")


def _chunk(chunk_id: str, text: str, section: str = "") -> Chunk:
    return Chunk(chunk_id, DOC, text, 0, len(text), 0, section=section)


def _vectors(chunk: Chunk, embedder) -> list[tuple[int, int, np.ndarray]]:
    from retrieval.sentences import sentence_spans

    spans = sentence_spans(chunk.text)
    vectors = embedder.embed([chunk.text[a:b] for a, b in spans])
    return [(a, b, v) for (a, b), v in zip(spans, vectors, strict=True)]


def test_coverage_counts_terms_held_elsewhere_in_part() -> None:
    idf = {"vetting": 2.0, "backlog": 2.0}
    assert coverage(idf, {"vetting", "backlog"}, set(), 0.3) == 1.0
    assert coverage(idf, {"vetting"}, {"backlog"}, 0.3) == (2.0 + 0.6) / 4.0
    assert coverage({}, {"vetting"}, set(), 0.3) == 0.0


def test_the_passage_whose_one_sentence_answers_beats_one_that_scatters_the_words(embedder) -> None:
    scattered = _chunk("scattered", "Vetting was discussed at length. The clearance of files was noted. "
                       "A backlog in another team was mentioned.")
    answering = _chunk("answering", "The meeting opened at ten. The vetting backlog has been cleared of 300 files.")
    from retrieval.tokens import question_terms

    idf = {t: 1.0 for t in question_terms("Has the vetting backlog been cleared?")}
    query = embedder.embed_query("Has the vetting backlog been cleared?")
    vectors = {c.chunk_id: _vectors(c, embedder) for c in (scattered, answering)}
    assert window_ranking([scattered, answering], vectors, idf, query) == ["answering", "scattered"]


def test_a_speaker_above_the_passage_counts_as_held_by_each_sentence(embedder) -> None:
    from retrieval.tokens import question_terms

    question = "What did Julie Morgan say about costs?"
    idf = {t: 1.0 for t in question_terms(question)}
    query = embedder.embed_query(question)
    hers = _chunk("hers", "We expect the costs to be modest in the first year.", section="Julie Morgan AM")
    other = _chunk("other", "We expect the costs to be modest in the first year.", section="Lynne Neagle AM")
    vectors = {c.chunk_id: _vectors(c, embedder) for c in (other, hers)}
    assert window_ranking([other, hers], vectors, idf, query, WindowWeights())[0] == "hers"


def test_a_chunk_without_stored_sentences_goes_last() -> None:
    chunks = [_chunk("a", "Short."), _chunk("b", "Also short.")]
    assert window_ranking(chunks, {}, {"x": 1.0}, np.zeros(3)) == ["a", "b"]
