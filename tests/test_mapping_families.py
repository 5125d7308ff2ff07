"""
Column mapping on the header conventions of real exports (CRMs, ad platforms, contact apps,
scraped listings) in several languages, one test per failure family of issue 11. Every value
here is invented.
"""

from __future__ import annotations

import json

import pytest

from shared.core.analysis import SheetOptions, analyse_sheet
from shared.core.mapping import map_columns
from shared.core.models import Status
from shared.core.normalize import normalize_phone
from shared.core.text import phone_shape


def _fields(labels, samples=None, **kw) -> dict[str, str | None]:
    return {c.name: c.field for c in map_columns(labels, samples, **kw).columns}


PEOPLE = ["Ann Lee", "Bo Chan", "Cy Dart", "Di Moss", "Ed Finch"]
EMAILS = ["ann@example.com", "bo@example.org", "cy@example.net", "di@example.com", "ed@example.org"]


class TestPhoneByShape:
    """Whether a column holds phones is a question of shape, not of the sheet's region."""

    @pytest.mark.parametrize(
        "value",
        [
            "(416) 555-0142",
            "713-555-0188",
            "+1 212 555 0100 x204",
            "p:+4915112345678",
            "Tel: 030 1234 5678",
            "Phone: 916-555-0123",
            "0049 30 12345678",
            "+7 495 123-45-67",
            "03-1234-5678",
            "+55 11 91234-5678",
            "0812 3456 7890",
            "(02) 9876 5432",
            "+33 6 12 34 56 78",
        ],
    )
    def test_phone_shapes_of_many_countries(self, value: str) -> None:
        """North American, German, Russian, Japanese, Brazilian, Indonesian, Australian, French numbers."""
        assert phone_shape(value)

    @pytest.mark.parametrize("value", ["100234", "2024-03-05", "12.5", "1,234,567", "192.168.10.20", "45%", "Apt 4B", "3.14159265"])
    def test_ids_amounts_dates_and_addresses_are_not_phones(self, value: str) -> None:
        """Short ids, dates, decimals, amounts and IP addresses are not phone-shaped."""
        assert not phone_shape(value)

    def test_north_american_numbers_map_in_a_gb_sheet(self) -> None:
        """'Telephone' and 'phone_number' over (416) 555-0142-style numbers are phones even with region GB."""
        samples = [PEOPLE[:3], ["(416) 555-0142", "(647) 555-0199", "(905) 555-0110"], EMAILS[:3]]
        assert _fields(["Name", "Telephone", "Email"], samples)["Telephone"] == "phone"
        assert _fields(["Name", "phone_number", "Email"], samples)["phone_number"] == "phone"

    def test_normalised_by_the_sheet_region_or_the_row_country(self) -> None:
        """A +CC number is kept in E.164; a national number takes the row's country when there is one."""
        assert normalize_phone("+1 (416) 555-0142", "GB") == "+14165550142"
        assert normalize_phone("(416) 555-0142", "GB") is None
        grid = [
            ["Name", "Phone", "Country"],
            ["Ann Lee", "(416) 555-0142", "Canada"],
            ["Bo Chan", "030 1234 5678", "DE"],
            ["Cy Dart", "07911 123456", ""],
        ]
        phones = [lead.fields.get("phone") for lead in analyse_sheet(grid).leads]
        assert phones == ["+14165550142", "+493012345678", "+447911123456"]


class TestEvidenceOrder:
    """A header naming a field beats content that merely fits; content vetoes what it contradicts."""

    def test_fax_never_takes_phone_from_the_phone_column(self) -> None:
        """Business listings: 'Fax' holds numbers too, 'Phone' holds 'Phone: ...' cells; Phone wins, Fax is explained."""
        samples = [
            ["Acme Ltd", "Brill GmbH", "Cato SARL"],
            ["Fax: 916-555-0100", "916-555-0101", "916-555-0102"],
            ["Phone: 916-555-0123", "Phone: 916-555-0124", "Phone: 916-555-0125"],
        ]
        m = map_columns(["Business Name", "Fax", "Phone"], samples)
        assert [c.field for c in m.columns] == ["company", None, "phone"]
        assert "not a lead field" in m.columns[1].reason

    def test_swapped_labels_follow_the_values(self) -> None:
        """An 'E-mail' column of phones is phone and a 'Telefone' column of emails is email (pt form export)."""
        samples = [PEOPLE[:3], ["(11) 91234-5678", "(21) 99876-5432", "(31) 98765-4321"], EMAILS[:3]]
        m = map_columns(["Nome", "E-mail", "Telefone"], samples)
        assert [c.field for c in m.columns] == ["full_name", "phone", "email"]
        assert "phone numbers" in m.columns[1].reason and "email addresses" in m.columns[2].reason


class TestHeaderGrammar:
    """The head of a header decides; ids, counts, values, types, dates and statuses of a field are not it."""

    @pytest.mark.parametrize(
        "header",
        [
            "Number of employees",
            "lead_value",
            "Middle name",
            "Business Unit",
            "organization_id",
            "Lead owner",
            "Account manager",
            "Campaign ID",
            "Phone type",
            "Date of birth",
            "Payment Status",
            "Company size",
            "Email Opt Out",
            "Contact Owner",
            "Sales Person",
            "DateOfBirth",
            "Owner Phone Number",
            "Fax Number",
            "Phone Extension",
            "email_verified",
            "Company ID",
            "urlFoto",
            "Organization 1 - Department",
            "State",
            "is_hot_lead",
            "isDoNotCall",
            "has_website",
            "Appointment Date",
            "Fecha de visita",
            "Deal - Title",
            "Renewal date",
            "部署名",
        ],
    )
    def test_qualified_headers_are_refused(self, header: str) -> None:
        """HubSpot, Salesforce, Pipedrive, Zoho and scraper headers that only look like lead fields."""
        assert _fields(["Email", header], [EMAILS[:3], ["x1", "x2", "x3"]])[header] is None

    @pytest.mark.parametrize(
        ("header", "field"),
        [
            ("Mobile Phone Number", "phone"),
            ("Billing Address City", "city"),
            ("E-mail 1 - Value", "email"),
            ("Organization 1 - Name", "company"),
            ("primaryEmail", "email"),
            ("contact_first_name", "first_name"),
            ("Work Direct Phone", "phone"),
            ("Zip/Postal Code", "postcode"),
            ("Company Name (required)", "company"),
            ("Lead Source", "source"),
            ("Connected On", "created_at"),
            ("firstName", "first_name"),
            ("Mob No.", "phone"),
            ("Tel Nr", "phone"),
            ("WhatsApp", "phone"),
            ("primaryCity.name", "city"),
            ("company.name", "company"),
            ("contact/email", "email"),
            ("Teléfono de contacto", "phone"),
            ("Nom du contact", "full_name"),
            ("Company Name for Emails", "company"),
            ("Business Country/Region", "country"),
            ("Nombre de la empresa", "company"),
            ("Data da primeira conversão", "created_at"),
        ],
    )
    def test_headed_phrases_map(self, header: str, field: str) -> None:
        """camelCase, snake_case and punctuation split into words; the head names the field."""
        assert _fields([header])[header] == field


def test_one_value_that_contradicts_its_header() -> None:
    """A sparse 'Email' column whose only value is a phone yields email to the column that holds emails."""
    samples = [PEOPLE[:3], ["9812345672"], EMAILS[:3], ["07911 123456", "07400 123456", "0113 496 0456"]]
    m = map_columns(["Name", "Email", "Correo", "Mobile"], samples)
    assert m.fields == {"full_name": 0, "email": 2, "phone": 3}
    assert m.columns[1].also == "phone"


@pytest.mark.parametrize("header", ["Contact", "Kontaktinfo", "Contacto", "Contact Info", "Datos de contacto"])
def test_generic_contact_headers_follow_their_values(header: str) -> None:
    """A contact column holding emails is email, one holding numbers is phone."""
    assert _fields(["Name", header], [PEOPLE, EMAILS])[header] == "email"
    assert (
        _fields(["Name", header], [PEOPLE, ["+34 600 111 222", "0612 345 678", "+1 415 555 0100", "07911 123456", "0113 496 0456"]])[header]
        == "phone"
    )


class TestPersonOrOrganisation:
    """'Name', 'Nome', 'Nom', 'Customer' hold people or businesses: the content decides, and says why."""

    BUSINESSES = [
        "Harbour View Dental Clinic",
        "Nordlicht Apotheke",
        "Brightline Solutions Ltd",
        "Casa Verde Ristorante",
        "Padaria Estrela Ltda",
    ]

    @pytest.mark.parametrize("header", ["Name", "name", "Nome", "Nom", "Navn", "Customer"])
    def test_business_names_are_company(self, header: str) -> None:
        """Scraped listings and prospect lists of companies, in English, Portuguese, French, Norwegian."""
        m = map_columns([header, "Website"], [self.BUSINESSES, ["https://a.example", "https://b.example", "https://c.example"]])
        assert m.columns[0].field == "company"
        assert "organisation names" in m.columns[0].reason

    @pytest.mark.parametrize(
        "names",
        [
            ["ООО «Северный ветер»", "ИП Смирнов А.В.", "ПАО Пример", "АО Техно", "ООО Луч"],
            ["PT Maju Bersama", "CV Sinar Terang", "PT Contoh Tbk", "UD Sumber Rejeki", "PT Abadi Jaya"],
            ["株式会社サンプル", "有限会社テスト", "サンプル商事株式会社", "合同会社例", "株式会社見本"],
            ["Summit Roofing", "Green Leaf Landscaping", "Bright Smile Dentistry", "Happy Paws Vet", "Clearview Cleaning"],
        ],
        ids=["ru-legal-prefix", "id-legal-prefix", "ja-legal-form", "en-trades"],
    )
    def test_legal_forms_before_the_name_and_trades(self, names: list[str]) -> None:
        """Legal forms written first (ООО, PT, 株式会社) and trade words mark businesses."""
        assert _fields(["Name", "Email"], [names, EMAILS])["Name"] == "company"

    def test_people_whose_surname_is_a_trade_word_stay_people(self) -> None:
        """'Mark Garden' or 'Anna Church' start with a given name: people, not businesses; "Joe's Pizza" is a business."""
        people = ["Mark Garden", "Anna Church", "Peter Bank", "Lisa Farmer", "Oliver House"]
        assert _fields(["Name", "Email"], [people, EMAILS])["Name"] == "full_name"
        shops = ["Joe's Pizza", "Maria's Bakery", "Tom's Auto Repair", "Ann's Nails", "Sam's Deli"]
        assert _fields(["Name", "Email"], [shops, EMAILS])["Name"] == "company"

    def test_people_under_a_role_noun_are_the_full_name(self) -> None:
        """'Customer' over people's names is the lead's name."""
        assert _fields(["Customer", "Email"], [PEOPLE, EMAILS])["Customer"] == "full_name"

    @pytest.mark.parametrize("header", ["Owner", "Trader", "Scheduler", "Client Representative", "Lead Owner"])
    def test_people_of_the_seller_are_not_the_lead(self, header: str) -> None:
        """Internal people columns stay extra data even when they hold names."""
        assert _fields(["Email", header], [EMAILS, PEOPLE])[header] is None


LANGUAGE_HEADERS = [
    ("ru", ["Имя", "Фамилия", "Телефон", "E-mail", "Компания"], ["first_name", "last_name", "phone", "email", "company"]),
    ("ja", ["氏名", "メールアドレス", "電話番号", "会社名"], ["full_name", "email", "phone", "company"]),
    ("no", ["Navn", "E-post", "Mobil", "Firma"], ["full_name", "email", "phone", "company"]),
    ("sv", ["Förnamn", "Efternamn", "E-postadress", "Telefonnummer", "Företag"], ["first_name", "last_name", "email", "phone", "company"]),
    ("da", ["Fornavn", "Efternavn", "E-mail", "Telefon", "Virksomhed"], ["first_name", "last_name", "email", "phone", "company"]),
    ("fi", ["Etunimi", "Sukunimi", "Sähköposti", "Puhelin", "Yritys"], ["first_name", "last_name", "email", "phone", "company"]),
    ("pl", ["Imię", "Nazwisko", "Adres e-mail", "Nr telefonu", "Nazwa firmy"], ["first_name", "last_name", "email", "phone", "company"]),
    ("cs", ["Jméno", "Příjmení", "E-mail", "Telefon", "Společnost"], ["first_name", "last_name", "email", "phone", "company"]),
    ("tr", ["Ad", "Soyad", "E-posta", "Telefon", "Şirket"], ["first_name", "last_name", "email", "phone", "company"]),
    ("el", ["Όνομα", "Επώνυμο", "Email", "Τηλέφωνο", "Εταιρεία"], ["first_name", "last_name", "email", "phone", "company"]),
    ("zh", ["姓名", "邮箱", "手机号", "公司名称"], ["full_name", "email", "phone", "company"]),
    ("ko", ["이름", "이메일", "전화번호", "회사명"], ["full_name", "email", "phone", "company"]),
    ("ar", ["الاسم الكامل", "البريد الإلكتروني", "رقم الهاتف", "اسم الشركة"], ["full_name", "email", "phone", "company"]),
    ("he", ["שם מלא", "אימייל", "טלפון", "שם החברה"], ["full_name", "email", "phone", "company"]),
    ("id", ["Nama Lengkap", "Email", "No HP", "Perusahaan"], ["full_name", "email", "phone", "company"]),
    ("vi", ["Họ và tên", "Email", "Số điện thoại", "Công ty"], ["full_name", "email", "phone", "company"]),
    ("de", ["Vorname", "Nachname", "E-Mail-Adresse", "Telefonnummer", "Firma"], ["first_name", "last_name", "email", "phone", "company"]),
    ("es", ["Nombre", "Apellidos", "Correo electrónico", "Teléfono", "Empresa"], ["first_name", "last_name", "email", "phone", "company"]),
    ("it", ["Nome", "Cognome", "Email", "Cellulare", "Azienda"], ["first_name", "last_name", "email", "phone", "company"]),
    (
        "nl",
        ["Voornaam", "Achternaam", "E-mailadres", "Telefoonnummer", "Bedrijfsnaam"],
        ["first_name", "last_name", "email", "phone", "company"],
    ),
]


@pytest.mark.parametrize(("lang", "headers", "want"), LANGUAGE_HEADERS, ids=[x[0] for x in LANGUAGE_HEADERS])
def test_lead_headers_in_twenty_languages(lang: str, headers: list[str], want: list[str]) -> None:
    """Form and CRM export headers in each language map to the core fields."""
    fields = [c.field for c in map_columns(headers).columns]
    if lang == "it":  # "Nome" beside "Cognome" is the first name
        want = ["first_name", "last_name", "email", "phone", "company"]
    assert fields == want, (lang, fields)


class TestHeaderless:
    """With no header, names and companies are recognised by their content, like emails are."""

    def test_first_and_last_name_columns(self) -> None:
        """Two columns of single name words side by side are given and family names."""
        grid = [
            ["Marta", "Keller", "marta.k@example.com"],
            ["Jonas", "Brandt", "jonas@example.org"],
            ["Lena", "de Vries", "lena@example.net"],
            ["Tom", "Ortiz", "tom@example.com"],
        ]
        a = analyse_sheet(grid)
        assert [c.field for c in a.mapping.columns] == ["first_name", "last_name", "email"]

    def test_compound_and_upper_case_surnames(self) -> None:
        """'De Luca' or 'VAN DIJK' beside single given names is still the family-name column."""
        grid = [["Giulia", "De Luca", "g@example.it"], ["Marco", "Bianchi", "m@example.it"], ["Sara", "Conti", "s@example.it"]]
        assert [c.field for c in analyse_sheet(grid).mapping.columns] == ["first_name", "last_name", "email"]

    def test_cjk_names_are_family_name_first(self) -> None:
        """Japanese and Chinese lists write the family name first."""
        grid = [["山田", "太郎", "taro@example.jp"], ["佐藤", "花子", "hanako@example.jp"], ["鈴木", "一郎", "ichiro@example.jp"]]
        a = analyse_sheet(grid)
        assert [c.field for c in a.mapping.columns] == ["last_name", "first_name", "email"]

    def test_what_a_lead_wants_is_not_a_company(self) -> None:
        """Trade words in sentence case ("Garden design", "Kitchen refit") say what a lead asks for:
        kept as extra data; business names with the same words ("Greenway Garden Centre") are companies."""
        wants = [
            ["Ann Lee", "ann@example.com", "Garden design"],
            ["Bo Chan", "bo@example.com", "Kitchen refit"],
            ["Cy Dunn", "cy@example.com", "Lawn care plan"],
            ["Di Ross", "di@example.com", "Boiler service"],
            ["Ed Hale", "ed@example.com", "Garden design"],
        ]
        assert [c.field for c in analyse_sheet(wants).mapping.columns] == ["full_name", "email", None]
        firms = [
            ["Ann Lee", "ann@example.com", "Greenway Garden Centre"],
            ["Bo Chan", "bo@example.com", "Bright Dental Clinic"],
            ["Cy Dunn", "cy@example.com", "Apotheke am Dom"],
            ["Di Ross", "di@example.com", "Clínica dental Sonrisa"],
            ["Ed Hale", "ed@example.com", "Harbour Kitchen"],
        ]
        assert [c.field for c in analyse_sheet(firms).mapping.columns] == ["full_name", "email", "company"]

    def test_company_column_by_legal_form(self) -> None:
        """A column of names ending in legal forms is the company."""
        grid = [["Brill GmbH", "info@brill.example"], ["Acme Ltd", "hello@acme.example"], ["Cato SARL", "contact@cato.example"]]
        assert [c.field for c in analyse_sheet(grid).mapping.columns] == ["company", "email"]


class TestSecondaryContacts:
    """Several phone and email columns: one is the field, the rest are kept on the lead, none lost."""

    HEADERS = [
        "First Name",
        "Last Name",
        "Mobile Phone",
        "Work Direct Phone",
        "Corporate Phone",
        "Email",
        "Secondary Email",
        "Tertiary Email",
    ]

    def test_sales_tool_export_keeps_every_number(self) -> None:
        """A lead with no mobile keeps its work number as its phone, and lists each with its column."""
        grid = [self.HEADERS, ["Ann", "Lee", "", "0113 496 0456", "020 7946 0000", "", "ann@example.com", "ann.lee@example.org"]]
        a = analyse_sheet(grid)
        assert a.mapping.fields["phone"] == 2 and a.mapping.fields["email"] == 5
        assert a.mapping.secondary == {"phone": [3, 4], "email": [6, 7]}
        lead = a.leads[0]
        assert lead.fields["phone"] == "+441134960456"
        assert lead.fields["email"] == "ann@example.com"
        assert json.loads(lead.fields["phones"]) == [
            {"column": "Work Direct Phone", "value": "+441134960456"},
            {"column": "Corporate Phone", "value": "+442079460000"},
        ]
        assert [e["column"] for e in json.loads(lead.fields["emails"])] == ["Secondary Email", "Tertiary Email"]
        assert "Corporate Phone" in lead.extra  # the raw cells stay too: nothing changes for old readers

    def test_one_column_each_adds_nothing(self) -> None:
        """A sheet with one phone and one email column stores exactly what it did before."""
        lead = analyse_sheet([["Name", "Phone", "Email"], ["Ann Lee", "07911 123456", "ann@example.com"]]).leads[0]
        assert set(lead.fields) == {"full_name", "phone", "email"}


class TestConfidenceGate:
    """Genuinely ambiguous evidence for an essential field is a WARNING with the candidates."""

    def test_tied_name_columns_need_review_and_an_override_resolves_it(self) -> None:
        """'Name' and 'Contact' both holding people's names: which is the lead's name is a question."""
        grid = [["Name", "Contact Name", "Email"], *[[p, q, e] for p, q, e in zip(PEOPLE, reversed(PEOPLE), EMAILS)]]
        a = analyse_sheet(grid)
        assert a.status is Status.WARNING and "mapping_needs_review" in a.reasons
        assert "Contact Name" in " ".join(a.messages)
        b = analyse_sheet(grid, SheetOptions(overrides={"Name": "full_name", "Contact Name": "ignore"}))
        assert "mapping_needs_review" not in b.reasons

    def test_clear_sheets_pass_the_gate(self) -> None:
        """A plain export is not flagged."""
        a = analyse_sheet([["Full Name", "Email", "Phone"], ["Ann Lee", "ann@example.com", "07911 123456"]])
        assert a.status is Status.SUCCESS


def test_every_synonym_of_the_previous_vocabulary_still_maps() -> None:
    """Sheets mapped before the vocabulary became multilingual keep their fields (a few of the old words)."""
    for word, field in {
        "lead": "full_name",
        "email adresse": "email",
        "description": "notes",
        "naam": "full_name",
        "cellulare": "phone",
    }.items():
        assert _fields([word.title()], [PEOPLE if field == "full_name" else []])[word.title()] == field, word


def test_previous_mapping_is_kept_on_a_close_call() -> None:
    """A 'Name' column mapped to full_name last time stays so when new rows make it look like companies."""
    samples = [TestPersonOrOrganisation.BUSINESSES, EMAILS]
    assert _fields(["Name", "Email"], samples)["Name"] == "company"
    assert _fields(["Name", "Email"], samples, previous={"Name": "full_name"})["Name"] == "full_name"


class TestHeadersReadAsOnePhrase:
    """Families found by a probe of 59 exports and local sheets (session 3): a header that names one field is read as one."""

    @pytest.mark.parametrize(
        ("header", "field"),
        [
            ("Your E-mail Address", "email"),  # the "e" of e-mail is not the Italian "and"
            ("Adresă e-mail", "email"),
            ("Indirizzo e-mail aziendale", "email"),
            ("What's your first name?", "first_name"),  # "name" inside "first name" is part of it
            ("Invitee First Name", "first_name"),
            ("Your Business Name", "company"),
            ("Person - Email - Work", "email"),  # Pipedrive's path: the person's email, at work
            ("Person - Phone - Mobile", "phone"),
            ("Nombre y apellido", "full_name"),  # first and last together: the whole name
            ("First and last name", "full_name"),
            ("Phone (incl. country code)", "phone"),  # a filling hint, not the country
            ("Your Phone # (with area code)", "phone"),
            ("WhatsApp number (with country code)", "phone"),
            ("Mobile (z.B. 0171 1234567)", "phone"),
            ("received_at", "created_at"),  # the time of day after a creation word
            ("Created date/time", "created_at"),
            ("휴대폰번호", "phone"),  # Hangul kept whole: the known word inside an unspaced header
            ("고객상태", "status"),
        ],
    )
    def test_one_field_headers(self, header: str, field: str) -> None:
        from shared.core.mapping import read_header

        assert [e.field for e in read_header(header).evidence][:1] == [field], read_header(header)

    @pytest.mark.parametrize("header", ["Email or phone", "Name and company", "E-mail e telefone"])
    def test_two_fields_joined_stay_undecided_by_the_header(self, header: str) -> None:
        """Two fields joined by 'or'/'and'/'e' are not guessed from the header; the values may decide."""
        from shared.core.mapping import read_header

        reading = read_header(header)
        assert not reading.evidence and reading.ambiguous, reading

    def test_no_inside_a_phrase_is_not_number(self) -> None:
        """'Estágio no funil' (stage in the funnel) is not an identifier; 'Customer No' still is not a lead field."""
        from shared.core.mapping import read_header

        assert "identifier" not in (read_header("Estágio no funil").refused or "")
        assert not read_header("Customer No").evidence

    def test_values_decide_a_header_that_names_two_fields(self) -> None:
        """'Contact (phone or email)' over email addresses is the email column; over phones, the phone."""
        assert _fields(["Name", "Contact (phone or email)"], [PEOPLE, EMAILS])["Contact (phone or email)"] == "email"
        phones = ["+44 7911 123456", "+44 7911 123457", "+44 7911 123458", "+44 7911 123459", "+44 7911 123460"]
        assert _fields(["Name", "Email or phone"], [PEOPLE, phones])["Email or phone"] == "phone"

    def test_dates_under_an_unknown_header_are_the_created_date_when_alone(self) -> None:
        """'Tgl Masuk' or 'Enq Dt' over recent dates is created_at; two such columns, or 'Event Time', are not guessed."""
        dates = ["2026-03-01 10:00", "2026-03-02 11:30", "2026-03-04 09:15", "2026-03-05 16:40", "2026-03-07 08:05"]
        assert _fields(["Tgl Masuk", "Name", "Email"], [dates, PEOPLE, EMAILS])["Tgl Masuk"] == "created_at"
        assert _fields(["Name", "Enq Dt"], [PEOPLE, dates])["Enq Dt"] == "created_at"
        both = _fields(["Tgl Masuk", "Eingangszeitpunkt", "Name"], [dates, dates, PEOPLE])
        assert both["Tgl Masuk"] is None and both["Eingangszeitpunkt"] is None
        assert _fields(["Event Time", "Name", "Email"], [dates, PEOPLE, EMAILS])["Event Time"] is None


class TestHeldOutFamilies:
    """Families from a held-out probe of 62 further sheets (session 3)."""

    def test_cjk_headers_read_with_or_without_spaces(self) -> None:
        """'업체 명' is '업체명' (company); '전화 번호' the phone."""
        from shared.core.mapping import read_header

        assert read_header("업체 명").evidence[0].field == read_header("업체명").evidence[0].field == "company"
        assert read_header("전화 번호").evidence[0].field == "phone"

    def test_a_surname_column_pairs_with_single_given_names_beside_it(self) -> None:
        """'Фамилия' with an unknown 'Име' of given names beside it: first and last name, not the whole name."""
        given = ["Иван", "Мария", "Петър", "Георги", "Елена"]
        family = ["Петров", "Иванова", "Георгиев", "Димитров", "Николова"]
        assert _fields(["Име", "Фамилия", "E"], [given, family, EMAILS]) == {"Име": "first_name", "Фамилия": "last_name", "E": "email"}

    def test_dates_in_utc_and_lead_dates_count(self) -> None:
        """'... UTC' values are dates; 'Data lead' (the lead's date) is not the date of something else."""
        from shared.core.text import DATE, classify

        assert classify("2026-03-01 10:22 UTC") == DATE and classify("2026-03-01T10:22:33+0000") == DATE
        dates = ["2026-03-01 10:00 UTC", "2026-03-02 11:30 UTC", "2026-03-04 09:15 UTC", "2026-03-05 16:40 UTC", "2026-03-07 08:05 UTC"]
        assert _fields(["Data lead", "Name", "Email"], [dates, PEOPLE, EMAILS])["Data lead"] == "created_at"


@pytest.mark.parametrize(
    ("header", "field"),
    [
        ("How did you first hear about us?", "source"),  # not a first name
        ("First seen", None),  # a date, not a first name
        ("Last Seen", None),
        ("Lead from (FB/Google/Other)", None),  # not the lead's name
        ("Came in via", None),  # the English "via", not the Italian street
        ("First", "first_name"),
        ("Name (Last)", "last_name"),  # Gravity Forms
        ("Name (First)", "first_name"),
        ("First and last name", "full_name"),
        ("Via", "address"),
        ("Lead", "full_name"),
    ],
)
def test_everyday_words_name_a_field_only_where_they_stand_alone(header: str, field: str | None) -> None:
    """'first', 'last' and 'lead' are a field as the header's last word; 'via' as its first."""
    from shared.core.mapping import read_header

    assert ([e.field for e in read_header(header).evidence][:1] or [None]) == [field]
