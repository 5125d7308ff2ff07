"""
Vocabulary gaps found by a probe of realistic lead sheets: CRM owners in other languages read as
the lead's name, source/campaign/status/notes words missing outside Western Europe, languages
with no words (Romanian, Hungarian, Ukrainian, Hindi, Thai, Greek in Latin letters) and
traditional Chinese forms. One test per family; every value here is invented.
"""

from __future__ import annotations

import pytest

from shared.core.mapping import map_columns, read_header

PEOPLE = ["Ann Lee", "Bo Chan", "Cy Dart", "Di Moss", "Ed Finch"]
REPS = ["Marta Keller", "Jonas Brandt", "Lena Vogel", "Tom Ortiz", "Sara Conti"]
EMAILS = ["ann@example.com", "bo@example.org", "cy@example.net", "di@example.com", "ed@example.org"]


def _field(header: str) -> str | None:
    reading = read_header(header)
    return reading.evidence[0].field if reading.evidence else None


def _fields(labels: list[str], samples: list[list[str]] | None = None) -> dict[str, str | None]:
    return {c.name: c.field for c in map_columns(labels, samples).columns}


OWNER_HEADERS = [
    "Propriétaire du contact",
    "Propriétaire",
    "Attribué à",
    "Propietario del lead",
    "Propietario del contacto",
    "Asignado a",
    "Persona responsable",
    "Proprietário do lead",
    "Proprietário do contato",
    "Atribuído a",
    "Proprietario del contatto",
    "Assegnato a",
    "Lead-Inhaber",
    "Leadinhaber",
    "Kontaktinhaber",
    "Zugewiesen an",
    "Eigenaar contactpersoon",
    "Contacteigenaar",
    "Toegewezen aan",
    "Właściciel kontaktu",
    "Wlasciciel leada",
    "Opiekun klienta",
    "Kontaktägare",
    "Ägare",
    "Kontaktejer",
    "Kontakteier",
    "Yhteyshenkilön omistaja",
    "Kişi sahibi",
    "Müşteri Adayı Sahibi",
    "Владелец контакта",
    "Ответственный",
    "Ответственный менеджер",
    "Власник",
    "Відповідальний",
    "リード所有者",
    "コンタクト担当者",
    "负责人",
    "線索負責人",
    "리드 소유자",
]


class TestOwnersInOtherLanguages:
    """The seller's people (CRM owners, assignees) are never the lead, in any main language."""

    @pytest.mark.parametrize("header", OWNER_HEADERS)
    def test_owner_header_is_refused(self, header: str) -> None:
        """An owner or assignee header names something that is not a lead field: no candidate, a refusal."""
        reading = read_header(header)
        assert not reading.evidence and reading.refused, (header, reading)

    @pytest.mark.parametrize("header", OWNER_HEADERS)
    def test_owner_names_are_not_the_full_name(self, header: str) -> None:
        """A column of the reps' names under an owner header stays extra data beside the lead's own name."""
        fields = _fields(["Full name", "Email", header], [PEOPLE, EMAILS, REPS])
        assert fields["Full name"] == "full_name"
        assert fields[header] is None

    @pytest.mark.parametrize("header", ["Eigenaar", "Propietario", "Ответственный"])
    def test_owner_names_alone_are_not_taken_by_content(self, header: str) -> None:
        """With no other name column, people's names under an owner header are still not the lead's name."""
        assert _fields(["Email", header], [EMAILS, REPS])[header] is None

    @pytest.mark.parametrize("header", ["Inhaber", "Geschäftsführer", "Responsable"])
    def test_business_owner_words_stay_the_contact(self, header: str) -> None:
        """Bare 'Inhaber' (and 'Geschäftsführer', 'Responsable') is the business's own contact in B2B lists: names map to full_name."""
        assert read_header(header).refused is None
        assert _fields(["Email", header], [EMAILS, PEOPLE])[header] == "full_name"

    @pytest.mark.parametrize(("header", "field"), [("Name Inhaber", "full_name"), ("Inhaber Name", "full_name"), ("担当者名", "full_name")])
    def test_the_name_of_the_business_owner_is_the_lead(self, header: str, field: str) -> None:
        """'Name Inhaber' and the form header '担当者名' (the customer's person in charge) keep their name reading."""
        assert _field(header) == field


class TestStat:
    """'Stat' is a statistic in English and the country in Czech ('stát'): it is read as neither."""

    @pytest.mark.parametrize("header", ["Stat", "Stats", "Stát"])
    def test_stat_is_not_a_country_or_a_status(self, header: str) -> None:
        """The folded word 'stat' is refused, so a status or statistic column is never filled in as the country."""
        reading = read_header(header)
        assert not reading.evidence and reading.refused

    @pytest.mark.parametrize(("header", "field"), [("Země", "country"), ("Status", "status"), ("Stav", "status")])
    def test_the_unambiguous_words_still_map(self, header: str, field: str) -> None:
        """Czech 'Země' stays the country; 'Status' and Czech 'Stav' are the status."""
        assert _field(header) == field


SOURCE_CAMPAIGN_STATUS_NOTES = [
    # Nordic, Slavic, Turkish
    ("Kilde", "source"),
    ("Källa", "source"),
    ("Lähde", "source"),
    ("Zdroj", "source"),
    ("Źródło", "source"),
    ("Zrodlo", "source"),
    ("Geldiği Yer", "source"),
    ("Kampania", "campaign"),
    ("Kampaň", "campaign"),
    ("Kampanj", "campaign"),
    ("Kampanje", "campaign"),
    ("Kampanja", "campaign"),
    ("KAMPANYA", "campaign"),
    ("Stav", "status"),
    ("Lisätietoja", "notes"),
    # "campaign name" in languages where the word for name is also a name field
    ("Kampanjan nimi", "campaign"),
    ("Kampanya Adı", "campaign"),
    ("Nazwa kampanii", "campaign"),
    ("Название кампании", "campaign"),
    ("Όνομα καμπάνιας", "campaign"),
    ("Nama kampanye", "campaign"),
    # Greek, Cyrillic
    ("ΠΗΓΗ", "source"),
    ("ΚΑΜΠΑΝΙΑ", "campaign"),
    ("ΚΑΤΑΣΤΑΣΗ", "status"),
    ("ΣΧΟΛΙΑ", "notes"),
    ("ΗΜ/ΝΙΑ", "created_at"),
    ("Τ.Κ.", "postcode"),
    ("Джерело", "source"),
    ("Кампанія", "campaign"),
    ("Кампания", "campaign"),
    ("Коментар", "notes"),
    ("Статус", "status"),
    # Hebrew, Arabic
    ("מקור", "source"),
    ("מקור הליד", "source"),
    ("סטטוס", "status"),
    ("קמפיין", "campaign"),
    ("הערות", "notes"),
    ("שם העסק", "company"),
    ("المصدر", "source"),
    ("المنصة", "source"),
    ("اسم الحملة", "campaign"),
    ("الحملة", "campaign"),
    ("الحالة", "status"),
    ("حالة العميل", "status"),
    ("ملاحظات", "notes"),
    # Vietnamese, Chinese, Japanese, Korean
    ("Kênh", "source"),
    ("Chiến dịch", "campaign"),
    ("Tình trạng", "status"),
    ("Nguồn", "source"),
    ("推广计划", "campaign"),
    ("提交时间", "created_at"),
    ("流入経路", "source"),
    ("対応状況", "status"),
    ("お問い合わせ内容", "notes"),
    ("問い合わせ内容", "notes"),
    ("受付日時", "created_at"),
    ("유입채널", "source"),
    ("캠페인명", "campaign"),
    ("상담상태", "status"),
    ("문의내용", "notes"),
    # abbreviations and the Spanish medium
    ("Src", "source"),
    ("Lead Src", "source"),
    ("Medio", "source"),
    ("Ket.", "notes"),
]


@pytest.mark.parametrize(("header", "field"), SOURCE_CAMPAIGN_STATUS_NOTES, ids=[h for h, _ in SOURCE_CAMPAIGN_STATUS_NOTES])
def test_source_campaign_status_and_notes_words(header: str, field: str) -> None:
    """Where the lead came from, its campaign, status and notes are read in every listed language."""
    assert _field(header) == field, (header, read_header(header))


FORM_QUESTIONS = [
    ("How did you hear about us?", "source"),
    ("Where did you hear about us?", "source"),
    ("¿Cómo te enteraste de nosotros?", "source"),
    ("Comment nous avez-vous connus ?", "source"),
    ("Wie sind Sie auf uns aufmerksam geworden?", "source"),
    ("Como nos conheceu?", "source"),
    ("How can we help?", "notes"),
    ("Anything else we should know?", "notes"),
    ("Any questions for us?", "notes"),
    ("¿Tienes alguna duda o comentario?", "notes"),
    ("Zeitstempel", "created_at"),
    ("Horodateur", "created_at"),
    ("Marca temporal", "created_at"),
    ("Carimbo de data/hora", "created_at"),
]


@pytest.mark.parametrize(("header", "field"), FORM_QUESTIONS, ids=[h for h, _ in FORM_QUESTIONS])
def test_form_questions_as_whole_headers(header: str, field: str) -> None:
    """Form builders' usual questions, and Google Forms' timestamp column, are whole-header synonyms."""
    assert _field(header) == field


def test_a_form_question_only_matches_whole() -> None:
    """A question is a synonym only as the whole header: another question about help is not notes."""
    assert _field("How can we help your team grow next year in the region?") != "notes"


NEW_LANGUAGES = [
    (
        "ro",
        ["Nume", "Prenume", "Telefon", "Adresă e-mail", "Firmă", "Sursă", "Oraș", "Observații"],
        ["last_name", "first_name", "phone", "email", "company", "source", "city", "notes"],
    ),
    ("ro-full", ["Nume complet", "E-mail", "Companie", "Campanie"], ["full_name", "email", "company", "campaign"]),
    (
        "hu",
        ["Vezetéknév", "Keresztnév", "Telefonszám", "E-mail cím", "Cég", "Forrás", "Város", "Irsz.", "Megjegyzés"],
        ["last_name", "first_name", "phone", "email", "company", "source", "city", "postcode", "notes"],
    ),
    ("hu-full", ["Név", "Telefon", "Cégnév", "Kampány", "Irányítószám"], ["full_name", "phone", "company", "campaign", "postcode"]),
    (
        "el-latin",
        ["Onoma", "Epitheto", "Kinito", "Etaireia", "Pigi", "Imerominia", "Sxolia"],
        ["first_name", "last_name", "phone", "company", "source", "created_at", "notes"],
    ),
    (
        "uk",
        ["ПІБ", "Телефон", "Ел. пошта", "Компанія", "Джерело", "Кампанія", "Місто", "Коментар"],
        ["full_name", "phone", "email", "company", "source", "campaign", "city", "notes"],
    ),
    (
        "hi",
        ["नाम", "मोबाइल नंबर", "ईमेल", "कंपनी का नाम", "स्रोत", "स्थिति", "टिप्पणी", "शहर"],
        ["full_name", "phone", "email", "company", "source", "status", "notes", "city"],
    ),
    (
        "th",
        ["ชื่อ-นามสกุล", "เบอร์โทร", "อีเมล", "ชื่อบริษัท", "ช่องทาง", "แคมเปญ", "สถานะ", "หมายเหตุ"],
        ["full_name", "phone", "email", "company", "source", "campaign", "status", "notes"],
    ),
]


@pytest.mark.parametrize(("lang", "headers", "want"), NEW_LANGUAGES, ids=[x[0] for x in NEW_LANGUAGES])
def test_languages_that_had_no_words(lang: str, headers: list[str], want: list[str]) -> None:
    """Romanian, Hungarian, Greek in Latin letters, Ukrainian, Hindi and Thai sheets map their columns."""
    assert [c.field for c in map_columns(headers).columns] == want


@pytest.mark.parametrize("header", ["Județ", "Judet", "Megye"])
def test_counties_are_regions_not_cities(header: str) -> None:
    """Romanian 'Județ' and Hungarian 'Megye' are counties: kept as extra data like 'County' and 'Provincia'."""
    reading = read_header(header)
    assert not reading.evidence and reading.refused


def test_romanian_nume_alone_is_the_full_name() -> None:
    """'Nume' is the family name beside 'Prenume', and the whole name when it is the only name column."""
    assert _fields(["Nume", "Email"], [PEOPLE, EMAILS])["Nume"] == "full_name"


TRADITIONAL_CHINESE = [
    ("來源", "source"),
    ("處理狀態", "status"),
    ("狀態", "status"),
    ("活動名稱", "campaign"),
    ("填寫時間", "created_at"),
    ("創建時間", "created_at"),
    ("縣市", "city"),
    ("電話", "phone"),
    ("聯絡電話", "phone"),
    ("行動電話", "phone"),
    ("手機號", "phone"),
    ("電郵", "email"),
    ("電子郵件", "email"),
    ("電子信箱", "email"),
    ("郵箱", "email"),
    ("公司名稱", "company"),
    ("單位", "company"),
    ("備註", "notes"),
    ("姓名", "full_name"),
    ("聯繫人", "full_name"),
    ("客戶名稱", "full_name"),
    ("郵編", "postcode"),
    ("國家", "country"),
]


@pytest.mark.parametrize(("header", "field"), TRADITIONAL_CHINESE, ids=[h for h, _ in TRADITIONAL_CHINESE])
def test_traditional_chinese_forms(header: str, field: str) -> None:
    """Traditional characters (Taiwan, Hong Kong) read like the simplified words that were listed."""
    assert _field(header) == field


def test_a_taiwanese_lead_sheet() -> None:
    """A whole sheet in traditional characters maps every lead column."""
    headers = ["姓名", "行動電話", "電子信箱", "公司名稱", "來源", "活動名稱", "填寫時間", "處理狀態", "備註", "縣市"]
    want = ["full_name", "phone", "email", "company", "source", "campaign", "created_at", "status", "notes", "city"]
    assert [c.field for c in map_columns(headers).columns] == want


MORE_SOURCE_STATUS_NOTES = [
    ("Kanał pozyskania", "source"),
    ("Asal Iklan", "source"),
    ("Saluran", "source"),
    ("得知管道", "source"),
    ("渠道", "source"),
    ("オリジナルソース", "source"),
    ("광고매체", "source"),
    ("ที่มา", "source"),
    ("Woher kennen Sie uns?", "source"),
    ("Odkud", "source"),
    ("Этап сделки", "status"),
    ("Стадия", "status"),
    ("Etapa del lead", "status"),
    ("Esito chiamata", "status"),
    ("追蹤進度", "status"),
    ("跟进状态", "status"),
    ("Progres", "status"),
    ("ความคืบหน้า", "status"),
    ("Beschreibung", "notes"),
    ("Descrição", "notes"),
    ("Anotações", "notes"),
    ("Pozn.", "notes"),
    ("跟进记录", "notes"),
    ("其他說明", "notes"),
    ("Nội dung", "notes"),
    ("รายละเอียดเพิ่มเติม", "notes"),
    ("Описание", "notes"),
    ("Functietitel", "job_title"),
    ("Hora de criação", "created_at"),
    ("회사이름", "company"),
    ("업체 명", "company"),
    ("고객 이름", "full_name"),
    ("No. Telefon Bimbit", "phone"),
    ("CMPGN", "campaign"),
    ("STS", "status"),
    ("RMKS", "notes"),
    ("Rmks", "notes"),
]


@pytest.mark.parametrize(("header", "field"), MORE_SOURCE_STATUS_NOTES, ids=[h for h, _ in MORE_SOURCE_STATUS_NOTES])
def test_more_source_status_and_notes_words(header: str, field: str) -> None:
    """Acquisition channels, deal stages, call outcomes, descriptions and caps abbreviations are read in the covered languages."""
    assert _field(header) == field, (header, read_header(header))


MORE_LANGUAGES = [
    (
        "hr",
        ["Ime", "Prezime", "Mobitel", "E-pošta", "Tvrtka", "Izvor", "Kampanja", "Status", "Napomena", "Država"],
        ["first_name", "last_name", "phone", "email", "company", "source", "campaign", "status", "notes", "country"],
    ),
    ("hr-full", ["Ime i prezime", "Telefon", "Kompanija", "Datum unosa"], ["full_name", "phone", "company", "created_at"]),
    (
        "sr-cyrl",
        ["Име и презиме", "Телефон", "Фирма", "Извор", "Кампања", "Датум уноса", "Напомена", "Град"],
        ["full_name", "phone", "company", "source", "campaign", "created_at", "notes", "city"],
    ),
    ("sl", ["Ime", "Priimek", "Podjetje", "Vir", "Opombe"], ["first_name", "last_name", "company", "source", "notes"]),
    (
        "bg",
        ["Име", "Фамилия", "Имейл", "Фирма", "Източник", "Бележки", "Населено място"],
        ["first_name", "last_name", "email", "company", "source", "notes", "city"],
    ),
    (
        "lt",
        ["Vardas", "Pavardė", "El. paštas", "Telefonas", "Įmonė", "Šaltinis", "Būsena", "Sukūrimo data", "Pastabos"],
        ["first_name", "last_name", "email", "phone", "company", "source", "status", "created_at", "notes"],
    ),
    (
        "lv",
        ["Vārds", "Uzvārds", "E-pasts", "Tālrunis", "Uzņēmums", "Avots", "Statuss", "Piezīmes"],
        ["first_name", "last_name", "email", "phone", "company", "source", "status", "notes"],
    ),
    (
        "et",
        ["Eesnimi", "Perekonnanimi", "Telefoninumber", "Ettevõte", "Allikas", "Staatus", "Märkused"],
        ["first_name", "last_name", "phone", "company", "source", "status", "notes"],
    ),
    (
        "fa",
        ["نام و نام خانوادگی", "موبایل", "ایمیل", "نام شرکت", "نحوه آشنایی", "وضعیت پیگیری", "توضیحات", "شهر"],
        ["full_name", "phone", "email", "company", "source", "status", "notes", "city"],
    ),
    ("fa-split", ["نام", "نام خانوادگی", "تلفن", "منبع"], ["first_name", "last_name", "phone", "source"]),
    (
        "ur",
        ["نام", "موبائل نمبر", "ای میل", "کمپنی کا نام", "ذریعہ", "صورتحال", "تبصرہ"],
        ["full_name", "phone", "email", "company", "source", "status", "notes"],
    ),
    (
        "bn",
        ["নাম", "মোবাইল নম্বর", "ইমেইল", "প্রতিষ্ঠানের নাম", "উৎস", "অবস্থা", "মন্তব্য", "তারিখ"],
        ["full_name", "phone", "email", "company", "source", "status", "notes", "created_at"],
    ),
    (
        "tl",
        ["Pangalan", "Apelyido", "Numero ng telepono", "Kumpanya", "Pinagmulan", "Petsa", "Paalala"],
        ["first_name", "last_name", "phone", "company", "source", "created_at", "notes"],
    ),
    ("tl-full", ["Buong pangalan", "Email", "Saan mo kami nakita?"], ["full_name", "email", "source"]),
    (
        "sw",
        ["Jina la kwanza", "Jina la mwisho", "Simu", "Barua pepe", "Kampuni", "Chanzo", "Hali", "Maelezo"],
        ["first_name", "last_name", "phone", "email", "company", "source", "status", "notes"],
    ),
    ("sw-full", ["Jina", "Simu", "Tarehe", "Maoni"], ["full_name", "phone", "created_at", "notes"]),
]


@pytest.mark.parametrize(("lang", "headers", "want"), MORE_LANGUAGES, ids=[x[0] for x in MORE_LANGUAGES])
def test_more_languages_that_had_no_words(lang: str, headers: list[str], want: list[str]) -> None:
    """Croatian/Serbian/Slovenian, Bulgarian, the Baltic languages, Persian, Urdu, Bengali, Tagalog and Swahili sheets map their columns."""
    assert [c.field for c in map_columns(headers).columns] == want


@pytest.mark.parametrize("header", ["Ime", "Pangalan", "Vardas", "Eesnimi"])
def test_a_lone_given_name_word_holding_whole_names_is_the_full_name(header: str) -> None:
    """A given-name header that is the only name column and holds whole names is read as the full name."""
    assert _fields([header, "Email"], [PEOPLE, EMAILS])[header] == "full_name"


@pytest.mark.parametrize(
    ("header", "field"),
    [
        ("Grad Year", None),
        ("Grad", None),
        ("Numero", None),
        ("Number", "phone"),
        ("Description", "notes"),
        ("Stage", "status"),
        ("Date", "created_at"),
    ],
)
def test_new_words_do_not_take_english_headers(header: str, field: str | None) -> None:
    """Latin 'Grad' (a city in Croatian, a graduate in English) and bare 'Numero' are left unread; English headers keep their meaning."""
    assert _field(header) == field
