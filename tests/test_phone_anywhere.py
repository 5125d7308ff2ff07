"""A phone in any country (issue 19, family 4): what a phone cell may look like, and what it never is."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from shared.core.analysis import SheetOptions, analyse_sheet
from shared.core.mapping import read_header
from shared.core.normalize import normalize_phone, phone_numbers
from shared.core.text import phone_shape


@pytest.mark.parametrize(
    ("raw", "region", "want"),
    [
        ("'07911 123456", "GB", "+447911123456"),  # text-prefix apostrophe
        ("\u201907911 123456", "GB", "+447911123456"),
        ("'+33 6 12 34 56 78", "GB", "+33612345678"),
        ("07911 123456 (mobile, after 6pm)", "GB", "+447911123456"),  # a note after the number
        ("+49 30 901820 - Zentrale", "GB", "+4930901820"),
        ("07911 123456 ext. 204", "GB", "+447911123456"),  # an extension
        ("07911 123456 / 020 7946 0958", "GB", "+447911123456"),  # two numbers: the first
        ("06 12 34 56 78; 01 23 45 67 89", "FR", "+33612345678"),
        ("{'area': '+33', 'phone': '06 12 34 56 78'}", "GB", "+33612345678"),  # JSON-like cells
        ('{"countryCode": "49", "number": "030 901820"}', "GB", "+4930901820"),
        ("{'area': '+1', 'phone': '(212) 555-0100'}", "DE", "+12125550100"),
        ("{'phone': '07911 123456'}", "GB", "+447911123456"),
        ("{'country': 'France', 'phone': '06 12 34 56 78'}", "GB", "+33612345678"),
        ("{'country': 'Atlantis', 'phone': '07911 123456'}", "GB", "+447911123456"),
        ("91234567", "NO", "+4791234567"),  # 8-digit Nordic numbers in their region
        ("32 12 34 56", "DK", "+4532123456"),
        ("4791234567", "NO", "+4791234567"),  # the country code without a plus
    ],
)
def test_the_number_is_found_in_the_cell(raw: str, region: str, want: str) -> None:
    """Prefix apostrophes, notes, extensions, a second number and JSON-like cells still yield the number."""
    assert normalize_phone(raw, region) == want


@pytest.mark.parametrize("raw", ["5,51196E+12", "5.51196E+12", "4.47911E+11", "7,91112E+09", "5.5e12", "'5,51196E+12"])
def test_scientific_notation_is_never_a_phone(raw: str) -> None:
    """A number a spreadsheet turned into a float ("5,51196E+12") lost digits: never normalised, never phone-shaped."""
    for region in ("GB", "BR", "US", "IN"):
        assert normalize_phone(raw, region) is None, (raw, region)
    assert not phone_shape(raw) and not phone_shape(raw, loose=True)


@given(st.floats(min_value=1e6, max_value=1e15), st.sampled_from(["GB", "BR", "US", "DE", "IN"]), st.booleans())
def test_any_number_in_scientific_notation_is_refused(x: float, region: str, comma: bool) -> None:
    """Fuzz: whatever the number and region, its E-notation rendering is not read as a phone."""
    raw = f"{x:.5E}"
    if comma:
        raw = raw.replace(".", ",")
    assert normalize_phone(raw, region) is None
    assert not phone_shape(raw)


@pytest.mark.parametrize(
    "raw",
    [
        "'07911 123456",
        "07911 123456 (mobile)",
        "Tel: 0612345678 (bureau)",
        "+47 912 34 567 (mobil)",
        "0612345678 / 0698765432",
        "+44 20 7946 0958 | +44 7911 123456",
        "{'area': '+33', 'phone': '06 12 34 56 78'}",
        '{"countryCode": "44", "number": "7911 123456"}',
    ],
)
def test_phone_shape_sees_the_number_inside_the_cell(raw: str) -> None:
    """Content profiling counts these cells as phones (so a phone column of them is recognised)."""
    assert phone_shape(raw)


@pytest.mark.parametrize("raw", ["12 Main Street", "2024-01-05 follow up", "1,234,567", "Order 12345678", "123.45", "'", "{'id': 42}"])
def test_phone_shape_still_refuses_what_is_not_a_phone(raw: str) -> None:
    """Addresses, dates with notes, grouped amounts, ids in text and records without a number stay non-phones."""
    assert not phone_shape(raw)


def test_short_bare_digit_strings_are_phones_only_when_the_header_says_so() -> None:
    """An 8-digit bare string is an id by shape alone; under a phone header (loose) it is a phone."""
    assert not phone_shape("91234567") and phone_shape("91234567", loose=True)
    assert phone_shape("'1234567", loose=True) and not phone_shape("123456", loose=True)


def test_a_number_of_another_country_is_kept_as_written_with_an_issue() -> None:
    """Without a region that decides it, a local number is kept raw with a row issue, never guessed."""
    names = ["Kari Nordmann", "Ola Hansen", "Ingrid Berg"]
    grid = [["Name", "Phone", "Email"]] + [[n, f"+47 9{i}2 34 56{i}", f"p{i}@example.com"] for i, n in enumerate(names)]
    grid.append(["Per Olsen", "21 23 45 67", "p9@example.com"])  # Norwegian, written without +47
    a = analyse_sheet(grid, SheetOptions(phone_region="GB"))
    last = a.leads[-1]
    assert "phone" not in last.fields and last.invalid == {"phone": "21 23 45 67"}
    assert any(i.code == "invalid_phone" and i.row == 4 for i in a.issues)
    b = analyse_sheet(grid, SheetOptions(phone_region="NO"))
    assert b.leads[-1].fields["phone"] == "+4721234567"


def test_a_damaged_number_is_flagged_and_kept_raw() -> None:
    """A cell in scientific notation under "Phone" becomes a row issue with the raw text kept, not a phone."""
    grid = [["Name", "Phone"], ["Ann Lee", "07911 123456"], ["Bob Ray", "4,47911E+11"], ["Cy Doe", "'07700 900900"]]
    a = analyse_sheet(grid, SheetOptions(phone_region="GB"))
    bob = next(lead for lead in a.leads if lead.row == 2)
    assert "phone" not in bob.fields and bob.invalid == {"phone": "4,47911E+11"}
    assert any(i.code == "invalid_phone" and i.row == 2 for i in a.issues)


@pytest.mark.parametrize(
    "header",
    [
        "Fax",
        "Faxnummer",
        "Fax (Business)",
        "Fax Phone",
        "Факс",
        "传真",
        "ファックス",
        "FAX番号",
        "팩스",
        "แฟกซ์",
        "फैक्स",
        "فاكس",
        "Faksinumero",
    ],
)
def test_a_fax_column_is_never_the_phone(header: str) -> None:
    """A fax header is refused whatever its values, in a sheet with or without another phone column."""
    assert read_header(header).refused
    names = ["Ann Lee", "Bob Ray", "Cy Doe", "Di Fox"]
    alone = [["Name", header, "Email"]] + [[n, f"+44 20 7946 09{i}{i}", f"p{i}@example.com"] for i, n in enumerate(names)]
    both = [["Name", "Phone", header]] + [[n, f"07911 12345{i}", f"+44 20 7946 09{i}{i}"] for i, n in enumerate(names)]
    for grid in (alone, both):
        mapping = analyse_sheet(grid).mapping
        assert header not in {c.name for c in mapping.columns if c.field == "phone"}


def test_two_numbers_in_one_cell_keep_both() -> None:
    """The lead's phone is the first number of the cell; ``phones`` lists both, so nothing typed is lost."""
    grid = [["Name", "Phone"], ["Ann Lee", "07911 123456 / 0113 496 0456"], ["Bob Ray", "07911 123457"]]
    a = analyse_sheet(grid, SheetOptions(phone_region="GB"))
    ann, bob = a.leads
    assert ann.fields["phone"] == "+447911123456"
    assert json.loads(ann.fields["phones"]) == [
        {"column": "Phone", "value": "+447911123456"},
        {"column": "Phone", "value": "+441134960456"},
    ]
    assert bob.fields == {"full_name": "Bob Ray", "phone": "+447911123457"}


def test_two_numbers_in_the_primary_cell_merge_with_further_phone_columns() -> None:
    """With a further phone column, ``phones`` lists both numbers of the main cell, then the other column's."""
    grid = [["Name", "Phone", "Mobile"], ["Ann Lee", "020 7946 0958 or 0113 496 0456", "07911 123456"]]
    lead = analyse_sheet(grid, SheetOptions(phone_region="GB")).leads[0]
    assert lead.fields["phone"] == "+442079460958"
    assert [p["value"] for p in json.loads(lead.fields["phones"])] == ["+442079460958", "+441134960456", "+447911123456"]


@given(st.text(alphabet=st.sampled_from("0123456789 +-()/.,;:'{}\"xEe|abcphone"), max_size=60), st.sampled_from(["GB", "NO", "FR"]))
def test_any_cell_is_read_without_error(raw: str, region: str) -> None:
    """Fuzz: phone parsing of arbitrary cells never raises; a number it returns is E.164 and is among the cell's numbers."""
    shaped = phone_shape(raw) or phone_shape(raw, loose=True)
    assert isinstance(shaped, bool)
    norm = normalize_phone(raw, region)
    numbers = phone_numbers(raw, region)
    if norm is not None:
        assert norm.startswith("+") and norm[1:].isdigit()
    for n in numbers:
        assert n.startswith("+") and n[1:].isdigit()


@pytest.mark.parametrize(
    ("header", "region", "numbers", "want"),
    [
        ("Telefon", "NO", ["91234567", "47123456", "92345678", "41234567", "93456789"], "+4791234567"),
        ("Mobil", "DK", ["20123456", "31234567", "40123456", "51234567", "60123456"], "+4520123456"),
        ("Téléphone", "FR", ["0612345678", "0712345678", "0123456789", "0698765432", "0645454545"], "+33612345678"),
        ("Phone", "US", ["2025550143", "3125550190", "4155550111", "6465550123", "7185550144"], "+12025550143"),
    ],
)
def test_bare_local_numbers_under_a_phone_header_are_phones(header: str, region: str, numbers: list[str], want: str) -> None:
    """Family 4: when the header says phone, bare digit strings of a plausible length (8-digit Nordic
    numbers, national numbers without spaces) are the phone, stored as E.164 in the sheet's region."""
    names = ["Kari Nordmann", "Ola Hansen", "Ingrid Berg", "Per Olsen", "Liv Dahl"]
    grid = [["Name", header]] + [[n, p] for n, p in zip(names, numbers)]
    a = analyse_sheet(grid, SheetOptions(phone_region=region))
    assert a.mapping.fields.get("phone") == 1, a.mapping.columns
    assert a.leads[0].fields["phone"] == want


@pytest.mark.parametrize("header", ["Kundennummer", "Order ID", "Ref"])
def test_bare_digit_strings_under_another_header_are_not_phones(header: str) -> None:
    """The same digit strings under an id-like header stay extra data: only a phone header lets
    bare numbers count as phones."""
    names = ["Kari Nordmann", "Ola Hansen", "Ingrid Berg", "Per Olsen", "Liv Dahl"]
    grid = [["Name", "Email", header]] + [[n, f"p{i}@example.com", f"9123456{i}"] for i, n in enumerate(names)]
    a = analyse_sheet(grid, SheetOptions(phone_region="NO"))
    assert "phone" not in a.mapping.fields


def test_two_numbers_of_the_rows_own_country_are_both_kept() -> None:
    """A cell holding two national numbers of the row's country (not the sheet's region) keeps both:
    ``phone`` is the first in E.164 and ``phones`` lists them all; nothing typed is dropped."""
    grid = [
        ["Name", "Phone", "Country"],
        ["Ann Lee", "07911 123456", "UK"],
        ["Kari Nordmann", "22 22 22 22 / 23 23 23 23", "Norway"],
        ["Ola Hansen", "+44 7911 123457", "UK"],
    ]
    a = analyse_sheet(grid, SheetOptions(phone_region="GB"))
    kari = next(lead for lead in a.leads if lead.row == 2)
    assert kari.fields["phone"] == "+4722222222" and not kari.invalid
    assert [p["value"] for p in json.loads(kari.fields["phones"])] == ["+4722222222", "+4723232323"]
