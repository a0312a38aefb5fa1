from retrieval.search import HybridRetriever, named_document
from retrieval.store import Filters


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
