from retrieval.glossary import definitions, expand, spelled_out


def test_abbreviations_are_read_from_their_definitions_in_the_text() -> None:
    text = (
        "Progress was assessed by repeating the HMICFRS Victim Service Assessment (VSA). "
        "The VSA identified areas for improvement (AFI). Officers issued Domestic Violence "
        "Protection Notices (DVPNs). The meeting (in July) was short."
    )
    assert definitions([text]) == {
        "VSA": "Victim Service Assessment",
        "AFI": "areas for improvement",
        "DVPN": "Domestic Violence Protection Notices",
    }


def test_a_query_gains_the_long_form_of_an_abbreviation_it_uses() -> None:
    glossary = {"DVPN": "Domestic Violence Protection Notices"}
    assert expand("Do DVPNs work?", glossary) == "Do DVPNs work? Domestic Violence Protection Notices"
    assert expand("Do notices work?", glossary) == "Do notices work?"


def test_a_query_that_spells_an_abbreviation_out_gains_the_abbreviation() -> None:
    glossary = {"MSG": "Most Similar Group", "AFI": "areas for improvement", "CP": "Crime"}
    assert expand("Which force in the most similar groups?", glossary) == "Which force in the most similar groups? MSG"
    assert expand("What are the areas for improvement?", glossary).endswith("? AFI")
    assert expand("Which group is most similar?", glossary) == "Which group is most similar?"
    assert expand("Is crime down?", glossary) == "Is crime down?"  # one word is no spelling-out


def test_the_shipped_corpus_defines_the_abbreviations_users_ask_about(searcher) -> None:
    glossary = searcher.lexical.glossary
    for abbreviation in ("PCC", "HMICFRS", "VSA", "AFI", "PEEL", "VAWG", "DVPN", "SARC", "OCG"):
        assert abbreviation in glossary
    assert glossary["OCG"] == "Organised Crime Groups"  # used as "OCGs", never defined in brackets
    assert glossary["SARC"] == "Sexual Assault & Referral Centre"


def test_an_abbreviation_used_without_a_definition_is_matched_to_a_name_it_abbreviates() -> None:
    minutes = (
        "The increase in mapped OCGs is the result of better recording. The PCC raised mapped Organised Crime "
        "Groups. The Police and Crime Commissioner met the CC; a cause of concern and another cause of concern."
    )
    assert spelled_out([minutes]) == {"OCG": "Organised Crime Groups", "PCC": "Police and Crime Commissioner"}
    # not "Crime Commissioner" (part of a longer name), nor "cause of concern" (not a name)
    assert spelled_out([minutes], known=["PCC"]) == {"OCG": "Organised Crime Groups"}


def test_a_phrase_in_another_document_does_not_define_an_abbreviation() -> None:
    assert spelled_out(["The OCGs were mapped.", "Organised Crime Groups were discussed."]) == {}


def test_an_inferred_abbreviation_expands_only_from_the_abbreviation() -> None:
    glossary = {"WMP": "West Mercia Police", "OCG": "Organised Crime Groups"}
    assert expand("Is WMP short of staff?", glossary, one_way={"WMP"}).endswith("? West Mercia Police")
    assert expand("Is West Mercia Police short of staff?", glossary, one_way={"WMP"}) == "Is West Mercia Police short of staff?"
