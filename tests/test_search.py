import pytest

from retrieval.search import HybridRetriever, named_document
from retrieval.filters import Filters


def test_the_hybrid_retriever_works_as_a_llama_index_retriever(searcher) -> None:
    nodes = HybridRetriever(searcher, k=3).retrieve("What is the Net Budget Requirement?")
    assert len(nodes) == 3
    top = nodes[0]
    assert "£273m" in top.node.get_content()
    assert top.node.metadata["paragraph"] == "47"
    assert top.score > nodes[-1].score


def test_filters_apply_to_both_retrievers(searcher) -> None:
    only_letters = Filters(types=("letter",))
    passages = searcher.search("What is the Net Budget Requirement?", 5, only_letters)
    assert passages and {p.chunk.doc.type for p in passages} == {"letter"}
    dated = Filters(date_from="2024-01-01")
    assert {p.chunk.doc.date for p in searcher.search("inspection findings", 5, dated)} == {"2025-05-14"}


def test_a_question_naming_a_document_by_year_is_searched_within_it(searcher) -> None:
    doc_id, topic = named_document("What did the 2016 PEEL inspection find about preventing crime?", searcher.lexical)
    assert doc_id == "hmic-peel-2016-effectiveness.txt" and topic == "preventing crime"
    assert named_document("What did the inspection find about preventing crime?", searcher.lexical) is None


def _dated_chunk(chunk_id: str, date: str, text: str):
    from retrieval.models import Chunk, DocumentInfo

    return Chunk(chunk_id, DocumentInfo(chunk_id, chunk_id, "report", date=date), text, 0, len(text), 0)


def test_time_words_in_a_question_rank_passages_by_when_they_speak_for() -> None:
    from retrieval.search import when_ranking

    old = _dated_chunk("old", "2016-03-02", "Crime prevention requires improvement.")
    q2 = _dated_chunk("q2", "2023-11-17", "During Quarter 2 the DRIVE programme worked with 133 children.")
    q3 = _dated_chunk("q3", "2023-12-11", "In Q3 the meeting discussed complaints.")
    new = _dated_chunk("new", "2025-05-14", "Crime prevention is adequate.")
    chunks = [old, q2, q3, new]
    assert when_ranking("What is the latest view on crime prevention?", chunks)[0] == "new"
    assert when_ranking("What did inspectors say in 2016?", chunks) == ["old"]
    assert when_ranking("How many children in Q2 2023/24?", chunks) == ["q2"]
    assert when_ranking("What happened in 2023/24?", chunks) == ["q2", "q3"]
    assert when_ranking("What did the inspectors say about crime prevention?", chunks) == []


@pytest.mark.parametrize(
    ("question", "ranked"),
    [
        ("What happened in 2023/2024?", ["q2", "q3"]),
        ("What happened in FY23/24?", ["q2", "q3"]),
        ("What was spent in FY 2023-24?", ["q2", "q3"]),
        ("What changed between 2016 and 2018?", ["old"]),
        ("What changed 2016-2018?", ["old"]),
        ("What has improved since 2024?", ["new"]),
        ("What did inspectors find after 2023?", ["new"]),
        ("What did inspectors find before 2020?", ["old"]),
        ("Why is the 24/7 line busy?", []),
    ],
)
def test_periods_named_in_other_ways_rank_the_passages_that_speak_for_them(question, ranked) -> None:
    from retrieval.search import when_ranking

    chunks = [
        _dated_chunk("old", "2016-03-02", "Crime prevention requires improvement."),
        _dated_chunk("q2", "2023-11-17", "During Quarter 2 the DRIVE programme worked with 133 children."),
        _dated_chunk("q3", "2023-12-11", "In Q3 the meeting discussed complaints."),
        _dated_chunk("new", "2025-05-14", "Crime prevention is adequate."),
    ]
    assert when_ranking(question, chunks) == ranked


def test_asking_for_the_position_now_moves_the_newest_document_up(searcher) -> None:
    def newest(question: str) -> list[int]:
        return [i for i, p in enumerate(searcher.search(question, k=10)) if p.chunk.doc.date.startswith("2025")]

    assert newest("How is West Mercia Police graded now?")[0] == 0
    assert newest("How is West Mercia Police graded now?")[0] < newest("How is West Mercia Police graded?")[0]
    assert len(newest("What is the latest inspection grading of West Mercia Police?")) > len(
        newest("What is the inspection grading of West Mercia Police?")
    )


def test_a_text_tokenised_alone_matches_the_batch_tokeniser_the_index_uses() -> None:
    from retrieval.tokens import _tokenize, tokenize

    texts = [
        "What is the Net Budget Requirement for 2023/24?", "The PCC’s £1,200,000 sale", "", "the of and",
        "HMICFRS’s VSA re-visit: 3–8 July 2023 (grade 2 and 3) e.g. Café 24hrs", "Ünïcode ÉTÉ straße 101/999",
    ]
    assert [tokenize([t])[0] for t in texts] == _tokenize(texts)
    first = tokenize([texts[0]])[0]
    first.append("changed")  # a caller's list is its own: the cache is not altered
    assert tokenize([texts[0]])[0] == _tokenize([texts[0]])[0]


def test_sentence_vectors_are_read_back_for_every_sentence_of_the_chunks_asked_for(searcher) -> None:
    import numpy as np

    from retrieval.sentences import chunk_sentences

    chunks = [p.chunk for p in searcher.search("victim satisfaction and complaints", 4)]
    stored = searcher.store.sentence_vectors(chunks)
    for chunk in chunks:
        expected = [(s.start, s.end) for s in chunk_sentences(chunk)]
        assert [(a, b) for a, b, _ in stored[chunk.chunk_id]] == expected
    start, end, vector = stored[chunks[0].chunk_id][0]
    fresh = searcher.embedder.embed([chunks[0].text[start:end]])[0]
    assert float(np.dot(vector, fresh)) > 0.99


def test_a_possessive_gives_no_term_of_its_own() -> None:
    from retrieval.tokens import _tokenize, tokenize

    assert tokenize(["the chief constable's salary"]) == [["chief", "constabl", "salari"]]
    assert _tokenize(["The Commissioner’s proposals", "officers' pay"]) == [["commission", "propos"], ["offic", "pay"]]
