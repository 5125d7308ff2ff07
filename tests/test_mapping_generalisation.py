"""
Column mapping on sheets nobody tuned on (issue 19), one class per failure family: the head
noun of a header, organisation evidence on unknown headers, person or business under an
ambiguous header, and sheets without a header. Every value here is invented.
"""

from __future__ import annotations

import pytest

from shared.core.mapping import map_columns, read_header


def _fields(labels, samples=None, **kw) -> dict[str, str | None]:
    return {c.name: c.field for c in map_columns(labels, samples, **kw).columns}


def _field(label: str) -> str | None:
    r = read_header(label)
    return r.evidence[0].field if r.evidence else None


class TestHeadNoun:
    """'<X> name', '<X> contact', '<X> id': X says whose name it is; an unknown X is extra data."""

    @pytest.mark.parametrize(
        ("header", "field"),
        [
            ("Source name", "source"),
            ("Campaign name", "campaign"),
            ("Partner name", "company"),
            ("Account name", "company"),
            ("Organisation name", "company"),
            ("Clinic name", "company"),
            ("Listing title", "company"),
            ("City name", "city"),
            ("Guest name", "full_name"),
            ("Customer's name", "full_name"),
            ("Company contact", "full_name"),
            ("Nome cliente", "full_name"),
            ("Nom entreprise", "company"),
            ("Tên địa điểm", "company"),
            ("Tên cửa hàng", "company"),
            ("Tên người liên hệ", "full_name"),
            ("Nom du lieu", "company"),
            ("Nombre del lugar", "company"),
            ("Location name", "company"),
        ],
    )
    def test_a_known_x_gives_its_own_field(self, header: str, field: str) -> None:
        """The modifier of a generic head noun decides the field: another field's word, an organisation word, a word for the lead."""
        assert _field(header) == field

    @pytest.mark.parametrize(
        "header",
        [
            "Group name",
            "Segment name",
            "Course name",
            "State name",
            "Record title",
            "Page name",
            "Team name",
            "Ad squad name",
            "Ad account name",
            "Qualify contact",
            "Source contact",
        ],
    )
    def test_an_unknown_or_other_x_is_extra_data(self, header: str) -> None:
        """The name of a group, a state, a record or an ad object is not the lead's name or company."""
        r = read_header(header)
        assert not r.evidence and r.refused

    @pytest.mark.parametrize("header", ["id_client", "ID cliente", "Código cliente", "Numero cliente", "N° client"])
    def test_an_identifier_before_a_party_word_is_an_identifier(self, header: str) -> None:
        """Romance word order puts the identifier first: 'id_client' is the client's id, not the client."""
        assert _field(header) is None

    def test_identifier_words_still_make_phone_numbers(self) -> None:
        """'Número de teléfono', 'numero telefono' stay phones: only party words are blocked by an identifier word."""
        assert _field("Número de teléfono") == "phone"
        assert _field("numero telefono") == "phone"

    @pytest.mark.parametrize("header", ["Questions asked by the attendee", "Notes written by the client", "Feedback from the customer"])
    def test_a_party_after_a_preposition_is_not_the_column(self, header: str) -> None:
        """A question or action about the lead names no field."""
        assert _field(header) is None

    @pytest.mark.parametrize("header", ["Website Status", "Email status", "Phone status"])
    def test_the_status_of_a_contact_channel_is_not_the_lead_status(self, header: str) -> None:
        """'Website status' is whether the site works; 'Lead status' and 'Customer status' stay the status."""
        assert _field(header) is None
        assert _field("Lead status") == "status"
        assert _field("Customer status") == "status"

    @pytest.mark.parametrize("header", ["Contacted", "Contacted?", "contactado", "Contactar", "Emailed"])
    def test_fuzzy_matching_never_reads_an_inflected_word(self, header: str) -> None:
        """'contacted' is not 'contact' with a typo; a plural or a real typo still matches."""
        assert _field(header) is None
        assert _field("Compnay") == "company"
        assert _field("Phnoe") == "phone"

    def test_a_database_table_prefix_is_read_past(self) -> None:
        """Every header of a table export starting 'cst_' is read without it; a field word prefix ('phone_work') is kept."""
        labels = ["cst_id", "cst_firmenname", "cst_email", "cst_telefon", "cst_created", "cst_changed"]
        samples = [
            ["1", "2", "3"],
            ["Nordwind GmbH", "Bergblick AG", "Seeufer KG"],
            ["a@example.de", "b@example.de", "c@example.de"],
            ["030 1234567", "089 7654321", "040 1122334"],
            ["2024-01-02", "2024-02-03", "2024-03-04"],
            ["2024-05-02", "2024-06-03", "2024-07-04"],
        ]
        got = _fields(labels, samples)
        assert got["cst_firmenname"] == "company"
        assert got["cst_created"] == "created_at"
        assert got["cst_changed"] is None
        kept = map_columns(["phone_home", "phone_work", "phone_mobile", "email"], [["07911 123456"]] * 3 + [["a@example.com"]])
        assert [c.field or c.also for c in kept.columns] == ["phone", "phone", "phone", "email"]


BUSINESSES = [
    "Nordlicht Bäckerei GmbH",
    "Ferreira & Filhos Lda",
    "Studio Verde SRL",
    "Kowalski Serwis Sp. z o.o.",
    "Bright Harbor Dental Clinic",
    "Café Luna",
    "Hotel Miramar",
    "Sakura Trading Co",
]


class TestOrganisationEvidenceOnUnknownHeaders:
    """An unknown header gets the company field from its values only on strong evidence, never for a category."""

    @pytest.mark.parametrize("header", ["Branche", "Sector", "Segmento", "Keyword", "Rubro"])
    def test_a_repeated_category_with_trade_words_is_not_the_company(self, header: str) -> None:
        """Trade words in a few repeated values ('Hair Salon' x4) are a category column, in any language."""
        values = [
            "Hair Salon",
            "Dental Clinic",
            "Hair Salon",
            "Pizza Restaurant",
            "Dental Clinic",
            "Hair Salon",
            "Auto Repair",
            "Hair Salon",
        ]
        got = _fields(
            ["Name", "Email", header],
            [["Ann Lee", "Bo Chan", "Cy Dart", "Di Moss", "Ed Finch", "Flo Yu", "Gus Ng", "Hal Ito"], ["a@example.com"] * 8, values],
        )
        assert got[header] is None

    def test_lone_trade_words_are_categories_not_businesses(self) -> None:
        """'Bakery', 'Florist', 'Restaurants' alone name a kind of business, not one."""
        values = ["Bakery", "Restaurants", "Friseur", "Hotel", "Pizzeria", "Boulangerie", "Autohaus", "Apotheke"]
        assert _fields(["Email", "Art"], [["a@example.com"] * 8, values])["Art"] is None

    def test_a_minority_of_trade_words_under_an_unknown_header_is_not_enough(self) -> None:
        """Two business-like values in five under an unknown header ('Interesse') do not make it the company."""
        values = ["Garden design", "Pool cleaning", "Lawn Care Pros", "Roof repair", "Kitchen Studio Nord"]
        assert _fields(["Email", "Interesse"], [["a@example.com"] * 5, values])["Interesse"] is None

    def test_distinct_business_names_under_an_unknown_header_are_the_company(self) -> None:
        """Legal forms and named businesses in most values of an unknown header ('Betrieb') still make it the company."""
        assert _fields(["Email", "Betrieb"], [["a@example.com"] * 8, BUSINESSES])["Betrieb"] == "company"

    @pytest.mark.parametrize("header", ["Business line", "Linea de negocio empresa", "Segment name"])
    def test_a_phrase_header_over_a_category_is_not_a_party(self, header: str) -> None:
        """A party word inside a longer header ('Business line') over 3 values repeated is neither the company nor the name."""
        values = ["Retail", "Wholesale", "Retail", "Online", "Retail", "Wholesale", "Online", "Retail", "Retail", "Online"]
        assert _fields(["Email", header], [["a@example.com"] * 10, values])[header] is None


SHOPS = ["Le Rasoir d'Or", "Casa 27", "Chez Tonio", '"Kamm" Berlin', "Black Bear", "Nord | Paris", "La Tijera de Oro", "Grizzly 10e"]
"""Shop names of a map scrape with few trade words: digits, quotes, separators and no given names say business."""
WEBSITES = [f"https://shop{i}.example.com" for i in range(8)]
PHONES = ["+33 1 42 00 00 0" + str(i) for i in range(8)]
PERSONS = ["Maria Lopez", "John Carter", "Anna Weber", "Pierre Martin", "Laura Rossi", "David Cohen", "Sofia Berg", "Peter Novak"]


class TestPersonOrBusiness:
    """Under a header that does not say person or business, the values and the sheet decide."""

    @pytest.mark.parametrize("header", ["Title", "Name", "Client", "Nom", "Tên khách hàng"])
    def test_a_listing_of_businesses_is_the_company(self, header: str) -> None:
        """A sheet of web addresses with no company column: its name column of shop names without given names is the company."""
        got = _fields([header, "Address", "Phone", "Website"], [SHOPS, ["1 Rue X"] * 8, PHONES, WEBSITES])
        assert got[header] == "company"

    def test_people_with_given_names_stay_people_in_a_listing(self) -> None:
        """A B2B prospect list with websites: names with given names are the lead's name."""
        got = _fields(["Name", "Phone", "Website"], [PERSONS, PHONES, WEBSITES])
        assert got["Name"] == "full_name"

    def test_a_company_column_keeps_the_name_column_a_person(self) -> None:
        """With a 'Company' column beside it, an ambiguous 'Name' column is never the company by the listing rule."""
        got = _fields(["Name", "Company", "Website"], [SHOPS, SHOPS, WEBSITES])
        assert got["Company"] == "company"
        assert got["Name"] != "company"

    def test_business_words_of_more_languages(self) -> None:
        """Nordic, Polish, Finnish and Greek trade words mark businesses under a 'Name' header."""
        values = [
            "Havn Bageri",
            "Sankt Olai Apotek",
            "Piekarnia Kowalski",
            "Apteka Centrum",
            "Leipomo Virta",
            "Φαρμακείο Παπαδάκη",
            "Bergen Verksted",
            "Fodrász Anna",
        ]
        assert _fields(["Name", "Email"], [values, ["a@example.com"] * 8])["Name"] == "company"

    def test_legal_forms_worldwide_from_cleanco(self) -> None:
        """Legal forms our own list lacked (UAB, Oyj, Zrt, ehf, OOD, SASU, BVBA, S.R.L.) make a 'Customer' column the company."""
        values = [
            "Baltic Amber UAB",
            "Nordkapp Oyj",
            "Duna Zrt",
            "Reykjavik Fish ehf",
            "Sofia Trade OOD",
            "Verde SASU",
            "Delta BVBA",
            "Pérez Hermanos S.R.L.",
        ]
        assert _fields(["Customer", "Email"], [values, ["a@example.com"] * 8])["Customer"] == "company"

    def test_a_company_header_over_people_is_the_name_when_ambiguous(self) -> None:
        """Greek 'Επωνυμία' (a business's or a person's name) over people's names is the full name; over businesses the company."""
        people = ["Παπαδοπούλου Μαρία", "Γεωργίου Νίκος", "Ιωάννου Ελένη", "Δημητρίου Κώστας", "Νικολάου Άννα", "Αντωνίου Σοφία"]
        assert _fields(["Επωνυμία", "Πόλη"], [people, ["Αθήνα"] * 6])["Επωνυμία"] == "full_name"
        shops = [
            "Φαρμακείο Λάμπρου",
            "Αρτοποιείο Γεωργίου",
            "Κομμωτήριο Έλενα",
            "Συνεργείο Νίκος",
            "Εστιατόριο Θάλασσα",
            "Φαρμακείο Κέντρο",
        ]
        assert _fields(["Επωνυμία", "Πόλη"], [shops, ["Αθήνα"] * 6])["Επωνυμία"] == "company"

    def test_a_surname_column_with_some_companies_stays_the_surname(self) -> None:
        """Owners' surnames with three companies among eight are still surnames beside a first-name column."""
        surnames = ["Keller", "Acme Holdings LLC", "Brandt", "Vogel", "Nordwind GmbH", "Ortiz", "Conti", "Sunrise Realty Inc"]
        got = _fields(["First name", "Surname"], [["Ann", "", "Jonas", "Lena", "", "Tom", "Sara", ""], surnames])
        assert got["Surname"] == "last_name"

    @pytest.mark.parametrize("header", ["Etiqueta", "Projekt", "Evento"])
    def test_capitalised_phrases_under_an_unknown_header_are_not_names(self, header: str) -> None:
        """Event or project names ('Reunión Jueves') look like names but carry no given names: not the lead's name."""
        values = ["Reunión Jueves", "Encuentro Jóvenes", "Torre Marina Residences", "Palm Garden Villas", "Noche de Gala", "Ruta Norte"]
        assert _fields(["Email", header], [["a@example.com"] * 6, values])[header] is None
        assert _fields(["Email", header], [["a@example.com"] * 6, PERSONS[:6]])[header] == "full_name"

    def test_descriptions_with_trade_words_are_not_the_company(self) -> None:
        """Paragraphs that mention an agency or a clinic under an unknown header are no one's name."""
        values = [
            "We are a creative digital agency working with brands across Europe since 2010 and beyond.",
            "Full service marketing agency | Strategy | Design | Development",
            "Family dental clinic in the city centre with friendly staff and modern equipment for all.",
        ] * 2
        assert _fields(["Email", "Inhalt"], [["a@example.com"] * 6, values])["Inhalt"] is None

    def test_honorifics_and_particles_of_many_scripts_mark_people(self) -> None:
        """Honorifics ('Dr', 'κος', 'г-н', 'الحاج', 'श्री') and particles ('ibn', 'bint') make names people under an unknown header."""
        values = [
            "Dr. Hana Kovač",
            "κος Παπαδάκης",
            "г-н Соколов",
            "الحاج Karim Haddad",
            "श्री Ravi Kumar",
            "Khalid ibn Walid",
            "Fatima bint Saleh",
        ]
        assert _fields(["Email", "Begleitung"], [["a@example.com"] * 7, values])["Begleitung"] == "full_name"


def _headerless(rows: list[list[str]]) -> list[str | None]:
    from shared.core.analysis import analyse_sheet
    from shared.core.models import HeaderMatch

    a = analyse_sheet(rows)
    assert not isinstance(a.header, HeaderMatch)
    return [c.field or c.also for c in a.mapping.columns]


class TestSheetsWithoutAHeader:
    """With no header, names are found by their content in any script, as emails and phones are."""

    @pytest.mark.parametrize(
        ("script", "names", "phones", "cities"),
        [
            (
                "thai",
                ["สมชาย ใจดี", "สมหญิง รักไทย", "ประยุทธ์ มั่นคง", "วิชัย ศรีสุข", "นิตยา แก้วมณี"],
                ["081 234 5678", "089 765 4321", "086 111 2233", "087 444 5566", "085 777 8899"],
                ["กรุงเทพ", "เชียงใหม่", "ภูเก็ต", "ขอนแก่น", "กรุงเทพ"],
            ),
            (
                "devanagari",
                ["राहुल शर्मा", "प्रिया वर्मा", "अमित कुमार", "सुनीता देवी", "विकास सिंह"],
                ["+91 98765 43210", "+91 91234 56789", "+91 99887 76655", "+91 90000 11111", "+91 93333 22222"],
                ["दिल्ली", "मुंबई", "पुणे", "जयपुर", "दिल्ली"],
            ),
            (
                "arabic",
                ["محمد أحمد", "فاطمة علي", "خالد حسن", "مريم يوسف", "أحمد سالم"],
                ["+971 50 123 4567", "+971 55 765 4321", "+971 52 111 2233", "+971 56 444 5566", "+971 54 777 8899"],
                ["دبي", "أبوظبي", "الشارقة", "عجمان", "دبي"],
            ),
            (
                "chinese",
                ["王小明", "李华", "张伟", "刘洋", "陈静"],
                ["13812345678", "13987654321", "13711112222", "13633334444", "13555556666"],
                ["北京", "上海", "广州", "深圳", "北京"],
            ),
            (
                "japanese",
                ["山田 太郎", "佐藤 花子", "鈴木 一郎", "高橋 美咲", "田中 健"],
                ["090-1234-5678", "080-2345-6789", "070-3456-7890", "090-4567-8901", "080-5678-9012"],
                ["東京都", "大阪府", "愛知県", "福岡県", "東京都"],
            ),
        ],
    )
    def test_whole_names_in_scripts_without_capitals(self, script: str, names: list[str], phones: list[str], cities: list[str]) -> None:
        """Thai, Devanagari, Arabic, Chinese and Japanese names are the full name; the city beside them is not a name."""
        rows = [[n, p, c] for n, p, c in zip(names, phones, cities)]
        assert _headerless(rows)[:2] == ["full_name", "phone"]
        assert _headerless(rows)[2] not in ("first_name", "last_name", "full_name")

    def test_korean_names_beside_a_city_are_not_split_into_first_and_last(self) -> None:
        """Hangul whole names opening with a family name are the full name, and the city column next to them stays extra data."""
        rows = [
            ["김민준", "서울", "010-1234-5678"],
            ["이서연", "부산", "010-2345-6789"],
            ["박지훈", "대구", "010-3456-7890"],
            ["최수빈", "인천", "010-4567-8901"],
            ["정예은", "광주", "010-5678-9012"],
        ]
        assert _headerless(rows) == ["full_name", None, "phone"]

    def test_chinese_family_and_given_names_in_two_columns(self) -> None:
        """One Han character of family name beside the given name: last and first name, family name first."""
        rows = [
            ["王", "小明", "13812345678"],
            ["李", "华", "13987654321"],
            ["张", "伟", "13711112222"],
            ["刘", "洋", "13633334444"],
            ["陈", "静", "13555556666"],
        ]
        assert _headerless(rows) == ["last_name", "first_name", "phone"]

    def test_latin_and_cyrillic_names_still_found(self) -> None:
        """Two capitalised words in Latin or Cyrillic letters are the full name, as before."""
        rows = [
            ["Иван Петров", "+7 495 123-45-67"],
            ["Ольга Смирнова", "+7 812 765-43-21"],
            ["Сергей Иванов", "+7 343 111-22-33"],
            ["Анна Кузнецова", "+7 383 444-55-66"],
        ]
        assert _headerless(rows) == ["full_name", "phone"]

    def test_a_first_row_written_like_the_data_below_is_not_a_header(self) -> None:
        """A first row whose id is written like the ids below ('K-10.234.567' over 'P-20.345.678') is data: no header."""
        from shared.core.detection import detect_header
        from shared.core.models import HeaderMatch

        grid = [
            ["Ponente", "Vidal", "Lucía", "K-10.234.567"],
            ["Oyente", "Mora", "Tomás", "P-20.345.678"],
            ["Invitado", "Salas", "Inés", "K-30.456.789"],
        ]
        assert not isinstance(detect_header(grid), HeaderMatch)
        assert isinstance(detect_header([["Rol", "Apellido", "Nombre", "Cédula"], *grid]), HeaderMatch)


@pytest.mark.parametrize("header", ["status_site", "Site situação", "Webseite Zustand"])
def test_a_phrase_header_read_as_website_needs_web_addresses(header: str) -> None:
    """A header read as the website only through a phrase, over values with no web address ('sem site'), is extra data."""
    values = ["sem site", "site fraco", "ok", "sem site", "desatualizado", "ok"]
    assert _fields(["Email", header], [["a@example.com"] * 6, values])[header] is None
    urls = ["acme.com.br", "https://beta.example", "www.gamma.example", "delta.example", "epsilon.example", "zeta.example"]
    assert _fields(["Email", header], [["a@example.com"] * 6, urls])[header] == "website"


def test_lower_case_people_in_a_sheet_with_websites_stay_people() -> None:
    """Names typed in lower case ('kwame mensah') beside a website column are still people, not a business listing."""
    names = ["kwame mensah", "thandi nkosi", "oluwaseun adeyemi", "wanjiru kamau", "chidi okeke", "amara diallo"]
    got = _fields(["Name", "Email", "Website"], [names, ["a@example.com"] * 6, [f"site{i}.example" for i in range(6)]])
    assert got["Name"] == "full_name"


@pytest.mark.parametrize("header", ["Title", "title", "Titel"])
def test_record_and_page_titles_are_not_job_titles(header: str) -> None:
    """'Title' over page or record titles ('Bakery in Odense | Fresh bread daily') is extra data; over job titles it is the job title."""
    pages = [
        "Bakery in Odense | Fresh bread daily",
        "Request for quote on product -> Starter Plan",
        "Pharmacy Nord | Opening hours and services",
        "Follow up about the renewal of the yearly plan",
        "Garage Vest | Car repair and tyres",
    ]
    assert _fields(["Email", header], [["a@example.com"] * 5, pages])[header] is None
    jobs = ["Sales Manager", "CEO", "Head of Marketing", "Office Manager", "Chief Financial Officer"]
    assert _fields(["Email", header], [["a@example.com"] * 5, jobs])[header] == "job_title"


def test_a_listing_without_websites_needs_most_values_to_look_like_businesses() -> None:
    """Without web addresses, shop names still make 'Name' the company when most look like businesses; numbered placeholders ('Lead 7') stay people."""
    got = _fields(["Name", "Address", "Phone"], [SHOPS, ["1 Rue X"] * 8, PHONES])
    assert got["Name"] == "company"
    placeholders = [f"Lead {i}" for i in range(1, 9)]
    assert _fields(["Name", "Address", "Phone"], [placeholders, ["1 Rue X"] * 8, PHONES])["Name"] == "full_name"
    assert _fields(["Name", "Website"], [placeholders, WEBSITES])["Name"] == "full_name"


def test_single_word_ids_under_name_are_not_a_business_listing() -> None:
    """'U7', 'Lead7' under 'Name' (ids or placeholders, one word each) never make the sheet a listing of businesses."""
    ids = [f"U{i}" for i in range(12)]
    got = _fields(["Name", "Email"], [ids, [f"u{i}@example.com" for i in range(12)]])
    assert got["Name"] == "full_name"
    assert _fields(["Name", "Website"], [ids, [f"site{i}.example" for i in range(12)]])["Name"] == "full_name"
