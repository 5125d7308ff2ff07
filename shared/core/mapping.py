"""
Column mapping: decide which canonical lead field each column holds.

Mapping runs in three steps, each its own function:

1. **collect** (``collect_evidence``): every column's evidence, as named ``Evidence`` records
   scored by the weights in ``W``:

   - a per-sheet override from configuration (wins over everything);
   - the field the same header had at the last successful sync (keeps a decision stable);
   - the header read as a phrase (``read_header``): an exact synonym from the vocabulary of
     23 languages, then a synonym phrase inside a longer header, read by its grammar: the
     phrase must be the header's head ("Mobile phone", "Billing address city") or be followed
     only by harmless words; a qualifier after it ("Campaign ID", "Lead value", "Phone type")
     or a modifier before it ("Middle name", "Sales person", "Birth date") makes the column
     about something else, and headers listed in ``vocabulary.NOT_LEAD`` ("Fax", "Owner",
     "State") are refused outright; then a fuzzy match (one typo);
   - the column's content (``Profile``): emails, phones by shape in any country's format,
     web addresses, postcodes, dates, organisation names (legal forms, trade words) and
     person names.

   Content confirms, corrects or vetoes the header: a header that names a field beats content
   that merely fits another one, but a "Phone" column full of emails is ``email``, an "Email"
   column of phone numbers is ``phone``, a "Name" column of business names is ``company``,
   and a "Phone" column with no phone numbers is refused.

2. **assign** (``assign_fields``): candidates are taken best first, each field given to one
   column, so the result does not depend on column order. Further columns with phone or email
   evidence become *secondary* columns of that field (``ColumnDecision.also``): normalised and
   kept on the lead as ``phones``/``emails``.

3. **explain** (``explain``): one ``ColumnDecision`` per column with the reason, including why a
   losing candidate lost, and the review notes of the confidence gate: an essential field
   whose best evidence is weak or tied with another column is flagged "mapping needs review"
   with its candidates (an override resolves it).

Every column that gets no field is kept as extra data under a unique name (blank headers are
named by position, duplicates numbered), never dropped.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from functools import lru_cache

from rapidfuzz import fuzz, process
from rapidfuzz.distance import DamerauLevenshtein

from .models import ColumnDecision, ColumnMapping
from .text import DATE, EMAIL, EMAIL_RE, NUMBER, URL, classify, normalize_header, phone_shape
from .vocabulary import (
    CJK_FAMILY_NAMES,
    COMPANY_SUFFIXES,
    CONTACT_OF_OTHERS,
    CONTACT_PERSON,
    GIVEN_NAMES,
    LEGAL_PREFIXES,
    LOOKUP,
    NOT_LEAD_WORDS,
    ORG_WORDS,
    QUALIFIERS,
    REFUSE_BEFORE,
    SYNONYMS,
)


@dataclass(frozen=True, slots=True)
class Weights:
    """
    Every score used by mapping, in one place. Scores are on a 0-100 scale (overrides above);
    a candidate under ``minimum`` is never taken.
    """

    override: float = 1000.0
    """A per-sheet override: always wins."""
    previous: float = 99.5
    """The header's field at the last successful sync: only a near-top exact synonym for another
    field beats it, never a content correction (at most 99): no flip-flop on a close call."""
    exact: float = 100.0
    """The header is a synonym; minus ``rank_step`` per place down the field's list."""
    rank_step: float = 0.1
    head_phrase: float = 94.0
    """A synonym is the header's head ("Mobile phone"); minus ``per_word`` per other word."""
    inner_phrase: float = 88.0
    """A synonym starts or sits inside the header ("E-mail (work)", "Nome Attività")."""
    per_word: float = 3.0
    secondary_modifier: float = 6.0
    """Taken off for "Billing phone", "Secondary email": a further contact, not the main one."""
    fuzzy_min: float = 86.0
    """rapidfuzz ratio (0-100) below which a header is not a fuzzy match."""
    fuzzy_factor: float = 0.9
    tie: float = 4.0
    """Two fields (or two columns) closer than this are a tie."""
    corrected: float = 97.0
    """A header contradicted by unmistakable content (emails in "Phone") takes the content's field."""
    content_email: float = 80.0
    content_phone: float = 78.0
    content_website: float = 70.0
    content_postcode: float = 70.0
    content_company: float = 62.0
    content_person: float = 50.0
    content_date: float = 55.0
    headed_date_penalty: float = 10.0
    """Dates under an unrecognised header: weaker than in a header-less sheet (it may be a follow-up date)."""
    vetoed: float = 60.0
    """Taken off a header candidate whose content contradicts it (no phones under "Phone")."""
    minimum: float = 40.0
    """Below this a candidate is not taken."""
    secondary_min: float = 60.0
    """Evidence a further phone or email column needs to be kept as a secondary contact."""
    confident: float = 60.0
    """An essential field mapped with less is flagged for review."""


W = Weights()


@dataclass(frozen=True, slots=True)
class Shares:
    """Shares of a column's values (0-1) at which content counts as evidence."""

    decide: float = 0.6
    """Content decides a field (emails, phones, names...)."""
    contradict: float = 0.2
    """Below this, content contradicts a header ("Phone" with under 20% phones)."""
    org: float = 0.4
    """Organisation names: a column without a header evidence is a company."""
    org_correct: float = 0.35
    """Organisation names under a name or job-title header: the column is the company."""
    person_for_role: float = 0.6
    """People's names under a role noun ("Customer", "Account"): the lead's name."""
    person_for_lead: float = 0.5
    """People's names that a gated header ("Lead") needs to be the lead's name."""
    whole_names: float = 0.7
    """People's names under a first-name header: the whole name."""
    name_words: float = 0.7
    """Single name words: a first or last name column."""
    social: float = 0.5
    salutations: float = 0.5
    codes: float = 0.8
    """Two-letter codes under "Status"/"Estado": regions, not statuses."""
    distinct_names: float = 0.6
    """Values that must differ for a column to be names (cities and titles repeat)."""
    unknown_given: float = 0.2
    """Values with a known given name that people's names under an unknown header need."""
    listing_given: float = 0.2
    """Values with a known given name at or above which a party column of a listing stays people."""
    listing_signs: float = 0.2
    """Values with business signs (organisation or not a person's shape) a listing's party column needs."""
    categorical: float = 0.35
    """Below this share of distinct values a column is a category: a header read inside a longer
    phrase ("Business line") does not make it a name or a company."""


S = Shares()
CONTENT_SHARE = S.decide
"""Share of non-blank sample values that must agree for content to decide a field."""
FUZZY_MIN = W.fuzzy_min
TIE_MARGIN = W.tie
SAMPLE_ROWS = 200

IGNORE = "ignore"
NAME_FIELDS = ("full_name", "first_name", "last_name")
MULTI_FIELDS = ("phone", "email")
"""Fields a lead may have several columns of: the best is the field, the rest are secondary."""
ESSENTIAL = ("email", "phone", "full_name", "first_name", "last_name", "company")


def _is_cjk_text(text: str) -> bool:
    return any("\u2e80" <= ch <= "\u9fff" or "\uac00" <= ch <= "\ud7af" or "\u3040" <= ch <= "\u30ff" for ch in text)


_CHOICES = [w for w in LOOKUP if len(w) >= 4]
_SUFFIXES = frozenset(normalize_header(s) for s in COMPANY_SUFFIXES)
_PREFIXES = frozenset(normalize_header(s) for s in LEGAL_PREFIXES)
_CJK_FORMS = tuple(w for w in (*COMPANY_SUFFIXES, *LEGAL_PREFIXES) if _is_cjk_text(w))
_ORG_LONG = tuple(normalize_header(w) for w in ORG_WORDS if len(normalize_header(w)) >= 5)
_ORG_SHORT = frozenset(normalize_header(w) for w in ORG_WORDS if 0 < len(normalize_header(w)) < 5)
_POSTCODE = re.compile(r"^(?:[A-Z]{1,2}\d[A-Z\d]?\s*\d[A-Z]{2}|\d{5}(?:-\d{4})?|\d{3}-\d{4}|\d{4}\s?[A-Z]{2}|\d{2}-\d{3})$", re.I)
_SOCIAL = re.compile(r"linkedin\.com|facebook\.com|instagram\.com|twitter\.com|x\.com/|tiktok\.com|youtube\.com", re.I)
_CODE2 = re.compile(r"^[A-Z]{2,3}$")
_NAME_WORD = re.compile(r"^[^\W\d_][^\W\d_'’.\-]*(?:[-'’][^\W\d_]+)*\.?$")
_PARTICLES = frozenset(
    {
        "de",
        "da",
        "do",
        "dos",
        "das",
        "di",
        "del",
        "della",
        "van",
        "von",
        "der",
        "den",
        "le",
        "la",
        "du",
        "bin",
        "al",
        "el",
        "y",
        "e",
        "ter",
        "ten",
        "mc",
        "st",
    }
)
_IDENTIFIER_WORDS = frozenset(
    {
        "id",
        "ids",
        "uuid",
        "guid",
        "code",
        "key",
        "hash",
        "ref",
        "number",
        "no",
        "nr",
        "num",
        "vat",
        "iban",
        "tax",
        "cpf",
        "cnpj",
        "ssn",
        "nif",
        "siret",
        "siren",
    }
)
"""Words of an unrecognised header that make it an identifier: content (digits) is not asked."""
_GATED = frozenset({"lead", "lead name"})
_OF_WORDS = frozenset({"de", "da", "do", "di", "du", "des", "del", "della", "dello", "dei", "of", "for", "para", "pour", "per", "fur"})
_ARTICLES = frozenset(
    {
        "la",
        "le",
        "l",
        "el",
        "los",
        "las",
        "a",
        "o",
        "os",
        "as",
        "the",
        "il",
        "lo",
        "gli",
        "les",
        "un",
        "una",
        "primeira",
        "primera",
        "first",
    }
)
_NAME_HEADS = frozenset({"name", "nom", "nombre", "nome", "naam", "navn", "namn", "nazwa"})
_CREATION_WORDS = frozenset(
    {
        "created",
        "create",
        "creation",
        "submitted",
        "submission",
        "submit",
        "added",
        "signup",
        "sign",
        "up",
        "registration",
        "registered",
        "received",
        "entry",
        "lead",
        "enquiry",
        "inquiry",
        "original",
        "first",
        "initial",
        "optin",
        "opt",
        "in",
        "conversion",
        "capture",
        "captured",
        "form",
        "alta",
        "creacion",
        "registro",
        "cadastro",
        "criacao",
        "inscripcion",
        "inscricao",
        "inscription",
        "ajout",
        "creazione",
        "inserimento",
        "iscrizione",
        "envio",
        "entrada",
        "ingreso",
        "conversao",
        "primeira",
        "contact",
        "contacto",
        "contato",
        "solicitud",
        "request",
        "erstellung",
        "eingang",
        "anfrage",
        "record",
    }
)
"""Words before or after "date" that keep it the date the lead came in ("Lead created at")."""
_PATH = re.compile(r"[./>]")
_LABEL_LEAVES = frozenset({"name", "label", "title", "value", "text", "display name", "displayname"})
_FLAG_WORDS = frozenset({"is", "has", "was", "can", "do", "does", "did", "allow", "allows", "accepts", "wants", "send", "notify"})
"""First words of a yes/no column or an action ("is_hot_lead", "isDoNotCall", "has_website", "Send Welcome Email")."""
"""Headers that are a person's name only when the values look like one (else a deal title)."""
_SALUTATIONS = frozenset(
    {
        "mr",
        "mrs",
        "ms",
        "miss",
        "mx",
        "dr",
        "prof",
        "sir",
        "madam",
        "herr",
        "frau",
        "m",
        "mme",
        "mlle",
        "sr",
        "sra",
        "srta",
        "sig",
        "sig ra",
        "dott",
        "monsieur",
        "madame",
        "don",
        "dona",
    }
)
_YEAR = re.compile(r"(?<!\d)(1[89]\d\d|20\d\d)(?!\d)")
_NUMERIC_POSTCODE = re.compile(r"^\d{4,5}$")
_NUMBER_WORDS = frozenset({"no", "nr", "number", "num", "nummer", "numero", "nro", "n"})
_CONNECTORS = frozenset({"or", "and", "y", "o", "et", "ou", "und", "oder", "e", "og", "och", "ja", "i", "ve", "или", "и", "atau", "dan"})
_CJK_CREATION = (
    "创建",
    "建立",
    "登记",
    "登記",
    "注册",
    "註冊",
    "提交",
    "申请",
    "申請",
    "受付",
    "登録",
    "作成",
    "入力",
    "등록",
    "신청",
    "접수",
    "작성",
    "생성",
    "가입",
    "录入",
    "新增",
    "添加",
    "获取",
    "留资",
    "咨询",
    "询盘",
    "問合",
    "问询",
    "報名",
    "报名",
)
"""CJK words of the lead's arrival before a date word ("登録日", "创建时间", "신청일")."""
_ARRIVAL_WORDS = frozenset(
    {"создания", "создано", "регистрации", "заявки", "обращения", "поступления", "добавления", "записи", "звонка"}
    | {"utworzenia", "rejestracji", "zgloszenia", "vytvoreni", "registrace", "kayit", "olusturma", "daftar", "masuk", "dibuat"}
    | {"tao", "dang", "ky", "lead", "leads", "contact", "contatto", "contacto", "contato", "kontakt", "form", "formulaire"}
    | {"inscriere", "creare", "inregistrare", "adaugare", "aanmelding", "aanmaak", "inschrijving", "aangemaakt", "registrering"}
    | {"oprettet", "skapad", "opprettet", "luonti", "letrehozas", "regisztracio", "erstellt", "erfasst", "anmeldung", "registrierung"}
    | {"reception", "δημιουργιας", "εγγραφης", "creato", "creado", "criado", "cree", "created", "added", "submitted", "received"}
)
"""Words after a date word that still make it the lead's arrival, beyond ``_CREATION_WORDS`` ("Дата создания", "Tanggal daftar")."""


def _of_something(word: str) -> bool:
    """A word after "Date"/"Fecha"/"Дата" that makes it the date of something else ("richiamo", "выдачи", "visita")."""
    return (
        len(word) >= 4
        and not word.isdigit()
        and word not in _CREATION_WORDS
        and word not in _TIME_WORDS
        and word not in _ARRIVAL_WORDS
        and word not in _TRAILING_NOISE
    )


_AND_WORDS = frozenset({"and", "y", "e", "et", "und", "og", "och", "ja", "i", "ve", "и", "dan", "en"})
"""Connectors that add ("Name and details"), unlike "or" ("Email or phone": one of two)."""
_TIME_WORDS = frozenset(
    {"time", "at", "on", "timestamp", "utc", "gmt", "hour", "zeit", "uhrzeit", "heure", "hora", "ora", "tijd", "tid", "czas", "aika"}
)
"""After a creation phrase, words of the time of day: "Created Date & Time", "received_at"."""
_DATE_OF_SOMETHING = _TIME_WORDS | {"date", "dates", "datum", "fecha", "data", "tarih", "tarihi", "dato", "paiva", "dia", "datetime"}
"""Words of an unrecognised header that make its dates those of something else."""
_LAST_WORD_ONLY = frozenset({"first", "last", "lead"})
"""One-word synonyms that are also everyday words: a field only as the header's last word
("First", "Name (Last)", "New lead"), never followed by more ("First seen", "Lead from")."""
_FIRST_WORD_ONLY = frozenset({"via"})
"""The street word "Via" ("Via Roma 1"), never the English "via" after other words ("Came in via")."""
_HINT_WORDS = frozenset(
    {
        "with",
        "incl",
        "including",
        "inkl",
        "einschl",
        "mit",
        "avec",
        "con",
        "com",
        "z",
        "ze",
        "met",
        "med",
        "e",
        "eg",
        "ex",
        "zb",
        "bsp",
        "if",
        "wenn",
        "si",
        "se",
    }
)
"""First words of a bracketed hint that says how to fill a column, not what it is: "Phone
(incl. country code)", "Your Phone # (with area code)", "Mobile (z.B. 0171...)"."""
_BRACKETED = re.compile(r"\s*[(\[{]([^()\[\]{}]*)[)\]}]\s*")
_PATH_DASH = re.compile(r"\s+[-\u2013\u2014]\s+")
_KIND_LEAVES = frozenset({"work", "home", "mobile", "other", "office", "personal", "private", "main", "primary", "business"})
"""The last part of "Person - Email - Work" (Pipedrive, Zoho): which of the person's emails."""
_TRAILING_NOISE = frozenset(
    {"optional", "required", "mandatory", "primary", "main", "principal", "1", "2", "3", "4", "5", "i", "ii", "iii"}
)
_ROLE_WORDS = frozenset(
    normalize_header(w)
    for w in (
        "name",
        "names",
        "nome",
        "nom",
        "nombre",
        "navn",
        "namn",
        "nimi",
        "nama",
        "isim",
        "naam",
        "nazwa",
        "название",
        "customer",
        "client",
        "cliente",
        "kunde",
        "klant",
        "klient",
        "asiakas",
        "müşteri",
        "pelanggan",
        "contact",
        "contacto",
        "contato",
        "contatto",
        "kontakt",
        "account",
        "entity",
        "org",
        "title",
        "listing",
        "display name",
        "customer name",
        "client name",
        "nome completo",
        "επωνυμία",
        "tên",
        "tên khách hàng",
        "nome do cliente",
        "nome cliente",
        "nom client",
        "nombre cliente",
        "nombre del cliente",
    )
)
"""Headers that name a party without saying person or organisation: content decides."""


_is_cjk = _is_cjk_text


_CJK_WORDS = sorted(((w, f) for w, f in LOOKUP.items() if _is_cjk(w) and len(w) >= 2), key=lambda wf: -len(wf[0]))
_CJK_NOT_LEAD = [w for w in NOT_LEAD_WORDS if _is_cjk(w)]


@dataclass(frozen=True, slots=True)
class Evidence:
    """One reason to map a column to a field, with its weight."""

    field: str
    score: float
    reason: str
    source: str
    """``override``, ``previous``, ``header``, ``content`` or ``corrected`` (header overruled by content)."""


@dataclass(frozen=True, slots=True)
class HeaderReading:
    """What a header says: candidates, or a refusal (a header naming something else)."""

    evidence: tuple[Evidence, ...] = ()
    refused: str | None = None
    secondary: bool = False
    """The header says it is a further contact ("Billing phone", "Secondary email")."""
    ambiguous: bool = False
    """Refused for naming two fields ("Email or phone"): the values may still say which."""


@dataclass(frozen=True, slots=True)
class Profile:
    """What a sample of a column's values looks like (shares of the non-blank values)."""

    count: int
    email: float
    phone: float
    date: float
    url: float
    company: float
    multiword: float
    postcode: float
    person: float = 0.0
    """Values shaped like a person's whole name ("Ann Lee", "Jan de Vries") with no trade word."""
    org: float = 0.0
    """Values with a legal form or a trade word ("Acme GmbH", "Apotheke am Dom", "Joe's Tint")."""
    name_word: float = 0.0
    """Single capitalised words or short CJK names: first or last names in a header-less sheet."""
    social: float = 0.0
    code2: float = 0.0
    """Two- or three-letter upper-case codes (regions, countries, currencies)."""
    distinct: float = 1.0
    cjk: float = 0.0
    salutation: float = 0.0
    """"Mr", "Mrs", "Dr": a "Title" column of salutations, not job titles."""
    date_years: int = 0
    """Years between the earliest and latest year seen in date values (birth dates span decades)."""
    postcode_numeric: float = 0.0
    """Four- or five-digit numbers repeated at least once: postcodes in a header-less sheet."""
    given: float = 0.0
    """Values of two or three words with a known given name first or last ("Ann Lee", "Popescu Ion")."""
    nonperson: float = 0.0
    """Values no person is called: digits, five words or more, quotes or separators, lower-case
    words that are not particles ("Circle 7 Market", "Barber | Paris", "Donde tu quieras")."""
    same_first: float = 0.0
    """Share of the commonest first word ("Lead 1", "Lead 2", "Usuario 1053"): placeholders, not names of businesses."""
    long: float = 0.0
    """Values of seven words or more, or with " | " or "->": record or page titles, not a job title."""
    prose: float = 0.0
    """Descriptions and page titles (twelve words or more, " | " separators, a sentence's full stop): no one's name."""
    phone_loose: float = 0.0
    """Phone-shaped, or a bare string of 7 to 15 digits: a local number when the header says phone
    (8-digit Nordic numbers), an id otherwise; only the phone header's own check reads it."""
    numbered: float = 0.0
    """Words then a number ("Test Lead 1", "Usuario 1053", "Customer #12"): numbered placeholders."""
    email_loose: float = 0.0
    """Shaped like an address even when not a deliverable one ("ann@127.0.0.1", "bo@invalid"): one
    "@" between a local part and a domain, no spaces; only the email header's own check reads it."""
    given_single: float = 0.0
    """Single capitalised words that are known given names ("Ingrid", "Marco"): the first-name half of a pair."""
    lone_word: float = 0.0
    """One-word values that are not known given names ("Driebit", "dpdk", "Emakina"): brands in a listing."""

    @classmethod
    def of(cls, values: Sequence[str]) -> Profile:
        vals = [v.strip() for v in values if v and v.strip()]
        n = len(vals)
        if not n:
            return cls(0, 0, 0, 0, 0, 0, 0, 0)
        kinds = [classify(v) for v in vals]
        particles, honorifics = _name_parts()
        company = multi = postcode = person = org = name_word = social = code2 = cjk = phone = 0
        salutation = numeric_pc = given_n = nonperson = prose = long_n = loose = loose_email = numbered = given_single = lone = 0
        firsts: dict[str, int] = {}
        years: list[int] = []
        # The finer checks (phone shape, organisation and person names) read the first
        # PROFILE_DETAIL values only: enough for a share, and mapping stays cheap.
        d = min(n, PROFILE_DETAIL)
        for v, k in zip(vals[:d], kinds[:d]):
            if k == DATE:
                m = _YEAR.search(v)
                if m:
                    years.append(int(m.group(1)))
                continue
            if k == EMAIL:
                loose_email += 1
                continue
            if "@" in v:
                loose_email += bool(_LOOSE_EMAIL.match(v)) or _several_emails(v)
            if k == URL:
                social += bool(_SOCIAL.search(v))
                continue
            if phone_shape(v) or _masked_phone(v):
                phone += 1
                loose += 1
                continue
            loose += phone_shape(v, loose=True)
            if k == NUMBER:
                numeric_pc += bool(_NUMERIC_POSTCODE.match(v))
                continue
            words = _fold(v).split()
            numbered += bool(_NUMBERED.match(v))
            long_n += len(words) >= 7 or " | " in v or "->" in v
            if len(words) >= 2:
                firsts[words[0]] = firsts.get(words[0], 0) + 1
            if len(words) >= 12 or " | " in v or (len(words) >= 5 and v.endswith(".")):
                prose += 1  # a description or a page title: no one's name, person or business
                nonperson += 1
                continue
            if len(words) <= 2 and " ".join(words) in _SALUTATIONS:
                salutation += 1
                continue
            if _POSTCODE.match(v):
                postcode += 1
            if _CODE2.match(v):
                code2 += 1
            given = len(words) >= 2 and (words[0] in GIVEN_NAMES or ("," in v and len(words) == 2 and words[1] in GIVEN_NAMES))
            # family name first ("Popescu Ion", "Nguyen Van An"): a given name as the last word
            honoured = len(words) >= 2 and (words[0] in honorifics or " ".join(words[:2]) in honorifics)
            given_any = given or (2 <= len(words) <= 3 and words[-1] in GIVEN_NAMES) or honoured
            given_n += given_any
            possessive = "'s " in v or "’s " in v  # "Joe's Pizza", "Maria's Bakery"
            legal = bool(words) and (words[-1] in _SUFFIXES or (len(words) > 1 and words[0] in _PREFIXES) or _legal_tail(words, v))
            unspaced_trade = False
            if not legal and not v.isascii():
                legal = any(form in v for form in _CJK_FORMS)
                unspaced_trade = not legal and _unspaced_trade(v)
            # a given name opening a longer name that ends in a trade word is a business named
            # after its owner ("Ali Mobile Center", "Maria Lopez Dental Clinic"), not "Mark Garden"
            owner_named = given and len(words) >= 3 and _has_org_word(words[-1:]) and _named(v)
            trade = unspaced_trade or owner_named or (not given and _has_org_word(words) and _named(v) and _proper_part(words))
            is_org = bool(words) and (legal or possessive or ("&" in v and not given and len(words) <= 6) or trade)
            if is_org:
                org += 1
                company += legal
                continue
            parts = v.split()
            if not given_any and _not_a_person(v, parts):
                nonperson += 1
            if 2 <= len(parts) <= 4 and not _DIGIT.search(v):
                if all(p[:1].isupper() for p in parts):
                    multi += 1
                named = parts[1:] if _fold(parts[0]) in honorifics else parts  # "Dr.", "κος", "г-н", "الحاج"
                if named and all(_name_word(p) and (_capital(p) or p.lower() in particles) for p in named):
                    person += 1
                elif given_any and len(parts) <= 3 and v.islower() and all(_name_word(p) for p in parts):
                    person += 1  # "ann lee", "nguyen van an": a person typed in lower case, known by the given name
            elif not v.isascii() and 1 <= len(v) <= 5 and " " not in v and _is_cjk(v):
                cjk += 1
                name_word += 1
                given_n += _cjk_whole_name(v)  # "王小明", "김민준": the family name first
            elif len(parts) == 1 and 2 <= len(v) <= 20:
                one = _one_word(v)
                name_word, given_single, lone = name_word + one[0], given_single + one[1], lone + one[2]
            elif len(parts) == 2 and parts[0].lower() in particles and parts[1][:1].isupper():
                name_word += 1  # "de Boer"
        distinct = len(set(vals)) / n
        names_ok = distinct >= S.distinct_names or n < 5
        return cls(
            n,
            (kinds.count(EMAIL) + sum(1 for v, k in zip(vals, kinds) if k != EMAIL and "@" in v and _several_emails(v))) / n,
            phone / d,
            kinds.count(DATE) / n,
            kinds.count(URL) / n,
            company / d,
            multi / d if names_ok else 0.0,
            postcode / d,
            person / d if names_ok else 0.0,
            org / d,
            name_word / d if names_ok else 0.0,
            social / d,
            code2 / d,
            distinct,
            cjk / d,
            salutation / d,
            max(years) - min(years) if years else 0,
            numeric_pc / d if distinct < 0.9 else 0.0,
            given_n / d,
            nonperson / d,
            max(firsts.values(), default=0) / d if max(firsts.values(), default=0) >= 2 else 0.0,
            long_n / d,
            prose / d,
            loose / d,
            numbered / d,
            loose_email / d,
            given_single / d,
            lone / d,
        )


PROFILE_DETAIL = 40
"""Values of a column read by the finer content checks."""
_ASCII_SPLIT = re.compile(r"[^0-9a-z]+")
_MASKED = re.compile(r"^\+?[\d\s().\-]*[xX*•]{2,}[\dxX*•\s().\-]*$")


def _masked_phone(value: str) -> bool:
    """A phone number with digits hidden for privacy ("62856xxxxxxxx", "0812-****-5678", "+33 6 XX XX XX 78"): still a phone column."""
    if not _MASKED.match(value) or sum(ch.isdigit() for ch in value) < 3:
        return False
    return phone_shape(re.sub(r"[xX*•]", "0", value), loose=True)


_SEVERAL = re.compile(r"\s*[;,/|\s]\s*")


def _several_emails(value: str) -> bool:
    """Two or more addresses in one cell ("a@x.com; b@y.com", one per line): every part is an address."""
    parts = [p for p in _SEVERAL.split(value.strip()) if p]
    return len(parts) >= 2 and all(EMAIL_RE.match(p) for p in parts)


_NUMBERED = re.compile(r"^[^\W\d_][^\d]{0,40}?\s#?\d{1,6}$")
_LOOSE_EMAIL = re.compile(r"^[^@\s,;<>]+@[^@\s,;<>]+$")
_DIGIT = re.compile(r"\d")


def _one_word(v: str) -> tuple[bool, bool, bool]:
    """
    A one-word value: (a capitalised name word, a known given name, a lone word that is neither a
    given name nor a role such as "Founder": a brand like "Driebit" or "dpdk").
    """
    folded = _fold(v)
    if _name_word(v) and _capital(v):
        given = folded in GIVEN_NAMES
        return True, given, not given and folded not in CONTACT_PERSON
    return False, False, v.isalpha() and folded not in CONTACT_PERSON


def _fold(value: str) -> str:
    """``normalize_header`` for cell values, with a fast path for plain ASCII text."""
    if value.isascii():
        return _ASCII_SPLIT.sub(" ", value.lower()).strip()
    return normalize_header(value.lower())  # lower first: "Oberflächentechnik GmbH" keeps "gmbh" whole (no camel-case split)


def _named(value: str) -> bool:
    """
    Does a value read as a name rather than a phrase? One word, or a word after the first that
    starts with a capital ("Clínica dental Sonrisa", "Apotheke am Dom"): a trade word in sentence
    case ("Garden design", "Lawn care plan") is what someone wants, not who they are.
    """
    parts = [p for p in value.split() if p[:1].isalpha()]
    if len(parts) <= 1:
        return True
    return any(p[:1].isupper() or p[:1].lower() == p[:1].upper() for p in parts[1:])


def _is_unspaced(ch: str) -> bool:
    return "\u2e80" <= ch <= "\u9fff" or "\uac00" <= ch <= "\ud7af" or "\u3040" <= ch <= "\u30ff" or "\u0e00" <= ch <= "\u0e7f"


_UNSPACED_ORG = tuple(w for w in ORG_WORDS if w and all(_is_unspaced(ch) for ch in w))
"""Trade words of scripts written without spaces (CJK, Hangul, Thai): "歯科", "药店", "약국", "ร้าน"."""


def _unspaced_trade(value: str) -> bool:
    """
    A CJK, Hangul or Thai value with a trade word in it ("田中歯科医院", "行복약국", "ร้านกาแฟดี"),
    more than the trade word alone (a lone "医院" is a category); a one-character word ("店")
    counts only at the end ("山田商店").
    """
    v = value.replace(" ", "")
    if not v or not _is_unspaced(v[0]) and not _is_unspaced(v[-1]):
        return False
    return any(len(v) > len(w) and (v.endswith(w) if len(w) == 1 else w in v) for w in _UNSPACED_ORG)


def _has_org_word(words: Sequence[str]) -> bool:
    for w in words:
        if w in _ORG_SHORT or w.startswith(_ORG_LONG):
            return True
        compound = "-" in w or len(w) > 9
        if compound and (any(part.startswith(_ORG_LONG) for part in re.split(r"[-]", w)) or any(o in w for o in _ORG_LONG if len(o) >= 6)):
            return True
    return False


_NOT_IN_NAMES = re.compile(r"[\"«»“”„|·/@#+*_=<>\[\]{}()]")


def _name_word(part: str) -> bool:
    """A word a name is made of, in any script: vowel signs of Thai or Devanagari ("ใจดี", "शर्मा") are letters here."""
    if _NAME_WORD.match(part):
        return True
    if part.isascii():
        return False
    bare = "".join(ch for ch in part if not unicodedata.category(ch).startswith("M"))
    return bool(bare) and bool(_NAME_WORD.match(bare))


def _cjk_whole_name(value: str) -> bool:
    """A CJK whole name written without a space: two to four characters opening with a common family name."""
    if not 2 <= len(value) <= 4 or value in CJK_FAMILY_NAMES:
        return False  # "山田" alone is the family name, not the whole name
    return value[0] in CJK_FAMILY_NAMES or value[:2] in CJK_FAMILY_NAMES or value[:3] in CJK_FAMILY_NAMES


def _capital(part: str) -> bool:
    """Starts with a capital, or with a letter of a script without case (Arabic, Devanagari, Hebrew, CJK, Thai)."""
    c = part[:1]
    return c.isupper() or (c.isalpha() and c.lower() == c.upper())


def _not_a_person(value: str, parts: Sequence[str]) -> bool:
    """Is a value of several words shaped so that no person is called that? (Plain 2-4 word names are not.)"""
    if len(parts) < 2:
        return False  # one word ("U7", "Grizzly", "Ahmed") says nothing either way: an id, a brand or a first name
    if _DIGIT.search(value) or len(parts) >= 5 or _NOT_IN_NAMES.search(value):
        return True
    particles = _name_parts()[0]
    lower = [p for p in parts[1:] if p[:1].islower() and p.lower() not in particles and p[:1].upper() != p[:1]]
    # sentence case ("Donde tu quieras") is a phrase; all lower case ("john smith") is only careless typing
    return len(parts) >= 2 and len(lower) >= 1 and parts[0][:1].isupper()


@lru_cache(maxsize=1)
def _cleanco_forms() -> tuple[frozenset[str], frozenset[str]]:
    """
    Legal forms of companies worldwide from cleanco's term lists (imported on first use): single
    words of three letters or more ("ehf", "oyj", "zrt"), and dotted forms of two parts or more
    ("s r l", "sp z o o"), which count only when written with dots. Two-letter words ("da", "et")
    are everyday words and left out.
    """
    from cleanco.termdata import terms_by_type  # type: ignore[import-untyped]  # lazy: mapping imports without it

    words: set[str] = set()
    dotted: set[str] = set()
    for terms in terms_by_type.values():
        for term in terms:
            norm = normalize_header(term)
            if not norm or not norm.replace(" ", "").isalpha():
                continue
            if " " in norm:
                dotted.add(norm)
            elif len(norm) >= 3 and norm not in {"private", "unlimited", "vat", "company", "group"}:
                words.add(norm)
    return frozenset(words), frozenset(dotted)


_NOT_HONORIFICS = frozenset(
    {"ceo", "cfo", "chef", "film", "flag", "her", "his", "high", "host", "law", "me", "most", "navy", "poet", "pro", "risk", "rock"}
    | {"tax", "uk", "us", "air", "army", "rear", "vice", "wing", "st", "mag", "met", "bard", "heir", "ab", "king", "pope", "maid"}
    | {"dir", "exec", "pres", "prin", "rep", "mgr", "asst", "dpty", "gov", "sr", "pd", "wp", "vc", "ra", "sn", "mg", "bg", "fr"}
)
"""Short words of nameparser's title list that are jobs, places or everyday words, not a person's honorific."""


@lru_cache(maxsize=1)
def _name_parts() -> tuple[frozenset[str], frozenset[str]]:
    """
    Name particles ("van", "bin", "ibn", "al", "бен") and honorifics ("Dr", "Herr", "κος", "г-н",
    "الحاج", "श्री") in many scripts, from nameparser's constants (imported on first use) and our own.
    """
    from nameparser.config import CONSTANTS  # lazy: mapping imports without it

    particles = {normalize_header(x.strip("-'’")) for x in CONSTANTS.prefixes} | _PARTICLES
    titles = {normalize_header(t) for t in CONSTANTS.titles if len(t) <= 4 or not t.isascii()}
    titles |= {
        normalize_header(t) for t in CONSTANTS.first_name_titles if t not in ("king", "queen", "master", "maid", "prince", "princess")
    }
    honorifics = {t for t in titles if t and t not in _NOT_HONORIFICS and not t[:1].isdigit()} | _SALUTATIONS
    return frozenset(x for x in particles if x), frozenset(honorifics)


def _legal_tail(words: Sequence[str], value: str) -> bool:
    """Does a value end in a legal form from cleanco's worldwide lists ("Kovács Zrt", "Pérez S.R.L.")?"""
    if len(words) < 2:
        return False
    single, dotted = _cleanco_forms()
    if words[-1] in single:
        return True
    if "." not in value[-12:]:
        return False
    return any(" ".join(words[-k:]) in dotted for k in range(2, min(5, len(words)) + 1))


def _proper_part(words: Sequence[str]) -> bool:
    """
    Is a value with a trade word more than the trade word itself? A lone "Bakery", "Restaurants"
    or "Friseur" is a category; "Grizzly Barber Shop", "MedicalClub", "Clinic No 13" are names.
    """
    if len(words) != 1:
        return True
    w = words[0]
    return not (w in _ORG_SHORT or any(w.startswith(o) and len(w) <= len(o) + 4 for o in _ORG_LONG))


def column_name(index: int) -> str:
    """Spreadsheet letter for a 0-based column index (0 -> A, 27 -> AB)."""
    name = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        name = chr(65 + rem) + name
    return name


def unique_names(labels: Sequence[str | None]) -> list[str]:
    """Names for extra data: blank headers by position, duplicates numbered ("Email (2)")."""
    names: list[str] = []
    seen: dict[str, int] = {}
    for i, label in enumerate(labels):
        base = label.strip() if label and label.strip() else f"column_{column_name(i)}"
        key = base.lower()
        seen[key] = seen.get(key, 0) + 1
        name = base if seen[key] == 1 else f"{base} ({seen[key]})"
        while name.lower() in seen and seen[key] > 1 and name.lower() != key:
            seen[key] += 1
            name = f"{base} ({seen[key]})"
        if name.lower() != key:
            seen[name.lower()] = 1
        names.append(name)
    return names


def _exact(field: str, norm: str, label: str, score: float | None = None) -> Evidence:
    # Earlier synonyms are the field's more usual names: "Campaign" beats "Ad Set".
    rank = SYNONYMS[field].index(norm) if norm in SYNONYMS[field] else 0
    base = W.exact - min(rank, 20) * W.rank_step if score is None else score
    return Evidence(field, base, f"header {label!r} is a synonym of {field}", "header")


@lru_cache(maxsize=4096)
def read_header(label: str | None) -> HeaderReading:
    """Read a header as a phrase: its field candidates, or why it names something else (cached: pure)."""
    if not label:
        return HeaderReading()
    norm = normalize_header(label)
    if not norm:
        return HeaderReading()
    parts = _read_parts(label)
    if parts is not None:
        return parts
    path = [p for p in _PATH.split(label) if p.strip()]
    if len(path) >= 2 and normalize_header(path[-1]) in _LABEL_LEAVES:
        # JSON paths of API and scraper exports: "primaryCity.name" is the city, "company.name" the company
        inner = read_header(path[-2])
        if inner.evidence or inner.refused:
            why = f"header {label!r} is the {path[-1]!r} of {path[-2]!r}"
            ev = tuple(Evidence(e.field, e.score - 2.0, f"{why}; {e.reason}", e.source) for e in inner.evidence)
            return HeaderReading(ev, refused=inner.refused and f"{why}; {inner.refused}", secondary=inner.secondary)
    if norm in NOT_LEAD_WORDS:
        return HeaderReading(refused=f"header {label!r} names something that is not a lead field")
    field = LOOKUP.get(norm)
    if field:
        return HeaderReading((_exact(field, norm, label),))
    words = norm.split()
    core = [w for w in words if not w.isdigit()] or list(words)  # "E-mail 1 - Value", "Phone 2"
    if len(core) > 1 and len(core) < len(words) and core[-1] in ("value", "values"):
        core.pop()  # Google Contacts' "Phone 1 - Value": the value of the first phone
    while len(core) > 1 and core[-1] in _TRAILING_NOISE:
        core.pop()  # "Phone Number 2", "Email (optional)", "Middle Name (Optional)"
    core_norm = " ".join(core)
    if core_norm in NOT_LEAD_WORDS:
        return HeaderReading(refused=f"header {label!r} names something that is not a lead field")
    if core_norm != norm and core_norm in LOOKUP:
        return HeaderReading((_exact(LOOKUP[core_norm], core_norm, label, W.exact - 1.0),))
    rewritten = _read_rewritten(core, label)
    if rewritten is not None:
        return rewritten
    refusal = _refused_by_words(core, label)
    if refusal:
        return HeaderReading(refused=refusal)
    if _is_cjk(norm):
        cjk = _read_cjk(norm.replace(" ", ""), label)
        if cjk is not None:
            return cjk
    of = _of_phrase(core, label)
    if of is not None:
        return of
    headed = _head_noun(core, label)
    if headed is not None:
        return headed
    found = _phrases(core, label)
    if found is not None:
        return found
    fuzzy = _fuzzy(norm, label)
    if not fuzzy.evidence:
        # "ID Number", "Customer No": an identifier; a short "no"/"nr"/"n" only at the end ("Estágio no funil" is a stage)
        ident = next(
            (w for k, w in enumerate(core) if w in _IDENTIFIER_WORDS and (w not in _NUMBER_WORDS or k == len(core) - 1 or w == "number")),
            None,
        )
        if ident:
            # "ID Number", "account_number", "VAT Number": an identifier, whatever its values
            return HeaderReading(refused=f"header {label!r} names an identifier ({ident!r}), not a lead field")
    return fuzzy


_WITHOUT = frozenset(
    {"without", "excluding", "excl", "sans", "sin", "sem", "ohne", "senza", "zonder", "uten", "utan", "uden", "bez", "без", "tanpa"}
)
"""A header's words after one of these name what the column leaves out ("Phone without country code")."""
_GLUED_TAILS = {"number": "phone", "numbers": "phone", "no": "phone", "nr": "phone", "num": "phone", "nummer": "phone", "numero": "phone"}
_GLUED_TAILS |= {"address": "email", "adresse": "email", "adres": "email"}
"""Second halves of words written together, with the field of the first half they complete
("telefonnr", "whatsappnumber", "emailadresse"); "...name" completes any field ("companyname")."""
_ID_TAILS = ("nummer", "number", "numero", "nr")
"""Endings of a one-word identifier ("Personnummer", "Kundennummer", "Kontonr", "ordernumber")."""


def _unglue(words: Sequence[str]) -> list[str]:
    """
    Words of a header with each word written together split in two, when the two halves are a
    known phrase ("phonenumber" -> "phone number") or a known word and a number or name word
    ("telefonnr" -> "telefon nr"). Words the vocabulary knows are left alone.
    """
    out: list[str] = []
    for w in words:
        if len(w) < 6 or w in LOOKUP or w in NOT_LEAD_WORDS or not w.isalpha():
            out.append(w)
            continue
        split = None
        for k in range(len(w) - 2, 2, -1):
            a, b = w[:k], w[k:]
            if f"{a} {b}" in LOOKUP or (len(a) >= 3 and _GLUED_TAILS.get(b) == LOOKUP.get(a, "")) or (b == "name" and a in LOOKUP):
                split = [a, b]
                break
        out.extend(split or [w])
    return out


def _compound_identifier(word: str) -> bool:
    """
    A word written together that ends in a number word and whose first part is not a lead word
    ("Personnummer", "Kundennummer", "Organisationsnummer", "Kontonr"): an identifier. "Telefonnummer",
    "Postnummer" are in the vocabulary and read before this.
    """
    if word in LOOKUP or word in NOT_LEAD_WORDS or not word.isalpha():
        return False
    for tail in _ID_TAILS:
        stem = word[: -len(tail)]
        if word.endswith(tail) and len(stem) >= 3:
            fields = {LOOKUP.get(x) for x in (stem, stem.rstrip("s"), stem.removesuffix("en"), stem.removesuffix("e"))}
            return not fields & {"phone", "postcode", "address"} and not stem.startswith(_NUMBERED_THINGS)
    return False


_NUMBERED_THINGS = ("tele", "phon", "mobil", "handy", "cell", "whats", "fax", "haus", "hus", "huis", "street", "strasse", "gate", "vej")
"""Stems whose number is a phone, a fax or a house number, not an identifier."""


def _read_cjk(norm: str, label: str) -> HeaderReading | None:
    """
    A CJK header, read without spaces ("업체 명", "업체명"): an exact word, a refused word inside
    it, or a field word inside it. A date word beside other characters needs an arrival word
    ("登録日", "创建时间"): "最近交付日期" (last delivery date) is the date of something else.
    """
    if norm in LOOKUP:
        return HeaderReading((_exact(LOOKUP[norm], norm, label, W.exact - 1.0),))
    for bad in _CJK_NOT_LEAD:
        if bad in norm:
            return HeaderReading(refused=f"header {label!r} names something that is not a lead field ({bad})")
    for word, f in _CJK_WORDS:
        if word not in norm:
            continue
        rest = norm.replace(word, "")
        if f == "created_at" and rest and not any(c in norm for c in _CJK_CREATION):
            return HeaderReading(refused=f"header {label!r} is the date of {rest!r}, not when the lead came in")
        extra = len(norm) - len(word)
        score = (W.head_phrase if norm.endswith(word) else W.inner_phrase) - min(extra, 6)
        return HeaderReading((Evidence(f, score, f"header {label!r} contains {word!r}", "header"),))
    return None


def _read_rewritten(core: list[str], label: str) -> HeaderReading | None:
    """A header read through a rewriting of its words: glued words apart, the part before "without", a compound identifier."""
    if len(core) > 1 and core[0] in _FLAG_WORDS:
        return HeaderReading(refused=f"header {label!r} is a yes/no flag, not a lead field")
    unglued = _unglue(core)
    if unglued != core:
        # "Locaties_phonenumber", "telefonnr", "emailaddress": words written together, read apart
        inner = read_header(" ".join(unglued))
        if inner.evidence or inner.refused:
            why = f"header {label!r} read as {' '.join(unglued)!r}"
            ev = tuple(Evidence(e.field, e.score - 1.0, f"{why}; {e.reason}", e.source) for e in inner.evidence)
            return HeaderReading(ev, refused=inner.refused and f"{why}; {inner.refused}", secondary=inner.secondary)
    cut = next((k for k, w in enumerate(core) if w in _WITHOUT), 0)
    if cut:
        # "mobile_without_country_code", "Telefone sem DDD": the column is what comes before "without"
        inner = read_header(" ".join(core[:cut]))
        if inner.evidence or inner.refused:
            why = f"header {label!r} is {' '.join(core[:cut])!r} without {' '.join(core[cut + 1 :])!r}"
            ev = tuple(Evidence(e.field, e.score - 2.0, f"{why}; {e.reason}", e.source) for e in inner.evidence)
            return HeaderReading(ev, refused=inner.refused and f"{why}; {inner.refused}", secondary=inner.secondary)
    if len(core) <= 2 and _compound_identifier(core[-1]):
        # "Personnummer", "Kundennummer", "Kontonr": the number of something that is not a phone
        return HeaderReading(refused=f"header {label!r} names an identifier ({core[-1]!r}), not a lead field")
    return None


def _dates_something_else(norm: str) -> bool:
    """An unrecognised header that says "date" or "time" of something other than the lead's arrival ("Event Time")."""
    words = norm.split()
    if not _DATE_OF_SOMETHING.intersection(words):
        return False
    rest = [w for w in words if w not in _DATE_OF_SOMETHING and w not in _OF_WORDS and w not in _ARTICLES]
    return any(w not in _CREATION_WORDS for w in rest)  # "Data lead", "Hora de criação" are the arrival


def _read_parts(label: str) -> HeaderReading | None:
    """A header read through one of its parts: without a bracketed filling hint, or a dashed path's field."""
    hinted = _without_hints(label)
    if hinted is not None:
        inner = read_header(hinted)
        if inner.evidence or inner.refused:
            why = f"header {label!r} is {hinted!r} with a hint"
            ev = tuple(Evidence(e.field, e.score - 1.0, f"{why}; {e.reason}", e.source) for e in inner.evidence)
            return HeaderReading(ev, refused=inner.refused and f"{why}; {inner.refused}", secondary=inner.secondary)
    dashed = [p for p in _PATH_DASH.split(label) if p.strip()]
    if len(dashed) >= 3 and normalize_header(dashed[-1]) in _KIND_LEAVES:
        # "Person - Email - Work", "Person - Phone - Mobile": the person's email (at work)
        inner = read_header(dashed[-2])
        if inner.evidence:
            why = f"header {label!r} is the {dashed[-1].strip()!r} {dashed[-2].strip()!r} of {' - '.join(dashed[:-2])!r}"
            return HeaderReading(tuple(Evidence(e.field, e.score - 2.0, f"{why}; {e.reason}", e.source) for e in inner.evidence))
    return None


def _without_hints(label: str) -> str | None:
    """The label without bracketed filling hints ("(incl. country code)"), or None when it has none."""
    if not any(b in label for b in "([{"):
        return None
    hints = {m.span() for m in _BRACKETED.finditer(label) if (normalize_header(m.group(1)).split() or [""])[0] in _HINT_WORDS}
    if not hints:
        return None
    rest = _BRACKETED.sub(lambda m: " " if m.span() in hints else m.group(0), label).strip()
    return rest if rest and normalize_header(rest) else None


def _refused_by_words(core: Sequence[str], label: str) -> str | None:
    """A multi-word NOT_LEAD phrase anywhere, or a NOT_LEAD word as the head, refuses the header."""
    n_words = len(core)
    for n in range(min(4, n_words), 1, -1):
        for i in range(n_words - n + 1):
            phrase = " ".join(core[i : i + n])
            if phrase in NOT_LEAD_WORDS and phrase not in LOOKUP:
                return f"header {label!r} names {phrase!r}, not a lead field"
    head = core[-1]
    ends_in_synonym = any(" ".join(core[-n:]) in LOOKUP for n in range(2, min(4, n_words) + 1))  # "Country/Region"
    if n_words > 1 and head in NOT_LEAD_WORDS and head not in LOOKUP and not ends_in_synonym:
        return f"header {label!r} is about a {head!r}, not a lead field"
    return None


def _of_phrase(core: Sequence[str], label: str) -> HeaderReading | None:
    """
    "X of Y" and the Romance "X de Y": X is the head ("Teléfono de contacto" is a phone, "Company
    Name for Emails" a company), unless X is a word for "name", then Y says whose ("Nom du
    contact" is the person's name, "Nombre de la campaña" the campaign). A date of anything but
    the lead's arrival ("Fecha de visita") is not ``created_at``.
    """
    k = next((i for i, w in enumerate(core) if w in _OF_WORDS), -1)
    if k <= 0 or k >= len(core) - 1:
        return None
    head, tail = core[:k], [w for w in core[k + 1 :] if w not in _ARTICLES]
    if not tail:
        return None
    head_norm = " ".join(head)
    if head_norm in _NAME_HEADS:
        inner = read_header(" ".join(tail))
        ev = [e for e in inner.evidence if e.field not in ("first_name", "last_name")]
        if ev:
            e = ev[0]
            field = e.field if e.field != "full_name" else "full_name"
            return HeaderReading(
                (Evidence(field, e.score - W.per_word, f"header {label!r} is the name of {' '.join(tail)!r} ({field})", "header"),)
            )
        return None
    f = LOOKUP.get(head_norm)
    if not f:
        return None
    if f == "created_at" and not all(w in _CREATION_WORDS for w in tail):
        return HeaderReading(refused=f"header {label!r} is the date of {' '.join(tail)!r}, not when the lead came in")
    score = W.head_phrase - W.per_word * 0.67 * len(tail)
    return HeaderReading((Evidence(f, score, f"header {label!r} is {head_norm!r} of {' '.join(tail)!r}", "header"),))


_HEAD_NOUNS = frozenset({"name", "names", "title", "contact", "contacts"})
"""Generic last words of an English header whose modifier says whose name it is ("Source name")."""
_HEAD_FIRST = frozenset({"nom", "nombre", "nome", "nume", "nazwa", "ten"})
"""Generic first words of a Romance or Slavic header without "de": "Nome cliente", "Nom entreprise"."""
_LEAD_MODIFIERS = frozenset(
    {
        "your",
        "my",
        "what",
        "is",
        "please",
        "enter",
        "seu",
        "sua",
        "tu",
        "su",
        "votre",
        "ihr",
        "ihre",
        "dein",
        "inhaber",
        "geschaftsfuhrer",
        "ansprechpartner",
        "ansprechperson",
        "responsable",
        "full",
        "complete",
        "real",
        "preferred",
        "personal",
        "primary",
        "main",
        "principal",
        "key",
        "guest",
        "buyer",
        "member",
        "student",
        "patient",
        "subscriber",
        "visitor",
        "registrant",
        "delegate",
        "prospect",
        "tenant",
        "homeowner",
        "passenger",
        "donor",
        "cliente",
        "client",
        "contacto",
        "contato",
        "contatto",
        "day du",
        "lien he",
        "nguoi lien he",
    }
)
"""Modifiers of "name" that keep it the lead's own name ("Your name", "Guest name", "Customer's name")."""
_ORG_MODIFIERS = frozenset(
    {
        "partner",
        "organisation",
        "organization",
        "org",
        "firm",
        "brand",
        "merchant",
        "venue",
        "establishment",
        "practice",
        "listing",
        "place",
        "store",
        "business",
        "company",
        "entreprise",
        "empresa",
        "azienda",
        "societe",
        "firma",
        "location",
        "local",
        "lieu",
        "lugar",
        "luogo",
        "dia diem",
        "cua hang",
        "co so",
        "doanh nghiep",
        "negocio",
        "negocios",
        "comercio",
        "commerce",
        "shop",
        "loja",
        "tienda",
        "negozio",
    }
)
"""Modifiers of "name" or "title" that make it an organisation's name ("Partner name", "Listing title")."""
_AD_WORDS = frozenset({"ad", "ads", "adset", "adsets", "adgroup", "squad", "creative", "form", "forms", "pixel", "utm"})
"""Words of an ad platform's objects: "Ad squad name", "Ad account name" name an ad object, never the lead."""
_GENERIC_ORG_WORDS = frozenset(
    {"group", "global", "international", "digital", "design", "marketing", "legal", "software", "systems", "solution"}
    | {"services", "travel", "food", "foods", "health", "care", "sports", "kids", "market", "transport", "the", "pet", "pets"}
    | {"property", "properties", "propiedad", "propriedade", "proprieta", "propriete", "estate", "realty"}
)
"""Trade words that, before "name", are more often a grouping or a thing than a business ("Group name",
"Marketing name", "Property name": the property a lead asks about)."""
_ID_WORDS = frozenset({"id", "ids", "uuid", "guid", "code", "codigo", "codice", "cod", "ref", "number", "numero", "nr", "no", "num", "n"})
"""An identifier word before a party word ("id_client", "Código cliente", "Nr klienta"): the party's identifier."""
_PREPOSITIONS = frozenset({"by", "from", "to", "with", "about", "per", "von", "par", "por", "pelo", "pela", "dal", "dalla"})
"""A party word after one of these is the agent of something else ("Questions asked by the attendee")."""
_CHANNEL_FIELDS = frozenset({"email", "phone", "website", "address", "postcode", "city", "country"})
_PARTY_FIELDS = (*NAME_FIELDS, "company")


def _head_noun(core: Sequence[str], label: str) -> HeaderReading | None:
    """
    "<X> name", "<X> title", "<X> contact" (and "Nome <X>"): the generic head is the name of X.
    A known X gives X's field ("Source name" is the source, "Account name" the company, "City
    name" the city); an organisation word makes it the company ("Partner name", "Clinic name");
    a word for the lead keeps it the lead's name ("Guest name"); any other X ("Group name",
    "Record title", "Qualify contact") names something else: extra data.
    """
    if len(core) < 2 or len(core) > 5:
        return None
    if any(w in _CONNECTORS for w in core):
        return None  # "Nombre y apellido", "Company or contact name": two things named
    if core[-1] in _HEAD_NOUNS:
        head, mods = core[-1], list(core[:-1])
    elif core[0] in _HEAD_FIRST and len(core) <= 4:
        head, mods = "name", list(core[1:])
    else:
        return None
    ad = any(w in _AD_WORDS for w in mods)
    if not ad and any(" ".join(core[-n:]) in LOOKUP for n in range(2, min(4, len(core)) + 1)):
        return None  # "What's your first name?": the phrase "first name" is the head
    mods = [w.replace("đ", "d") for w in mods if w not in ("the", "a", "an", "s") and w not in _OF_WORDS and w not in _ARTICLES]
    if not mods:
        return None
    x = " ".join(mods)
    person_head = head in ("contact", "contacts")
    title_head = head == "title"

    def ev(field: str, why: str, score: float = W.head_phrase - W.per_word * 0.67 * len(mods)) -> HeaderReading:
        return HeaderReading((Evidence(field, score, f"header {label!r} is {why}", "header"),))

    def refuse(why: str) -> HeaderReading:
        return HeaderReading(refused=f"header {label!r} is {why}, not a lead field")

    if ad:
        inner = read_header(x)
        if inner.evidence and inner.evidence[0].field == "campaign" and not person_head:
            return ev("campaign", f"the {head} of the ad object {x!r}")
        return refuse(f"the {head} of the ad object {x!r}")
    if all(w in _LEAD_MODIFIERS for w in mods) or x in _LEAD_MODIFIERS:
        if title_head:
            return None
        return ev("full_name", f"the {head} of the lead ({x!r})")
    if any(w in _ORG_MODIFIERS for w in mods) or x in _ORG_MODIFIERS or _has_org_word([w for w in mods if w not in _GENERIC_ORG_WORDS]):
        return ev("full_name" if person_head else "company", f"the {head} of an organisation ({x!r})")
    inner = read_header(x)
    if inner.refused:
        return refuse(f"the {head} of {x!r}")
    if not inner.evidence:
        # an X not understood: only strong content evidence gives the column a field
        return HeaderReading(refused=f"header {label!r} is the {head} of {x!r}, not known as a lead field", ambiguous=True)
    f = inner.evidence[0].field
    if f in NAME_FIELDS:
        if title_head:
            return refuse(f"the {head} of {x!r}")
        return ev("full_name" if head != "name" or f == "full_name" else f, f"the {head} of {x!r} ({f})")
    if f == "company":
        return ev("full_name" if person_head else "company", f"the {head} of {x!r} (company)")
    if person_head and f not in _CHANNEL_FIELDS:
        return refuse(f"the contact of {x!r}")
    if title_head and f != "job_title":
        return refuse(f"the {head} of {x!r}")
    return ev(f, f"the {head} of {x!r} ({f})")


def _about_something_else(f: str, phrase: str, before: Sequence[str], after: Sequence[str]) -> str | None:
    """Why a party or status phrase inside a header is about something else, or None."""
    if f in _PARTY_FIELDS and before and (before[-1] in _ID_WORDS or before[0] in _ID_WORDS):
        return f"the identifier ({before[0]!r}) of the {phrase!r}"  # "id_client", "Código cliente"
    if f in _PARTY_FIELDS and any(w in _PREPOSITIONS for w in before[1:]):
        return f"{' '.join(before)!r} the {phrase!r}, not the {phrase!r} itself"  # "Questions asked by the attendee"
    if f == "status" and before and not after:
        # "Website status", "Email status": the state of that contact channel, not the lead's status
        channel = read_header(" ".join(before)).evidence
        if channel and channel[0].field in _CHANNEL_FIELDS:
            return f"the status of the {channel[0].field}"
    return None


def _phrases(words: Sequence[str], label: str) -> HeaderReading | None:
    """Synonym phrases inside a longer header, judged by where they sit and what surrounds them."""
    if len(words) > 8:
        return None
    found: dict[str, Evidence] = {}
    spans: list[tuple[int, int]] = []
    """Where the phrases found so far sit: a shorter phrase inside one ("name" in "first name") is part of it."""
    secondary = False
    blocked: list[str] = []
    for n in range(min(4, len(words)), 0, -1):
        for i in range(len(words) - n + 1):
            phrase = " ".join(words[i : i + n])
            f = LOOKUP.get(phrase)
            if not f or (n == 1 and len(phrase) <= 2) or any(a <= i and i + n <= b for a, b in spans):
                continue
            if f in found:
                spans.append((i, i + n))  # "Your Email Address": "email address" is the email too, "address" part of it
                continue
            before, after = words[:i], words[i + n :]
            after = [w for w in after if w not in _TRAILING_NOISE]
            if f == "created_at" and after and all(w in _TIME_WORDS for w in after):
                after = []  # "Created Date & Time", "received_at": when, to the minute
            if f == "created_at" and n == 1 and not before and any(_of_something(w) for w in after):
                # "Data richiamo", "Дата выдачи паспорта", "Fecha visita": the date of something else
                blocked.append(f"{phrase!r} of {' '.join(after)!r}")
                continue
            if f in NAME_FIELDS and phrase in _CREATION_WORDS and before and all(w in _DATE_OF_SOMETHING or w in _OF_WORDS for w in before):
                # "Data lead", "Fecha contacto", "Date du contact": the date of the lead, not its name
                found["created_at"] = Evidence("created_at", W.inner_phrase, f"header {label!r} is the date of the {phrase!r}", "header")
                spans.append((0, i + n))
                continue
            if n == 1 and (
                (phrase in _LAST_WORD_ONLY and after and after[0] not in _CONNECTORS) or (phrase in _FIRST_WORD_ONLY and before)
            ):
                continue  # "How did you first hear", "Last Seen", "Lead from", "Came in via": not a name or a street
            if n == 1 and phrase == "number" and before:
                blocked.append(f"the number of {' '.join(before)!r}")  # "Pager number", "Case number"
                continue
            other_thing = _about_something_else(f, phrase, before, after)
            if other_thing:
                blocked.append(other_thing)
                continue
            if f == "phone" and after and all(w in _NUMBER_WORDS for w in after):
                after = []  # "Mob No.", "Tel Nr", "Cell #": the phone's number
            if any(w in QUALIFIERS for w in after):
                # "Campaign ID", "Contact owner", "Phone type", "Lead value": the column is about
                # the word after the phrase (its identifier, owner, type), not the field itself
                blocked.append(f"{phrase!r} is qualified by {' '.join(after)!r}")
                continue
            if after and after[0] == "of":
                blocked.append(f"{phrase!r} of something else")
                continue
            stop = [w for w in before if w in REFUSE_BEFORE]
            if stop:
                blocked.append(f"{phrase!r} of {stop[0]!r}")
                continue
            if f == "created_at" and any(w not in _CREATION_WORDS for w in before):
                # "Appointment date", "Follow-up date", "Renewal date": the date of something else
                blocked.append(f"{phrase!r} of {' '.join(before)!r}")
                continue
            other = len(words) - n
            if after:
                score = W.inner_phrase - W.per_word * len(after) - W.per_word * len(before)
            else:
                score = W.head_phrase - W.per_word * 0.67 * len(before)
            score += 1.0 * (n - 1)
            if f in MULTI_FIELDS and any(w in CONTACT_OF_OTHERS for w in before):
                score -= W.secondary_modifier
                secondary = True
            if other > 4:
                score -= 4.0
            found[f] = Evidence(f, score, f"header {label!r} contains {phrase!r}", "header")
            spans.append((i, i + n))
    if found:
        ranked = sorted(found.values(), key=lambda e: -e.score)
        free = [w for k, w in enumerate(words) if not any(a <= k < b for a, b in spans)]
        joined = len(ranked) > 1 and any(w in _CONNECTORS for w in free)  # "Email or phone"
        if joined and {ranked[0].field, ranked[1].field} == {"first_name", "last_name"} and len(ranked) == 2:
            # "First and last name", "Nombre y apellido", "Vorname und Nachname": the whole name
            score = min(e.score for e in ranked)
            return HeaderReading((Evidence("full_name", score, f"header {label!r} names first and last name together", "header"),))
        if len(ranked) == 2 and any(w in _AND_WORDS for w in free) and "notes" in {e.field for e in ranked}:
            # "Name and details", "Phone & remarks": a field with notes written beside it is that field
            e = next(e for e in ranked if e.field != "notes")
            why = f"header {label!r} names {e.field} with notes beside it"
            return HeaderReading((Evidence(e.field, min(x.score for x in ranked) - W.per_word, why, "header"),))
        if len(ranked) > 1 and (joined or ranked[0].score - ranked[1].score < W.tie):
            names = " and ".join(e.field for e in ranked[:2])
            return HeaderReading(refused=f"header {label!r} names two fields ({names})", ambiguous=True)
        return HeaderReading((ranked[0],), secondary=secondary)
    if blocked:
        # "Phnoe Number": a typo of a synonym (one edit), not the number of something
        typo = [c for c in _CHOICES if abs(len(c) - len(" ".join(words))) <= 1 and DamerauLevenshtein.distance(" ".join(words), c) <= 1]
        fuzzy = _fuzzy(" ".join(words), label) if typo else HeaderReading()
        return fuzzy if fuzzy.evidence else HeaderReading(refused=f"header {label!r}: {blocked[0]}")
    return None


def _inflected(norm: str, choice: str) -> bool:
    """
    Is ``norm`` ``choice`` with an ending added or cut ("contacted", "contactado", "contactar" of
    "contact")? Another word built on the synonym, not a typo of it: only a plural "s" is the same word.
    """
    short, long = sorted((norm, choice), key=len)
    if len(long) - len(short) < 2:
        return False
    same = next((k for k, (a, b) in enumerate(zip(short, long)) if a != b), len(short))
    return same >= len(short) - 1  # "contactado" of "contacto": the stem, then another ending


def _other_short_word(norm: str, choice: str) -> bool:
    """
    One letter changed in a short word is another word more often than a typo ("Store" of
    "stare", "Votes" of "notes", "Sales" of "salis"); a letter left out, added or two letters
    swapped ("Emial", "Adress", "Phones") stay typos, and so does another initial before a field
    word ("ename" beside "lname").
    """
    if len(norm) > 6 or len(norm) != len(choice):
        return False
    diff = [k for k, (a, b) in enumerate(zip(norm, choice)) if a != b]
    # a one-letter prefix before a field word is an abbreviation ("ename", "lname", "fname": e/l/f-name)
    return len(diff) == 1 and not (diff[0] == 0 and choice[1:] in LOOKUP)


def _fuzzy(norm: str, label: str) -> HeaderReading:
    if len(norm) < 4:
        return HeaderReading()
    hits = process.extract(norm, _CHOICES, scorer=fuzz.ratio, limit=10, score_cutoff=70.0)
    best: dict[str, tuple[float, str]] = {}
    for choice, score, _ in hits:
        if _inflected(norm, choice):
            continue
        if len(norm) >= 5 and DamerauLevenshtein.distance(norm, choice) <= 1 and not _other_short_word(norm, choice):
            score = max(score, 90.0)  # one typo or one swapped pair of letters ("Emial")
        if score < W.fuzzy_min - W.tie:
            continue
        f = LOOKUP[choice]
        if f not in best or score > best[f][0]:
            best[f] = (score, choice)
    if not best:
        return HeaderReading()
    ranked = sorted(best.items(), key=lambda kv: -kv[1][0])
    (f, (score, choice)) = ranked[0]
    if score < W.fuzzy_min:
        return HeaderReading()
    if len(ranked) > 1 and score - ranked[1][1][0] < W.tie:
        return HeaderReading()
    reason = f"header {label!r} is close to {choice!r} ({score:.0f}%)"
    return HeaderReading((Evidence(f, min(score, 99.0) * W.fuzzy_factor, reason, "header"),))


def header_candidates(label: str | None) -> list[tuple[str, float, str]]:
    """Field candidates from the header text alone: (field, score, reason)."""
    return [(e.field, e.score, e.reason) for e in read_header(label).evidence]


def _by_share(base: float, share: float) -> float:
    """Content evidence of names grows with its share: ``base`` at 60% of values, +15 at 100%."""
    return base + 15.0 * max(0.0, min(1.0, (share - CONTENT_SHARE) / (1.0 - CONTENT_SHARE)))


def content_evidence(profile: Profile, header_less: bool = False, headed: bool = False) -> list[Evidence]:
    """
    Field candidates from a column's values alone. ``headed``: the column has a header that was
    not understood, so weaker signals (dates) count for less than in a sheet with no header.
    """
    if profile.count < 1:
        return []
    out = []
    if profile.email >= CONTENT_SHARE:
        out.append(Evidence("email", W.content_email, f"{profile.email:.0%} of values are email addresses", "content"))
    if profile.phone >= CONTENT_SHARE:
        out.append(Evidence("phone", W.content_phone, f"{profile.phone:.0%} of values are phone numbers", "content"))
    if profile.url >= CONTENT_SHARE and profile.social < S.social:
        out.append(Evidence("website", W.content_website, f"{profile.url:.0%} of values are web addresses", "content"))
    if profile.postcode >= CONTENT_SHARE and profile.distinct < 0.98:
        out.append(Evidence("postcode", W.content_postcode, f"{profile.postcode:.0%} of values are postcodes", "content"))
    if header_less and profile.postcode_numeric >= 0.8:
        out.append(
            Evidence(
                "postcode", W.content_postcode - 10, f"{profile.postcode_numeric:.0%} of values are 4-5 digit codes that repeat", "content"
            )
        )
    if profile.date >= CONTENT_SHARE and (header_less or headed) and profile.date_years <= 15:
        # "Zeitstempel", "受付日時", "Enq Dt": a column of recent dates under a header not understood
        score = W.content_date - (W.headed_date_penalty if headed and not header_less else 0.0)
        out.append(Evidence("created_at", score, f"{profile.date:.0%} of values are dates", "content"))
    categorical = profile.count >= 5 and profile.distinct < S.distinct_names
    org_needed = S.org if header_less or not headed else CONTENT_SHARE
    if profile.org >= org_needed and profile.org > profile.person and not categorical and profile.prose < 0.5:
        out.append(
            Evidence(
                "company", W.content_company, f"{profile.org:.0%} of values are organisation names (legal form or trade word)", "content"
            )
        )
    elif profile.person >= CONTENT_SHARE and (header_less or profile.given >= S.unknown_given):
        # under a header not understood, people's names need given names ("Rompiendo el Techo" is an event)
        # known given names rank people's names above other capitalised words ("Palo Alto", "Nova Mutum"),
        # and names that repeat (the same few staff on every row) below names that differ row by row
        score = _by_share(W.content_person, profile.person) + 10.0 * min(profile.given, 1.0) - 10.0 * (1.0 - profile.distinct)
        out.append(Evidence("full_name", score, f"{profile.person:.0%} of values look like people's names", "content"))
    return out


def confirm(e: Evidence, profile: Profile, role: bool = False, gated: bool = False) -> list[Evidence]:
    """Check a header-based candidate against the column's content: confirm, correct or veto."""
    field, score, reason = e.field, e.score, e.reason
    if profile.count < 1:
        return [e]
    few = profile.count < 3  # one or two values: correct, but keep the header's reading as a fallback
    fix = W.corrected - (10.0 if few else 0.0)
    keep = [Evidence(field, score - 20.0, reason, e.source)] if few else []
    if field != "email" and profile.email >= CONTENT_SHARE:
        return [Evidence("email", fix, f"{reason}, but {profile.email:.0%} of values are email addresses", "corrected"), *keep]
    if (
        field not in ("phone", "postcode", "created_at")
        and profile.phone >= CONTENT_SHARE
        and profile.email < S.contradict
        and field in ESSENTIAL + ("notes",)
    ):
        return [Evidence("phone", fix - 1, f"{reason}, but {profile.phone:.0%} of values are phone numbers", "corrected"), *keep]
    if few:
        if (role or field == "full_name") and field in NAME_FIELDS and profile.org >= 1.0:
            # one or two values under "Name"/"Client", each a business by its legal form or trade word
            why = f"{reason}, but every value is an organisation name (legal form or trade word)"
            return [Evidence("company", score - 1.0, why, "corrected"), Evidence(field, score - 20.0, reason, "header")]
        return [e]
    if field == "email" and profile.email_loose < S.contradict:
        # The header says email: addresses with an unusual domain ("ann@127.0.0.1") count too.
        return [Evidence(field, score - W.vetoed, f"{reason}; only {profile.email:.0%} of values are emails", "header")]
    if field == "phone" and profile.phone_loose < S.contradict:
        # The header says phone: bare local numbers count too ("91234567"), not only shaped ones.
        return [Evidence(field, score - W.vetoed, f"{reason}; only {profile.phone:.0%} of values are phone numbers", "header")]
    if field == "job_title" and profile.long >= CONTENT_SHARE:
        # "Need more information about product -> X", "Bakery in town | Shop": a record's or page's title
        return [
            Evidence(field, score - W.vetoed - 1.0, f"{reason}; {profile.long:.0%} of values are long titles, not job titles", "header")
        ]
    if field == "job_title" and profile.salutation >= S.salutations:
        return [Evidence(field, score - W.vetoed, f"{reason}; {profile.salutation:.0%} of values are salutations (Mr, Mrs, Dr)", "header")]
    if gated and field == "full_name" and profile.person < S.person_for_lead and profile.numbered < CONTENT_SHARE:
        # numbered placeholders ("Test Lead 1", "Lead 2") stand for people; a deal's title does not
        return [Evidence(field, score - W.vetoed, f"{reason}; only {profile.person:.0%} of values look like people's names", "header")]
    if field in _PARTY_FIELDS and e.score < W.exact - 5.0 and profile.count >= 8 and profile.distinct < S.categorical:
        # "Business line", "Segment name" over a few values repeated: a category, never a name or a company
        why = f"{reason}; only {profile.distinct:.0%} of values differ (a category)"
        return [Evidence(field, score - W.vetoed, why, "header")]
    if field == "website" and profile.url < S.contradict and e.score < W.exact - 5.0:
        # "status_site", "Website status" read as the site: values with no web address say otherwise
        return [Evidence(field, score - W.vetoed, f"{reason}; only {profile.url:.0%} of values are web addresses", "header")]
    if field == "website" and profile.social >= S.social:
        return [Evidence(field, score - W.vetoed, f"{reason}; {profile.social:.0%} of values are social-media profiles", "header")]
    if field == "status" and profile.code2 >= S.codes:
        return [Evidence(field, score - W.vetoed, f"{reason}; values are region or country codes", "header")]
    org_like = profile.org >= S.org_correct and profile.org > profile.person and profile.org > profile.given
    if field in ("first_name", "last_name") and not role:
        # a surname column with some companies among the people is still the surname
        org_like = org_like and profile.org >= CONTENT_SHARE
    if field in NAME_FIELDS + ("job_title",) and org_like and (field != "job_title" or role):
        why = f"{profile.org:.0%} of values are organisation names (legal form or trade word)"
        return [Evidence("company", score - 1.0, f"{reason}, but {why}", "corrected"), Evidence(field, score - 20.0, reason, "header")]
    if field == "company" and role and profile.person >= S.person_for_role and profile.org < 0.1:
        why = f"{profile.person:.0%} of values look like people's names"
        return [Evidence("full_name", score - 1.0, f"{reason}, but {why}", "corrected"), Evidence(field, score - 20.0, reason, "header")]
    if field == "first_name" and profile.person >= S.whole_names:
        return [e, Evidence("full_name", score - 5.0, f"{reason}; values are whole names", "header")]
    return [e]


@dataclass(frozen=True, slots=True)
class ColumnEvidence:
    """Everything collected about one column."""

    index: int
    label: str | None
    name: str
    evidence: tuple[Evidence, ...]
    profile: Profile
    forced: tuple[str | None, str] | None = None
    """An override: (field or None for extra data, reason)."""
    refused: str | None = None
    secondary: bool = False
    contact: Profile | None = None
    """For a header naming the person who runs a business ("Owner", "Inhaber", "代表者"): the
    profile of each value's first person ("Ann Lee; Bo Chan" reads "Ann Lee")."""


def collect_evidence(
    labels: Sequence[str | None],
    samples: Sequence[Sequence[str]] | None = None,
    overrides: Mapping[str, str | None] | None = None,
    previous: Mapping[str, str] | None = None,
    field_labels: Sequence[str | None] | None = None,
) -> list[ColumnEvidence]:
    """Step 1: the evidence for every column, from configuration, history, header and content."""
    width = len(labels)
    samples = samples or [[] for _ in range(width)]
    names = unique_names(labels)
    over = {normalize_header(k): v for k, v in (overrides or {}).items()}
    over.update({k.upper(): v for k, v in (overrides or {}).items() if k.isalpha() and len(k) <= 3})
    header_less = not any(labels)
    prefix = _table_prefix(labels)
    out: list[ColumnEvidence] = []
    for i, label in enumerate(labels):
        profile = Profile.of(samples[i] if i < len(samples) else [])
        norm = normalize_header(label) if label else ""
        low = field_labels[i] if field_labels and i < len(field_labels) and field_labels[i] else None
        if prefix and (low or label or "").lower().startswith(prefix):
            low = (low or label or "")[len(prefix) :]  # "kun_firmename" of a table whose every column starts "kun_"
        letter = column_name(i)
        keys = [k for k in (norm, normalize_header(low or ""), normalize_header(names[i]), f"column {letter.lower()}", letter) if k]
        hit = next((k for k in keys if k in over), None)
        if hit is not None:
            target = over[hit] if over[hit] not in (None, IGNORE, "") else None
            why = f"override in config: {label or names[i]!r} -> {target or 'extra data'}"
            ev = (Evidence(target, W.override, why, "override"),) if target else ()
            out.append(ColumnEvidence(i, label, names[i], ev, profile, forced=(target, why)))
            continue
        evidence: list[Evidence] = []
        if previous and label and previous.get(label):
            evidence.append(
                Evidence(previous[label], W.previous, f"header {label!r} mapped to {previous[label]} at the last sync", "previous")
            )
        reading = read_header(low) if low and low != label else HeaderReading()
        if not reading.evidence and not reading.refused:
            reading = read_header(label)
        role = _is_role(norm) or _is_role(normalize_header(low or ""))
        gated = norm in _GATED or (bool(norm) and norm.split()[-1] in _GATED)
        for e in reading.evidence:
            evidence.extend(confirm(e, profile, role, gated))
        if not reading.evidence and (not reading.refused or reading.ambiguous):
            # Unrecognised, or naming two fields ("Email or phone"): the values decide, if they can
            # A header that says "time" or "date" of something not understood ("Event Time",
            # "Opening Balance At") is another date: its values do not make it the created date.
            headed = bool(label) and not _dates_something_else(norm)
            for e in content_evidence(profile, header_less or not label, headed=headed):
                why = (
                    f"header {label!r} not recognised; "
                    if label and not reading.refused
                    else f"{reading.refused}; "
                    if label
                    else "no header; "
                )
                evidence.append(Evidence(e.field, e.score, why + e.reason, e.source))
        contact = None
        if not reading.evidence and label and (_contact_person_header(norm) or _contact_person_header(normalize_header(low or ""))):
            contact = Profile.of([_FIRST_PERSON.split(v, 1)[0] for v in (samples[i] if i < len(samples) else [])])
        out.append(
            ColumnEvidence(
                i, label, names[i], tuple(evidence), profile, refused=reading.refused, secondary=reading.secondary, contact=contact
            )
        )
    out = _name_columns_by_content(out) if header_less else _same_as_company(_contact_people(_business_listing(out)), samples)
    return _one_dated_column(out)


def _same_as_company(cols: list[ColumnEvidence], samples: Sequence[Sequence[str]]) -> list[ColumnEvidence]:
    """
    A party column ("Customer Name", "Display Name") whose values are, row by row, mostly those of
    the company column is the account's name: a business (Zoho, QuickBooks and Odoo exports name
    the customer after its company). It is not the person's name; the company column keeps the
    company, and this one is extra data unless the company has no better column.
    """
    company = [
        c for c in cols if any(e.field == "company" and e.source in ("header", "previous") and e.score >= W.confident for e in c.evidence)
    ]
    if len(company) != 1 or company[0].index >= len(samples):
        return cols
    theirs = samples[company[0].index]
    out = list(cols)
    for c in cols:
        if c is company[0] or c.forced or c.index >= len(samples) or not c.evidence:
            continue
        named = [e for e in c.evidence if e.field in NAME_FIELDS]
        if not named or not _is_role(normalize_header(c.label or "")):
            continue
        top = max(named, key=lambda e: e.score)
        pairs = [(a.strip().lower(), b.strip().lower()) for a, b in zip(samples[c.index], theirs) if a.strip() and b.strip()]
        same = sum(a == b for a, b in pairs)
        if len(pairs) < 3 or same < 0.6 * len(pairs):
            continue
        why = f"{top.reason}, but {same} of {len(pairs)} values are those of company column {company[0].name!r} row by row"
        rest = tuple(e for e in c.evidence if e.field not in NAME_FIELDS and e.field != "company")
        company_score = max([top.score - 10.0] + [e.score for e in c.evidence if e.field == "company"])
        out[c.index] = replace(c, evidence=(Evidence("company", company_score, why, "corrected"), *rest))
    return out


_FIRST_PERSON = re.compile(r"\s*[;|/\n]\s*")
"""Separators of several people in one cell ("Ann Lee; Bo Chan"): the first is the contact."""
_NAME_OF_HEADER = _NAME_HEADS | frozenset(
    {"names", "nume", "nimi", "nama", "isim", "ten", "имя", "фио", "ім я", "όνομα", "onoma", "שם", "اسم", "नाम", "ชื่อ"}
)
_CJK_NAME_TAILS = ("姓名", "氏名", "名前", "名称", "이름", "성명", "名", "명")


def _contact_person_header(norm: str) -> bool:
    """
    Does a header name the person who runs a business ("Owner", "owner_name", "Nome do
    proprietário", "Inhaber", "代表者名")? Not a lead field by its words alone: see ``_contact_people``.
    """
    if not norm:
        return False
    if norm in CONTACT_PERSON:
        return True
    words = norm.split()
    rest = [w for w in words if w not in _NAME_OF_HEADER and w not in _OF_WORDS and w not in _ARTICLES]
    if rest and len(rest) < len(words) and " ".join(rest) in CONTACT_PERSON:
        return True
    if _is_cjk(norm):
        bare = norm.replace(" ", "")
        return any(bare.endswith(t) and bare[: -len(t)] in CONTACT_PERSON for t in _CJK_NAME_TAILS)
    return False


def _contact_people(cols: list[ColumnEvidence]) -> list[ColumnEvidence]:
    """
    The person who runs a listed business ("Owner", "Inhaber", "Gérant", "代表者") is the lead's
    contact in a sheet of businesses (a company or web-address column) that has no other name
    column, when the values are distinct people's names. The same words in a CRM export name the
    seller's own staff: a few names repeated, e-mail addresses, or a sheet that already names the
    lead; those stay extra data.
    """
    cands = [c for c in cols if c.contact is not None and not c.forced]
    if not cands:
        return cols

    def best(c: ColumnEvidence, fields: Sequence[str]) -> float:
        return max((e.score for e in c.evidence if e.field in fields), default=0.0)

    others = [c for c in cols if c.contact is None]
    if any(best(c, NAME_FIELDS) >= W.minimum for c in others):
        return cols
    if not any(best(c, ("company", "website")) >= W.confident for c in others):
        return cols
    out = list(cols)
    for c in cands:
        p = c.contact
        assert p is not None
        if p.count < 3 or p.distinct < 0.8 or p.person < S.person_for_lead or p.org >= 0.2 or p.email or p.phone:
            continue
        if p.given < S.unknown_given and p.salutation < S.salutations:
            continue
        why = (
            f"header {c.label!r} names the person who runs the business; the sheet lists businesses with no other name column "
            f"and {p.person:.0%} of values are distinct people's names ({p.given:.0%} with a known given name)"
        )
        out[c.index] = replace(c, evidence=(Evidence("full_name", _by_share(W.content_person, p.person), why, "content"), *c.evidence))
        break
    return out


def _is_role(norm: str) -> bool:
    """A header naming a party without saying person or business ("Name", "Client", "name_en")."""
    if not norm:
        return False
    words = norm.split()
    if len(words) > 1 and len(words[-1]) == 2 and words[-1].isalpha():
        words = words[:-1]  # "name_en", "title_ru": the name in one language
    return norm in _ROLE_WORDS or " ".join(words) in _ROLE_WORDS


def _business_listing(cols: list[ColumnEvidence]) -> list[ColumnEvidence]:
    """
    A sheet of web addresses with no company column is a listing of businesses (map scrapes,
    directories, B2B prospect lists): its one party column under a header that does not say
    person or business ("Name", "Title", "Client") is the company when its values carry no given
    names and some business signs (legal forms, trade words, digits, five words or more).
    """
    header_company = any(
        e.field == "company" and e.source in ("header", "previous", "override") and e.score >= W.confident for c in cols for e in c.evidence
    )
    web = any(e.field == "website" and e.score >= W.confident for c in cols for e in c.evidence)
    if header_company:
        return cols
    out = list(cols)
    first = False
    # a "Name" column before a "Title" one (a page or record title may stand beside it)
    for c in sorted(cols, key=lambda c: "title" in normalize_header(c.label or "")):
        if c.forced or not c.evidence or not (_is_role(normalize_header(c.label or ""))):
            continue
        top = max(c.evidence, key=lambda e: e.score)
        p = c.profile
        if top.field == "company" and top.source == "corrected":
            # its organisation names already made it the company; a second such column is no one's name
            if first:
                out[c.index] = replace(c, evidence=tuple(e for e in c.evidence if e.field not in NAME_FIELDS))
            first = True
            continue
        if top.field not in (*NAME_FIELDS, "job_title") or top.source != "header" or p.count < (1 if web else 3):
            continue
        # with web addresses, distinct one-word brands ("Driebit", "dpdk") are business signs too
        signs = p.org + p.nonperson + (p.lone_word if web and p.distinct >= 0.9 else 0.0)
        if p.given >= S.listing_given or p.salutation >= S.salutations or signs < S.listing_signs or p.prose >= 0.5:
            continue
        if p.same_first >= 0.5:
            continue  # "Lead 1", "Usuario 1053": numbered placeholders for people
        if not web and (p.given >= S.listing_signs / 2 or p.org + p.nonperson < CONTENT_SHARE or p.count < 5):
            continue  # without web addresses, most values must look like businesses
        context = "web addresses, no company column" if web else "no company column"
        why = (
            f"{top.reason}, but the sheet lists businesses ({context}): "
            f"{1 - p.given:.0%} of values carry no given name, {p.org + p.nonperson:.0%} look like businesses"
        )
        # the first such column keeps its name reading as a fallback; a second one ("name_en" beside "name") loses it
        drop = 20.0 if not first else W.vetoed + 1.0
        rest = tuple(replace(e, score=e.score - drop) if e is top else e for e in c.evidence)
        out[c.index] = replace(c, evidence=(Evidence("company", top.score, why, "corrected"), *rest))
        first = True
    return out


_PREFIXED = re.compile(r"^([A-Za-z]{2,5})_[A-Za-z]")


def _table_prefix(labels: Sequence[str | None]) -> str | None:
    """
    The short table prefix that most headers of a database export share ("kun_firmename",
    "kun_telefon", "kun_plz"): read without it. A prefix that is itself a field word ("phone_1",
    "lead_email") is not a table's.
    """
    heads = [m.group(1).lower() for m in (_PREFIXED.match(x) for x in labels if x) if m]
    if len(heads) < 3:
        return None
    top = max(set(heads), key=heads.count)
    if heads.count(top) < 0.6 * sum(1 for x in labels if x) or top in LOOKUP or top in _ID_WORDS:
        return None
    return top + "_"


def _one_dated_column(cols: list[ColumnEvidence]) -> list[ColumnEvidence]:
    """Dates under unrecognised headers say "created" only when one column alone has them: of two, neither is sure."""
    dated = [c for c in cols if c.label and any(e.field == "created_at" and e.source == "content" for e in c.evidence)]
    if len(dated) < 2:
        return cols
    drop = {c.index for c in dated}
    return [
        replace(c, evidence=tuple(e for e in c.evidence if not (e.field == "created_at" and e.source == "content")))
        if c.index in drop
        else c
        for c in cols
    ]


def _name_columns_by_content(cols: list[ColumnEvidence]) -> list[ColumnEvidence]:
    """
    In a sheet with no header, columns of single name words are names: two side by side are
    first and last name (family name first when the names are CJK), one alone the full name.
    """
    out = list(cols)
    for c in cols:
        p = c.profile
        if not c.evidence and p.count and p.cjk >= S.decide and p.given >= S.decide:
            # "王小明", "김민준": whole names opening with a family name, not one half of a name
            why = f"no header; {p.given:.0%} of values are CJK names opening with a common family name"
            out[c.index] = replace(c, evidence=(Evidence("full_name", _by_share(W.content_person, p.given), why, "content"),))
    cols = out
    # single name words, or a compound surname now and then ("De Luca", "van Dijk")
    namey = [c.index for c in cols if not c.evidence and c.profile.count and c.profile.name_word + c.profile.person >= 0.8]

    def named(a: int) -> bool:
        # a pair of names holds some known given names (or is CJK): cities and states, match types and devices do not
        pa, pb = cols[a].profile, cols[a + 1].profile
        if max(pa.name_word, pb.name_word) < S.name_words:
            return False
        if max(pa.given_single, pb.given_single) >= 0.1 or max(pa.cjk, pb.cjk) >= 0.5:
            return True
        # names differ row by row, places and categories repeat; a few rows cannot tell, and keep the old reading
        return min(pa.count, pb.count) < 5 or min(pa.distinct, pb.distinct) >= 0.9

    pairs = [(a, a + 1) for a in namey if a + 1 in namey and named(a)]
    if not pairs:
        return cols

    def given(ab: tuple[int, int]) -> float:
        return max(cols[ab[0]].profile.given_single, cols[ab[1]].profile.given_single)

    # the leftmost pair, unless a later one clearly holds the known given names ("Role, Surname, Given")
    a, b = pairs[0]
    later = max(pairs, key=given)
    if given(later) >= 0.5 and given(later) >= given((a, b)) + 0.3:
        a, b = later
    ga, gb = cols[a].profile.given_single, cols[b].profile.given_single
    family_first = cols[a].profile.cjk >= 0.5 or (gb >= 0.5 and gb >= ga + 0.3)
    first, last = (b, a) if family_first else (a, b)
    order = (
        "family name first (CJK names)"
        if cols[a].profile.cjk >= 0.5
        else f"family name first ({gb:.0%} known given names in the second)"
        if family_first
        else "given name first"
    )
    out = list(cols)
    for idx, field in ((first, "first_name"), (last, "last_name")):
        c = cols[idx]
        why = f"no header; {c.profile.name_word:.0%} of values are single name words, beside another such column ({order})"
        score = _by_share(W.content_person, c.profile.name_word + c.profile.person)
        out[idx] = ColumnEvidence(c.index, c.label, c.name, (Evidence(field, score, why, "content"),), c.profile)
    return out


@dataclass(frozen=True, slots=True)
class Assignment:
    """Step 2's result: the chosen field per column and the secondary contact columns."""

    chosen: dict[int, Evidence]
    secondary: dict[int, Evidence]


def assign_fields(columns: Sequence[ColumnEvidence]) -> Assignment:
    """
    Step 2: take candidates best first; each field goes to one column. Further phone and email
    columns are secondary when their header says so ("Mobile", "Work email"), or, in a sheet
    with no header, when their content does: an unknown header over digits may be an id.
    """
    cands = [(e, c.index) for c in columns for e in c.evidence]
    cands.sort(key=lambda ci: (-ci[0].score, ci[1], ci[0].field))
    taken: set[str] = set()
    chosen: dict[int, Evidence] = {}
    forced = {c.index: c.forced for c in columns if c.forced}
    for e, i in cands:
        if e.score < W.minimum or e.field in taken or i in chosen:
            continue
        if i in forced and forced[i][0] != e.field:
            continue
        taken.add(e.field)
        chosen[i] = e
    chosen = _repair_names(chosen, columns)
    secondary: dict[int, Evidence] = {}
    header_less = not any(c.label for c in columns)
    for e, i in cands:
        if i in chosen or i in secondary or i in forced or e.field not in MULTI_FIELDS:
            continue
        if e.source == "content" and not header_less:
            continue
        if e.score >= W.secondary_min and any(x.field == e.field for x in chosen.values()):
            secondary[i] = e
    return Assignment(chosen, secondary)


def _repair_names(chosen: dict[int, Evidence], columns: Sequence[ColumnEvidence]) -> dict[int, Evidence]:
    """
    Name columns read together:

    - a first name with a generic "Name"/"Nom" column of single words beside it: that column
      is the last name (CRM exports write ``firstName, name``);
    - a first name with an unmapped column of single name words next to it and no last name:
      that column is the last name; and a last name with no first name, the first name
      ("Име" beside "Фамилия", "Pangalan" beside "Apelyido");
    - a lone first or last name column with no full name is the person's whole name.
    """
    chosen = dict(chosen)
    fields = {e.field: i for i, e in chosen.items()}
    if "last_name" in fields and "first_name" not in fields and "full_name" in fields:
        full = fields["full_name"]
        p = columns[full].profile
        generic = normalize_header(columns[full].label or "") in _ROLE_WORDS
        if generic and chosen[full].source != "override" and (not p.count or (p.name_word >= 0.6 and p.person < 0.3)):
            why = f"{chosen[full].reason}; beside last-name column {columns[fields['last_name']].name!r}, so the first name"
            chosen[full] = Evidence("first_name", chosen[full].score, why, chosen[full].source)
            fields = {e.field: i for i, e in chosen.items()}
    if "first_name" in fields and "last_name" not in fields:
        f = fields["first_name"]
        named = fields.get("full_name")
        if named is not None and normalize_header(columns[named].label or "") in _ROLE_WORDS and chosen[named].source != "override":
            full = named
            p = columns[full].profile
            if not p.count or (p.name_word >= 0.6 and p.person < 0.3):
                why = f"{chosen[full].reason}; beside first-name column {columns[f].name!r} and holding single words, so the last name"
                chosen[full] = Evidence("last_name", chosen[full].score, why, chosen[full].source)
        else:
            for j in (f + 1, f - 1):
                if 0 <= j < len(columns) and j not in chosen and not columns[j].refused and not columns[j].forced:
                    p = columns[j].profile
                    if p.count and p.name_word >= S.name_words:
                        why = f"{p.name_word:.0%} of values are single name words, beside first-name column {columns[f].name!r}"
                        chosen[j] = Evidence("last_name", W.content_person, why, "content")
                        break
        fields = {e.field: i for i, e in chosen.items()}
    if "last_name" in fields and "first_name" not in fields and "full_name" not in fields:
        last = fields["last_name"]
        for j in (last - 1, last + 1):
            if 0 <= j < len(columns) and j not in chosen and not columns[j].refused and not columns[j].forced:
                p = columns[j].profile
                if p.count and p.name_word >= S.name_words:
                    why = f"{p.name_word:.0%} of values are single name words, beside last-name column {columns[last].name!r}"
                    chosen[j] = Evidence("first_name", W.content_person, why, "content")
                    fields = {e.field: i for i, e in chosen.items()}
                    break
    if "full_name" in fields or ("first_name" in fields) == ("last_name" in fields):
        return chosen
    field = "first_name" if "first_name" in fields else "last_name"
    i = fields[field]
    if chosen[i].source == "override":
        return chosen
    norm = normalize_header(columns[i].label or "")
    explicit = any(w in norm for w in ("first", "last", "given", "family", "sur", "fore", "vor", "nach"))
    if explicit and columns[i].profile.person < S.whole_names:
        return chosen
    if not columns[i].label:
        return chosen
    e = chosen[i]
    chosen[i] = Evidence("full_name", e.score, f"{e.reason}; no other name column, so taken as the full name", e.source)
    return chosen


def explain(columns: Sequence[ColumnEvidence], assignment: Assignment) -> ColumnMapping:
    """Step 3: one decision per column with its reason, and the confidence gate's review notes."""
    chosen, secondary = assignment.chosen, assignment.secondary
    holder = {e.field: columns[i].name for i, e in chosen.items()}
    decisions = []
    for c in columns:
        i = c.index
        if i in chosen:
            e = chosen[i]
            decisions.append(ColumnDecision(i, c.label, c.name, e.field, e.score, e.reason))
            continue
        if i in secondary:
            e = secondary[i]
            why = f"{e.reason}; a further {e.field} beside column {holder[e.field]!r} (kept on the lead as a secondary {e.field})"
            decisions.append(ColumnDecision(i, c.label, c.name, None, e.score, why, also=e.field))
            continue
        if c.forced:
            decisions.append(ColumnDecision(i, c.label, c.name, None, 0.0, c.forced[1]))
            continue
        if c.refused:
            decisions.append(ColumnDecision(i, c.label, c.name, None, 0.0, f"{c.refused}; kept as extra data"))
            continue
        lost = next((e for e in sorted(c.evidence, key=lambda e: -e.score) if e.score >= W.confident and e.field in holder), None)
        weak = next((e for e in sorted(c.evidence, key=lambda e: -e.score) if 0 < e.score < W.minimum), None)
        if lost:
            why = f"{lost.reason}; but column {holder[lost.field]!r} holds {lost.field} on better evidence; kept as extra data"
        elif weak:
            why = f"{weak.reason}; kept as extra data"
        elif c.evidence:
            best = max(c.evidence, key=lambda e: e.score)
            why = f"{best.reason}; column {holder.get(best.field, '?')!r} holds {best.field}; kept as extra data"
        else:
            why = ("blank header" if not c.label else f"header {c.label!r} matches no lead field") + "; kept as extra data"
        decisions.append(ColumnDecision(i, c.label, c.name, None, 0.0, why))
    return ColumnMapping(tuple(decisions), tuple(_review(columns, chosen)))


_GROUP = {"full_name": "name", "first_name": "name", "last_name": "name"}
"""A name column read as full, first or last name is one question, settled by ``_repair_names``."""


def _review(columns: Sequence[ColumnEvidence], chosen: dict[int, Evidence]) -> list[str]:
    """
    The confidence gate: an essential field taken on weak evidence, or on evidence tied with
    another column's for the same field, or from a column whose content is equally another
    essential field. Overrides and last sync's mapping are never flagged.
    """
    notes = []
    for i, e in sorted(chosen.items()):
        if e.field not in ESSENTIAL or e.source in ("override", "previous"):
            continue
        rivals = [
            (c.name, x)
            for c in columns
            for x in c.evidence
            if x.field == e.field
            and c.index != i
            and c.index not in chosen
            and abs(x.score - e.score) < W.tie
            and e.field not in MULTI_FIELDS
        ]
        group = _GROUP.get(e.field, e.field)
        same_col = [
            x for x in columns[i].evidence if _GROUP.get(x.field, x.field) != group and x.field in ESSENTIAL and e.score - x.score < W.tie
        ]
        if e.score < W.confident:
            why = f"weak evidence ({e.reason})"
        elif rivals:
            why = "tied with " + ", ".join(f"column {n!r} ({x.reason})" for n, x in rivals[:3])
        elif same_col:
            why = "column could equally be " + ", ".join(f"{x.field} ({x.reason})" for x in same_col[:2])
        else:
            continue
        notes.append(f"{e.field} -> column {columns[i].name!r}: {why}")
    return notes


def map_columns(
    labels: Sequence[str | None],
    samples: Sequence[Sequence[str]] | None = None,
    overrides: Mapping[str, str | None] | None = None,
    previous: Mapping[str, str] | None = None,
    field_labels: Sequence[str | None] | None = None,
) -> ColumnMapping:
    """
    Map columns to canonical fields: collect the evidence, assign fields, explain.

    Args:
        labels: one header label per column (``None`` for a blank header or no header).
        samples: one list of sample values per column (data rows below the header).
        overrides: header label (or column letter) -> field, or ``"ignore"``/``None`` to keep
            the column as extra data. Wins over everything.
        previous: header label -> field from the last successful sync.
        field_labels: for a multi-row header, the lowest label of each column; read before the
            combined label, which stays the column's name.

    Returns:
        A ``ColumnMapping`` with one decision per column and the review notes.
    """
    columns = collect_evidence(labels, samples, overrides, previous, field_labels)
    return explain(columns, assign_fields(columns))
