"""A transcript's turns: who speaks each sentence, and a party that responds by speaking."""

import pytest

from retrieval.conversation import ask
from retrieval.speakers import introduced_for, is_party, personal_name, speaker_at

TEXT = "\n\n".join(
    [
        "Sian Gwenllian AM: How is quality assured?",
        "Kirsty Williams AM: Thank you. Estyn and HEFCW work together on it.",
        "That continues under the new Act.",
        "Gareth Pierce: We correct errors when they are found.",
    ]
)


@pytest.mark.parametrize(
    ("sentence", "opening", "speaker"),
    [
        ("How is quality", "", "Sian Gwenllian AM"),
        ("Estyn and HEFCW", "", "Kirsty Williams AM"),
        ("That continues", "", "Kirsty Williams AM"),  # a turn's later paragraph is still hers
        ("We correct errors", "", "Gareth Pierce"),
    ],
)
def test_each_sentence_is_spoken_by_the_turn_it_stands_in(sentence: str, opening: str, speaker: str) -> None:
    assert speaker_at(TEXT, TEXT.index(sentence), opening) == speaker


def test_a_piece_that_opens_mid_turn_is_spoken_by_who_was_speaking_where_it_begins() -> None:
    assert speaker_at("and so we will act.\n\nMore on that later.", 5, "Kirsty Williams AM") == "Kirsty Williams AM"
    assert speaker_at("The budget rose by £2m.", 4) == ""


def test_a_party_is_its_name_with_or_without_a_title() -> None:
    assert is_party("Kirsty Williams AM", "Kirsty Williams")
    assert is_party("Kirsty Williams AM", "Kirsty Williams AM")
    assert not is_party("Gareth Pierce", "WJEC")
    assert not is_party("", "Kirsty Williams")


def test_a_named_party_responds_by_speaking_in_a_transcript(tmp_path, embedder) -> None:
    from ingest.pipeline import ingest
    from retrieval.search import Searcher
    from retrieval.settings import Settings

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    turns = [
        "Lynne Neagle AM: Welcome to the committee. Item 2 is scrutiny of the Higher Education Act. I welcome the "
        "Minister, and Huw Morris, group director for skills at the Welsh Government.",
        "Sian Gwenllian AM: Minister, how is the quality of provision assured across the sector?",
        "Kirsty Williams AM: Thank you, Siân. Estyn and the funding council work together on quality assessment, "
        "and that duty covers all the education provided by a regulated institution.",
        "Huw Morris: The funding council publishes its assessment every year.",
        "Lynne Neagle AM: Thank you. We move on to fair access.",
    ]
    (corpus / "committee.txt").write_text("# Education committee transcript\n\n" + "\n\n".join(turns) + "\n")
    settings = Settings(home=tmp_path / "home", corpus=corpus)
    assert not ingest([corpus], settings, embedder=embedder).failed
    searcher = Searcher(settings, embedder=embedder)

    answer = ask("How did Kirsty Williams AM answer the question about quality assurance?", searcher)
    assert not answer.abstained
    assert "Estyn and the funding council work together on quality assessment" in answer.text
    # Named in her turn, but never speaking: nothing says how Estyn responded.
    assert ask("How did Estyn respond to the question about quality assurance?", searcher).abstained
    # The Welsh Government speaks through the official introduced as its own.
    answer = ask("How did the Welsh Government respond on the assessment of quality?", searcher)
    assert not answer.abstained
    assert "The funding council publishes its assessment every year." in answer.text


@pytest.mark.parametrize(
    ("speaker", "introduced", "party"),
    [
        ("Gareth Pierce", "I welcome Gareth Pierce, chief executive of the WJEC, and Philip Blaker.", "WJEC"),
        ("Mike Ebbsworth", "Mike Ebbsworth, assistant director educational support, WJEC, and others", "WJEC"),
        ("Dr Frank Atherton", "We have Frank Atherton, Chief Medical Officer for Wales.", "Chief Medical Officer"),
    ],
)
def test_a_speaker_introduced_with_a_role_speaks_for_its_body(speaker: str, introduced: str, party: str) -> None:
    assert introduced_for(speaker, party, introduced)


def test_a_body_named_later_in_the_introduction_is_another_speaker_s() -> None:
    text = "I welcome Gareth Pierce, chief executive of the WJEC, Mike Ebbsworth, assistant director, WJEC, " \
        "and Philip Blaker, chief executive of Qualifications Wales."
    assert not introduced_for("Gareth Pierce", "Qualifications Wales", text)
    assert not introduced_for("Philip Blaker", "WJEC", text)
    assert not introduced_for("Kirsty Williams AM", "WJEC", "Kirsty Williams, the WJEC and Estyn all agree.")


def test_a_name_is_read_without_its_title_or_seat() -> None:
    assert personal_name("Right Hon. Justin Trudeau") == "Justin Trudeau"
    assert personal_name("Kirsty Williams AM") == "Kirsty Williams"
    assert personal_name("Mrs. Cathay Wagantall") == "Cathay Wagantall"


def test_a_section_headed_with_a_party_s_title_is_not_that_party_speaking(tmp_path, embedder) -> None:
    from ingest.pipeline import ingest
    from retrieval.search import Searcher
    from retrieval.settings import Settings

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    report = [
        "# Inspection of Westshire Police",
        "## Chief Constable",
        "The inspectorate found that the quality assurance of crime recording was weak in every district.",
        "Supervisors did not check whether victims were told about the outcome of their case.",
    ]
    (corpus / "inspection.md").write_text("\n\n".join(report) + "\n")
    settings = Settings(home=tmp_path / "home", corpus=corpus)
    assert not ingest([corpus], settings, embedder=embedder).failed
    searcher = Searcher(settings, embedder=embedder)
    assert all(not c.speaker for c in searcher.lexical.chunks)
    # The section is about the Chief Constable; nothing in it is the Chief Constable's reply.
    assert ask("How did the Chief Constable respond to the findings on quality assurance?", searcher).abstained
