"""Column mapping decisions and their reasons."""

from __future__ import annotations

from shared.core.mapping import column_name, header_candidates, map_columns, unique_names
from shared.core.text import normalize_header


def _fields(mapping) -> dict[str, str | None]:
    return {c.name: c.field for c in mapping.columns}


def test_normalize_header_folds_case_accents_and_styles() -> None:
    """camelCase, snake_case, accents and punctuation fold to the same words."""
    assert normalize_header("emailAddress") == normalize_header("email_address") == "email address"
    assert normalize_header("  Téléphone (mobile) ") == "telephone mobile"
    assert normalize_header("E-Mail") == normalize_header("e_mail") == normalize_header("eMail") == "email"
    assert normalize_header("Telefono e mail") == "telefono e mail", "a spaced 'e' may be the Italian 'and'"


def test_normalize_header_keeps_the_marks_that_make_letters_in_other_scripts() -> None:
    """Accents go; Hangul syllables, Thai and Devanagari vowel signs and kana voicing stay whole words."""
    assert normalize_header("휴대폰번호") == "휴대폰번호"
    assert normalize_header("मोबाइल नंबर") == "मोबाइल नंबर"
    assert normalize_header("เบอร์โทรศัพท์") == "เบอร์โทรศัพท์"
    assert normalize_header("ガ") == "ガ" and normalize_header("Ηλεκτρονικό") == "ηλεκτρονικο"
    assert normalize_header("Adresă") == "adresa" and normalize_header("Straße") == "strasse"


def test_fuzzy_typos_match_but_ties_are_rejected() -> None:
    """A typo maps; a header equally close to two fields maps to neither."""
    assert header_candidates("Emial")[0][0] == "email"
    assert header_candidates("Phnoe")[0][0] == "phone"
    assert header_candidates("Email or phone") == []  # names two fields: ambiguous
    assert header_candidates("Favourite colour") == []


def test_each_field_once_and_duplicates_kept() -> None:
    """Two Email columns: one is email, the other kept as extra data under a unique name."""
    m = map_columns(["Email", "Email", "Name"])
    assert _fields(m) == {"Email": "email", "Email (2)": None, "Name": "full_name"}


def test_unique_names_for_blank_and_duplicate_headers() -> None:
    """Blank headers are named by column letter; duplicates are numbered."""
    assert unique_names(["A", None, "A", "", "a"]) == ["A", "column_B", "A (2)", "column_D", "a (3)"]
    assert [column_name(i) for i in (0, 25, 26, 701, 702)] == ["A", "Z", "AA", "ZZ", "AAA"]


def test_override_wins_and_ignore_keeps_extra() -> None:
    """Config overrides beat synonyms; 'ignore' keeps a column as extra data."""
    m = map_columns(["Name", "Email", "Ref"], overrides={"Name": "company", "Email": "ignore", "column_C": "notes"})
    assert _fields(m) == {"Name": "company", "Email": None, "Ref": "notes"}
    assert "override" in m.columns[0].reason


def test_content_decides_without_header() -> None:
    """With no header, a column of emails is email and one of UK phones is phone."""
    samples = [["Ann Lee", "Bo Chan", "Cy Dart"], ["a@x.co", "b@x.co", "c@x.co"], ["07911 123456", "07400 123456", "0113 496 0456"]]
    m = map_columns([None, None, None], samples)
    assert [c.field for c in m.columns] == ["full_name", "email", "phone"]
    assert "email addresses" in m.columns[1].reason


def test_content_corrects_a_misleading_header() -> None:
    """A 'Phone' column full of emails is email; the reason says why."""
    m = map_columns(["Name", "Phone"], [["Ann Lee", "Bo Chan", "Cy Dart"], ["a@x.co", "b@x.co", "c@x.co"]])
    assert _fields(m) == {"Name": "full_name", "Phone": "email"}
    assert "email addresses" in m.columns[1].reason


def test_previous_mapping_keeps_a_content_decision_stable() -> None:
    """A header mapped at the last sync keeps its field."""
    m = map_columns(["Name", "Contact", "Ref"], previous={"Ref": "phone"})
    assert _fields(m)["Ref"] == "phone"


def test_lone_first_name_becomes_full_name_when_values_are_whole_names() -> None:
    """'Nombre' alone holding 'Lucía García' is the full name."""
    m = map_columns(["Nombre", "Email"], [["Lucía García", "Mateo López", "Ana Ruiz"], ["a@x.es", "b@x.es", "c@x.es"]])
    assert _fields(m)["Nombre"] == "full_name"


def test_every_column_has_a_reason() -> None:
    """inspect can explain every decision."""
    for c in map_columns(["Name", "", "Weird", "Email"]).columns:
        assert c.reason


def test_date_serials_in_extra_date_columns_become_dates() -> None:
    """A Sheets serial under an extra 'Follow-up date' header reads as a date; other numbers stay."""
    from shared.core.analysis import analyse_sheet

    a = analyse_sheet([["Name", "Email", "Created", "Follow-up date", "Budget"], ["Ann Lee", "a@x.co", "45000", "46000.5", "45123"]])
    lead = a.leads[0]
    assert lead.fields["created_at"] == "2023-03-15"
    assert lead.extra == {"Follow-up date": "2025-12-09T12:00:00", "Budget": "45123"}


def test_qualified_headers_are_not_the_field() -> None:
    """'Campaign ID', 'Contact owner', 'Phone type' are about something else; 'Mobile No' is a phone."""
    m = map_columns(["Lead ID", "Campaign ID", "Contact owner", "Phone type", "Mobile No", "User Email"])
    assert _fields(m) == {
        "Lead ID": None,
        "Campaign ID": None,
        "Contact owner": None,
        "Phone type": None,
        "Mobile No": "phone",
        "User Email": "email",
    }


def test_content_that_contradicts_a_loose_header_keeps_the_column_as_extra() -> None:
    """'Customer Number' holding short account numbers is not a phone: the number of a customer is an id."""
    m = map_columns(
        ["Name", "Customer Number", "Email"],
        [["Ann Lee", "Bo Chan", "Cy Dart"], ["100234", "100235", "100236"], ["a@x.co", "b@x.co", "c@x.co"]],
    )
    assert m.columns[1].field is None and "'customer' is qualified by 'number'" in m.columns[1].reason


def test_one_phone_inside_text_is_found_of_several_the_first() -> None:
    """'07911 123456 (mobile)' gives the number; of two numbers in one cell, the first (issue 19;
    the sheet keeps both in ``phones``, see test_phone_anywhere)."""
    from shared.core.normalize import normalize_phone, phone_numbers

    assert normalize_phone("07911 123456 (mobile)") == "+447911123456"
    assert normalize_phone("p:+447911123456") == "+447911123456"  # Facebook Lead Ads export
    assert normalize_phone("07911123456 / 01134960456") == "+447911123456"
    assert phone_numbers("07911123456 / 01134960456") == ("+447911123456", "+441134960456")
