"""Issue 19, family 6: the words sheets use for the contact person instead of "name", and Thai and Korean basics."""

from __future__ import annotations

import pytest

from shared.core.analysis import SheetOptions, analyse_sheet
from shared.core.mapping import read_header

CONTACT_PERSON = [
    "Director",
    "Managing Director",
    "General Manager",
    "Manager Name",
    "Business Owner",
    "Proprietor",
    "CEO",
    "Legal Representative",
    "Ansprechperson",
    "Geschäftsführer",
    "Inhaber",
    "Interlocuteur",
    "Nom du gérant",
    "Dirigeant",
    "Référent",
    "Nombre del responsable",
    "Representante legal",
    "Encargado",
    "Responsável",
    "Nome do responsável",
    "Referente",
    "Persona di riferimento",
    "Titolare",
    "Legale rappresentante",
    "Zaakvoerder",
    "Daglig leder",
    "Toimitusjohtaja",
    "Jednatel",
    "Osoba do kontaktu",
    "Руководитель",
    "ФИО руководителя",
    "Контактна особа",
    "Yetkili kişi",
    "İrtibat kişisi",
    "代表者名",
    "責任者",
    "法定代表人",
    "联系人姓名",
    "대표자명",
    "책임자",
    "Người liên hệ",
    "Người đại diện",
    "Narahubung",
    "Penanggung jawab",
    "ผู้ติดต่อ",
    "ชื่อผู้ติดต่อ",
    "جهة الاتصال",
    "संपर्क व्यक्ति",
]


@pytest.mark.parametrize("header", CONTACT_PERSON)
def test_contact_person_words_name_the_lead(header: str) -> None:
    """A contact-person header (director, owner of a listing, representative, "Ansprechperson"...) reads as the lead's name."""
    evidence = read_header(header).evidence
    assert evidence and evidence[0].field == "full_name", (header, read_header(header))


@pytest.mark.parametrize("header", ["Inhaber", "Titolare", "대표자명", "ผู้ติดต่อ", "Director"])
def test_a_business_list_with_a_contact_person_column(header: str) -> None:
    """Beside the business name, the contact-person column of person names is the lead's full name."""
    grid = [["Company", header, "Email"]] + [
        [f"{co} Ltd", person, f"info{i}@example.com"]
        for i, (co, person) in enumerate(
            [("Acme", "Anna Weber"), ("Borealis", "Marco Rossi"), ("Cedar", "Jin Park"), ("Delta", "Sara Lind")]
        )
    ]
    fields = {c.name: c.field for c in analyse_sheet(grid).mapping.columns}
    assert fields == {"Company": "company", header: "full_name", "Email": "email"}


@pytest.mark.parametrize(
    "header",
    [
        "Account Manager",
        "Lead owner",
        "Sales Manager",
        "Case Manager",
        "Gerente de cuenta",
        "Responsable de compte",
        "Owner",
        "Owner Name",
        "Representative",
    ],
)
def test_the_sellers_own_staff_are_still_not_the_lead(header: str) -> None:
    """The seller's people (account managers, lead owners, sales reps) stay refused: only the lead's own contact words were added."""
    assert read_header(header).refused


def test_a_thai_sheet_maps_its_basic_columns() -> None:
    """Thai headers for contact, phone, email, shop, province, position, website map to their fields."""
    header = ["ชื่อผู้ติดต่อ", "เบอร์ติดต่อ", "อีเมล", "ชื่อร้าน", "จังหวัด", "ตำแหน่ง", "เว็บไซต์"]
    rows = [
        ["สมชาย ใจดี", "081 234 5678", "a@example.co.th", "ร้านกาแฟดี", "เชียงใหม่", "เจ้าของ", "https://example.co.th"],
        ["สมหญิง รักงาน", "089 876 5432", "b@example.co.th", "ร้านดอกไม้", "ภูเก็ต", "ผู้จัดการ", "https://example.com"],
        ["วิชัย มีสุข", "02 123 4567", "c@example.co.th", "บริษัท ตัวอย่าง จำกัด", "กรุงเทพมหานคร", "ผู้จัดการ", "https://example.org"],
    ]
    a = analyse_sheet([header, *rows], SheetOptions(phone_region="TH"))
    got = {c.name: c.field for c in a.mapping.columns}
    assert got == dict(zip(header, ["full_name", "phone", "email", "company", "city", "job_title", "website"], strict=True))
    assert a.leads[0].fields["phone"] == "+66812345678"


def test_a_korean_sheet_maps_its_basic_columns() -> None:
    """Korean headers for representative, mobile, email, trade name, location, title map to their fields."""
    header = ["대표자명", "휴대폰번호", "이메일", "상호명", "소재지", "직함"]
    rows = [
        ["김민수", "010-1234-5678", "a@example.co.kr", "행복상사", "서울특별시 강남구 테헤란로 1", "대표"],
        ["이지은", "010-9876-5432", "b@example.co.kr", "푸른식품", "부산광역시 해운대구 센텀로 2", "과장"],
        ["박서준", "010-5555-1234", "c@example.co.kr", "한빛전자", "대구광역시 중구 동성로 3", "부장"],
    ]
    a = analyse_sheet([header, *rows], SheetOptions(phone_region="KR"))
    got = {c.name: c.field for c in a.mapping.columns}
    assert got == dict(zip(header, ["full_name", "phone", "email", "company", "address", "job_title"], strict=True))
    assert a.leads[0].fields["phone"] == "+821012345678"
