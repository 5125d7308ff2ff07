"""
Lead vocabulary: the header words that name each canonical field, as data.

``VOCABULARY`` holds, per language (ISO 639-1 code), the words people and exports use for each
field, written as they appear in sheets (accents, scripts and case as typed); they are folded
with ``text.normalize_header`` when the lookup tables are built, so an entry never has to be
pre-normalised. To add a language or a synonym, add a line here and nothing else:
``tests/test_vocabulary.py`` checks that every entry maps to its field.

A folded word that means different things in different languages ("nom" is a surname in
French forms, "ad" a first name in Turkish) keeps the meaning of the language listed first;
``AMBIGUOUS`` names such words, and content decides where it can (``mapping``).

``NOT_LEAD`` lists headers that name something close to a lead field but not it (fax numbers,
middle names, birth dates, owners and other internal people, states/regions): a column headed
so is kept as extra data even when its values would fit a field.
"""

from __future__ import annotations

from .text import normalize_header

VOCABULARY: dict[str, dict[str, tuple[str, ...]]] = {
    "en": {
        "full_name": (
            "name", "full name", "fullname", "contact name", "contact", "customer name",
            "client name", "your name", "person", "applicant", "applicant name", "attendee",
            "attendee name", "prospect", "prospect name", "member name", "patient name",
            "student name", "display name", "contact person", "decision maker",
            "decision maker name", "participant", "participant name", "customer", "client",
            "full name of contact", "primary contact", "point of contact", "user name", "lead",
            "lead name",
        ),
        "first_name": (
            "first name", "firstname", "forename", "given name", "first", "fname",
            "christian name", "f name", "first nm", "contact first name",
        ),
        "last_name": (
            "last name", "lastname", "surname", "family name", "last", "lname", "second name",
            "l name", "last nm", "contact last name",
        ),
        "email": (
            "email", "e mail", "email address", "e mail address", "mail", "email id", "emails",
            "work email", "business email", "personal email", "contact email", "your email",
            "primary email", "email 1", "e mail 1", "mail address",
        ),
        "phone": (
            "phone", "phone number", "telephone", "telephone number", "tel", "tel no",
            "tel number", "mobile", "mobile number", "mobile phone", "mob", "cell", "cell phone",
            "cellphone", "contact number", "phone no", "number", "landline", "work phone",
            "home phone", "whatsapp", "whatsapp number", "your phone", "best number", "ph no",
            "ph", "phone 1", "primary phone", "business phone", "office phone", "direct phone",
            "national phone", "international phone", "contact no", "mobile no", "phone num",
            "telephone no", "whats app", "mob no", "cell no",
            # generic contact headers: a phone unless the values are emails (content decides)
            "contact info", "contact information", "contact details",
        ),
        "company": (
            "company", "company name", "organisation", "organization", "organisation name",
            "organization name", "business", "business name", "employer", "firm", "account",
            "account name", "brand", "practice", "trading name", "org", "org name", "entity",
            "entity name", "legal name", "supplier", "supplier name", "vendor", "vendor name",
            "store name", "shop name", "place name", "listing name", "venue", "company org",
            "agency",
        ),
        "job_title": (
            "job title", "title", "position", "role", "job", "job role", "designation",
            "occupation", "jobtitle", "job function", "contact role", "contact title",
            "headline",
        ),
        "source": (
            "source", "lead source", "channel", "platform", "origin", "utm source", "medium",
            "utm medium", "referral", "referrer", "how did you hear about us", "traffic source",
            "acquisition channel",
        ),
        "campaign": (
            "campaign", "campaign name", "ad campaign", "utm campaign", "ad name", "ad set",
            "adset", "ad set name", "adset name", "form name", "ad group",
        ),
        "status": (
            "status", "lead status", "stage", "lead stage", "pipeline stage", "outcome",
            "disposition", "result", "contact status", "deal stage",
        ),
        "created_at": (
            "date", "created", "created at", "created time", "created date", "date created",
            "date added", "added", "submitted", "submitted at", "submission date",
            "submitted on", "timestamp", "created on", "lead date", "received", "date received",
            "enquiry date", "inquiry date", "signup date", "sign up date", "registration date",
            "registered", "registered at", "optin time", "opt in time", "opt in date",
            "creation date", "scraped at", "date submitted", "entry date", "connected on",
        ),
        "notes": (
            "notes", "note", "comments", "comment", "message", "remarks", "details", "enquiry",
            "inquiry", "additional info", "additional information", "your message", "body",
            "requirement", "requirements", "bio", "memo", "description",
        ),
        "address": (
            "address", "street", "street address", "address line 1", "address 1", "address1",
            "postal address", "home address", "full address", "formatted address",
            "address line", "address street", "street 1", "address formatted", "location address",
        ),
        "city": (
            "city", "town", "town city", "locality", "address city", "suburb",
        ),
        "postcode": (
            "postcode", "post code", "postal code", "zip", "zip code", "zipcode", "postalcode",
            "address postal code", "address postcode", "address zip", "pin code", "pincode",
        ),
        "country": (
            "country", "nation", "country region", "country code", "address country",
        ),
        "website": (
            "website", "web site", "url", "web", "site", "homepage", "domain",
            "company website", "web page", "webpage", "website url", "home page",
        ),
    },
    "de": {
        "full_name": ("vollständiger name", "kontakt", "ansprechpartner", "kunde", "kundenname"),
        "first_name": ("vorname",),
        "last_name": ("nachname", "familienname", "zuname"),
        "email": ("e-mail-adresse", "emailadresse", "mailadresse", "e-mail adresse", "email adresse"),
        "phone": ("telefon", "telefonnummer", "handy", "handynummer", "mobilnummer", "rufnummer", "mobiltelefon", "tel.-nr.", "kontaktdaten"),
        "company": ("firma", "firmenname", "unternehmen", "betrieb"),
        "job_title": ("berufsbezeichnung", "funktion", "position im unternehmen"),
        "source": ("quelle", "herkunft"),
        "campaign": ("kampagne",),
        "created_at": ("datum", "erstellt", "erstellt am", "eingangsdatum", "anfragedatum"),
        "notes": ("notizen", "notiz", "bemerkungen", "bemerkung", "kommentar", "nachricht"),
        "address": ("adresse", "straße", "anschrift", "strasse und hausnummer"),
        "city": ("stadt", "ort", "wohnort"),
        "postcode": ("postleitzahl", "plz"),
        "country": ("land",),
        "website": ("webseite", "internetseite", "homepage"),
    },
    "es": {
        "full_name": ("nombre completo", "contacto", "cliente", "nombre y apellidos", "nombre del cliente"),
        "first_name": ("nombre", "nombres"),
        "last_name": ("apellido", "apellidos"),
        "email": ("correo", "correo electrónico", "email electrónico", "e-mail", "correo electronico"),
        "phone": ("teléfono", "móvil", "celular", "número de teléfono", "teléfono móvil", "tel.", "datos de contacto"),
        "company": ("empresa", "nombre de la empresa", "compañía", "razón social", "negocio"),
        "job_title": ("cargo", "puesto"),
        "source": ("fuente", "origen", "canal"),
        "campaign": ("campaña",),
        "status": ("estado", "estatus"),
        "created_at": ("fecha", "fecha de creación", "fecha de alta", "fecha de registro"),
        "notes": ("notas", "comentarios", "mensaje", "observaciones"),
        "address": ("dirección", "calle", "domicilio"),
        "city": ("ciudad", "localidad", "municipio"),
        "postcode": ("código postal", "cp"),
        "country": ("país",),
        "website": ("sitio web", "página web"),
    },
    "fr": {
        "full_name": ("nom complet", "nom et prénom", "prénom et nom"),
        "first_name": ("prénom",),
        "last_name": ("nom", "nom de famille"),
        "email": ("courriel", "adresse email", "adresse e-mail", "adresse mail", "adresse électronique", "mél"),
        "phone": ("numéro de téléphone", "portable", "tel portable", "téléphone portable", "téléphone", "tél", "fixe", "téléphone fixe"),
        "company": ("société", "entreprise", "nom de l'entreprise", "raison sociale", "nom de la société"),
        "job_title": ("poste", "fonction", "titre"),
        "source": ("origine",),
        "campaign": ("campagne",),
        "status": ("statut", "état", "étape"),
        "created_at": ("date de création", "date d'ajout", "date de contact"),
        "notes": ("remarques", "commentaires", "commentaire"),
        "address": ("adresse", "rue", "adresse postale"),
        "city": ("ville", "commune"),
        "postcode": ("code postal",),
        "country": ("pays",),
        "website": ("site web", "site internet"),
    },
    "pt": {
        "full_name": ("nome", "nome completo", "contato", "nome do cliente", "nome do contato"),
        "first_name": ("primeiro nome", "nome próprio"),
        "last_name": ("sobrenome", "último nome", "apelido"),
        "email": ("endereço de email", "endereço de e-mail"),
        "phone": ("telefone", "telemóvel", "número de telefone", "celular", "whatsapp"),
        "company": ("empresa", "nome da empresa", "razão social", "nome fantasia"),
        "job_title": ("profissão", "cargo do contato"),
        "source": ("fonte", "origem"),
        "campaign": ("campanha",),
        "created_at": ("data", "data de criação", "data criação", "data de cadastro"),
        "notes": ("observações", "mensagem", "observação"),
        "address": ("endereço", "morada", "logradouro"),
        "city": ("cidade", "município"),
        "postcode": ("cep", "código postal"),
        "country": ("país",),
        "website": ("site",),
    },
    "nl": {
        "full_name": ("volledige naam", "naam", "klant", "contactpersoon"),
        "first_name": ("voornaam",),
        "last_name": ("achternaam",),
        "email": ("emailadres", "e-mailadres"),
        "phone": ("telefoonnummer", "mobiel", "mobiele nummer", "gsm", "telefoon"),
        "company": ("bedrijf", "bedrijfsnaam", "organisatie"),
        "job_title": ("functie",),
        "source": ("bron", "kanaal"),
        "campaign": ("campagne",),
        "created_at": ("aangemaakt", "aanmaakdatum"),
        "notes": ("opmerkingen", "opmerking", "bericht"),
        "address": ("adres", "straat"),
        "city": ("stad", "plaats", "woonplaats"),
        "postcode": ("postcode",),
        "website": ("webpagina",),
    },
    "it": {
        "full_name": ("nome e cognome", "contatto", "nominativo", "cliente"),
        "first_name": ("nome proprio",),
        "last_name": ("cognome",),
        "email": ("indirizzo email", "indirizzo e-mail", "posta elettronica"),
        "phone": ("cellulare", "numero di telefono", "recapito telefonico", "telefono", "tel."),
        "company": ("azienda", "società", "ragione sociale", "nome attività", "attività", "nome azienda"),
        "job_title": ("ruolo", "posizione", "mansione", "qualifica"),
        "source": ("fonte",),
        "campaign": ("campagna",),
        "status": ("stato",),
        "created_at": ("data di creazione", "data inserimento"),
        "notes": ("note", "commenti", "messaggio"),
        "address": ("indirizzo", "via"),
        "city": ("città", "comune"),
        "postcode": ("cap",),
        "country": ("paese", "nazione"),
        "website": ("sito web", "sito"),
    },
    "no": {
        "full_name": ("navn", "fullt navn", "kontaktperson", "kunde"),
        "first_name": ("fornavn",),
        "last_name": ("etternavn",),
        "email": ("e-post", "epost", "e-postadresse"),
        "phone": ("telefonnummer", "mobil", "mobilnummer", "tlf", "kontaktinfo", "kontaktinformasjon"),
        "company": ("bedrift", "firma", "selskap", "firmanavn"),
        "job_title": ("stilling",),
        "created_at": ("dato", "opprettet"),
        "notes": ("notater", "merknad", "kommentar"),
        "address": ("adresse", "gateadresse"),
        "city": ("poststed", "by", "sted"),
        "postcode": ("postnummer", "postnr"),
        "country": ("land",),
        "website": ("nettside",),
    },
    "sv": {
        "full_name": ("namn", "fullständigt namn", "kontaktperson"),
        "first_name": ("förnamn",),
        "last_name": ("efternamn",),
        "email": ("e-post", "e-postadress", "mejl"),
        "phone": ("telefon", "telefonnummer", "mobilnummer", "mobiltelefon"),
        "company": ("företag", "företagsnamn", "organisation"),
        "job_title": ("befattning", "titel", "roll"),
        "created_at": ("datum", "skapad"),
        "notes": ("anteckningar", "kommentar", "meddelande"),
        "address": ("adress", "gatuadress"),
        "city": ("ort", "stad", "postort"),
        "postcode": ("postnummer",),
        "country": ("land",),
        "website": ("webbplats", "hemsida"),
    },
    "da": {
        "full_name": ("navn", "fulde navn", "kontaktperson", "kunde"),
        "first_name": ("fornavn",),
        "last_name": ("efternavn",),
        "email": ("e-mail", "e-mailadresse"),
        "phone": ("telefon", "telefonnummer", "mobil", "mobilnummer", "tlf"),
        "company": ("virksomhed", "firma", "firmanavn", "selskab"),
        "job_title": ("stilling",),
        "created_at": ("dato", "oprettet"),
        "notes": ("noter", "bemærkninger", "besked"),
        "address": ("adresse", "vejnavn"),
        "city": ("by", "bynavn"),
        "postcode": ("postnummer", "postnr"),
        "website": ("hjemmeside",),
    },
    "fi": {
        "full_name": ("nimi", "koko nimi", "yhteyshenkilö", "asiakas"),
        "first_name": ("etunimi",),
        "last_name": ("sukunimi",),
        "email": ("sähköposti", "sähköpostiosoite", "s-posti"),
        "phone": ("puhelin", "puhelinnumero", "matkapuhelin", "puh"),
        "company": ("yritys", "yrityksen nimi", "organisaatio"),
        "job_title": ("titteli", "tehtävänimike", "asema"),
        "source": ("lähde",),
        "status": ("tila",),
        "created_at": ("päivämäärä", "luotu", "pvm"),
        "notes": ("lisätiedot", "huomiot", "viesti"),
        "address": ("osoite", "katuosoite"),
        "city": ("kaupunki", "paikkakunta"),
        "postcode": ("postinumero",),
        "country": ("maa",),
        "website": ("verkkosivut", "kotisivu"),
    },
    "pl": {
        "full_name": ("imię i nazwisko", "nazwa kontaktu", "osoba kontaktowa", "klient", "kontakt"),
        "first_name": ("imię",),
        "last_name": ("nazwisko",),
        "email": ("adres e-mail", "e-mail", "poczta"),
        "phone": ("telefon", "nr telefonu", "numer telefonu", "komórka", "tel."),
        "company": ("firma", "nazwa firmy", "nazwa dostawcy", "dostawca", "przedsiębiorstwo", "nazwa"),
        "job_title": ("stanowisko", "stanowisko kontaktu"),
        "source": ("źródło",),
        "created_at": ("data utworzenia", "data dodania"),
        "notes": ("uwagi", "notatki", "komentarz"),
        "address": ("adres", "ulica"),
        "city": ("miasto", "miejscowość"),
        "postcode": ("kod pocztowy",),
        "country": ("kraj",),
        "website": ("strona www", "strona internetowa"),
    },
    "cs": {
        "full_name": ("celé jméno", "jméno a příjmení", "kontaktní osoba", "zákazník"),
        "first_name": ("jméno", "křestní jméno"),
        "last_name": ("příjmení",),
        "email": ("e-mailová adresa",),
        "phone": ("telefonní číslo", "mobil", "telefon"),
        "company": ("firma", "společnost", "název firmy"),
        "job_title": ("pozice", "funkce"),
        "created_at": ("datum vytvoření",),
        "notes": ("poznámka", "poznámky"),
        "address": ("adresa", "ulice"),
        "city": ("město", "obec"),
        "postcode": ("psč",),
        "country": ("země", "stát"),
        "website": ("webové stránky", "web"),
    },
    "tr": {
        "full_name": ("ad soyad", "adı soyadı", "isim soyisim", "müşteri", "müşteri adı", "isim"),
        "first_name": ("ad", "adı"),
        "last_name": ("soyad", "soyadı", "soyisim"),
        "email": ("e-posta", "eposta", "e-posta adresi"),
        "phone": ("telefon", "telefon numarası", "cep telefonu", "cep", "gsm"),
        "company": ("şirket", "şirket adı", "firma", "firma adı"),
        "job_title": ("unvan", "pozisyon", "görev"),
        "source": ("kaynak",),
        "status": ("durum",),
        "created_at": ("tarih", "oluşturma tarihi", "kayıt tarihi"),
        "notes": ("notlar", "not", "açıklama"),
        "address": ("adres", "ev adresi"),
        "city": ("şehir", "il"),
        "postcode": ("posta kodu",),
        "country": ("ülke",),
        "website": ("web sitesi",),
    },
    "el": {
        "full_name": ("ονοματεπώνυμο", "πελάτης"),
        "first_name": ("όνομα",),
        "last_name": ("επώνυμο",),
        "email": ("ηλεκτρονικό ταχυδρομείο",),
        "phone": ("τηλέφωνο", "κινητό", "αριθμός τηλεφώνου"),
        "company": ("εταιρεία", "επωνυμία", "επιχείρηση"),
        "job_title": ("θέση",),
        "created_at": ("ημερομηνία",),
        "notes": ("σημειώσεις", "σχόλια"),
        "address": ("διεύθυνση",),
        "city": ("πόλη",),
        "postcode": ("ταχυδρομικός κώδικας", "τκ"),
        "country": ("χώρα",),
    },
    "ru": {
        "full_name": ("фио", "имя и фамилия", "контактное лицо", "клиент", "контакт", "ф.и.о."),
        "first_name": ("имя",),
        "last_name": ("фамилия",),
        "email": ("электронная почта", "почта", "эл. почта", "e-mail"),
        "phone": ("телефон", "номер телефона", "мобильный", "мобильный телефон", "тел."),
        "company": ("компания", "организация", "название организации", "название компании", "название"),
        "job_title": ("должность",),
        "source": ("источник",),
        "status": ("статус",),
        "created_at": ("дата", "дата создания"),
        "notes": ("комментарий", "примечание", "заметки"),
        "address": ("адрес",),
        "city": ("город",),
        "postcode": ("индекс", "почтовый индекс"),
        "country": ("страна",),
        "website": ("сайт", "веб-сайт"),
    },
    "ja": {
        "full_name": ("氏名", "名前", "お名前", "顧客名", "担当者名", "担当者", "ご担当者名"),
        "first_name": ("名", "下の名前"),
        "last_name": ("姓", "苗字", "名字"),
        "email": ("メールアドレス", "メール", "eメール"),
        "phone": ("電話番号", "電話", "携帯電話", "携帯番号", "携帯"),
        "company": ("会社名", "会社", "企業名", "法人名", "店舗名"),
        "job_title": ("役職",),
        "source": ("流入元",),
        "status": ("ステータス",),
        "created_at": ("登録日", "作成日", "登録日時"),
        "notes": ("備考", "メモ"),
        "address": ("住所",),
        "city": ("市区町村",),
        "postcode": ("郵便番号",),
        "country": ("国",),
        "website": ("ホームページ", "ウェブサイト"),
    },
    "zh": {
        "full_name": ("姓名", "联系人", "客户名称", "聯絡人"),
        "email": ("邮箱", "电子邮件", "電子郵件", "电子邮箱"),
        "phone": ("电话", "手机", "手机号", "联系电话", "電話號碼", "手機"),
        "company": ("公司", "公司名称", "公司名稱", "单位"),
        "job_title": ("职位", "職位"),
        "source": ("来源",),
        "status": ("状态",),
        "created_at": ("创建时间", "日期"),
        "notes": ("备注", "備註"),
        "address": ("地址",),
        "city": ("城市",),
        "postcode": ("邮编", "郵遞區號"),
        "country": ("国家",),
        "website": ("网站", "網站"),
    },
    "ko": {
        "full_name": ("이름", "성명", "고객명", "담당자"),
        "last_name": ("성",),
        "email": ("이메일", "전자우편", "이메일 주소"),
        "phone": ("전화번호", "휴대폰", "휴대전화", "연락처", "핸드폰"),
        "company": ("회사", "회사명", "업체명", "기업명"),
        "job_title": ("직책", "직위"),
        "source": ("유입경로",),
        "status": ("상태",),
        "created_at": ("등록일", "날짜"),
        "notes": ("비고", "메모"),
        "address": ("주소",),
        "city": ("도시",),
        "postcode": ("우편번호",),
        "country": ("국가",),
        "website": ("웹사이트", "홈페이지"),
    },
    "ar": {
        "full_name": ("الاسم", "الاسم الكامل", "اسم العميل"),
        "first_name": ("الاسم الأول",),
        "last_name": ("اسم العائلة",),
        "email": ("البريد الإلكتروني", "الايميل"),
        "phone": ("الهاتف", "رقم الهاتف", "الجوال", "رقم الجوال", "الموبايل"),
        "company": ("الشركة", "اسم الشركة"),
        "job_title": ("المسمى الوظيفي",),
        "created_at": ("التاريخ",),
        "notes": ("ملاحظات",),
        "address": ("العنوان",),
        "city": ("المدينة",),
        "postcode": ("الرمز البريدي",),
        "country": ("الدولة", "البلد"),
        "website": ("الموقع الإلكتروني",),
    },
    "he": {
        "full_name": ("שם", "שם מלא", "איש קשר", "לקוח"),
        "first_name": ("שם פרטי",),
        "last_name": ("שם משפחה",),
        "email": ("אימייל", "דואר אלקטרוני", "דוא\"ל", "מייל"),
        "phone": ("טלפון", "נייד", "מספר טלפון", "פלאפון"),
        "company": ("חברה", "שם החברה", "עסק"),
        "job_title": ("תפקיד",),
        "created_at": ("תאריך",),
        "notes": ("הערות",),
        "address": ("כתובת",),
        "city": ("עיר",),
        "postcode": ("מיקוד",),
        "country": ("מדינה",),
        "website": ("אתר",),
    },
    "id": {
        "full_name": ("nama", "nama lengkap", "nama peserta", "nama pelanggan", "pelanggan", "kontak"),
        "first_name": ("nama depan",),
        "last_name": ("nama belakang",),
        "email": ("surel", "alamat email"),
        "phone": ("telepon", "no telepon", "nomor telepon", "no hp", "hp", "nomor hp", "handphone", "no wa", "nomor whatsapp", "telp", "no telp"),
        "company": ("perusahaan", "nama perusahaan", "instansi"),
        "job_title": ("jabatan",),
        "source": ("sumber",),
        "created_at": ("tanggal", "tanggal daftar"),
        "notes": ("catatan", "keterangan", "pesan"),
        "address": ("alamat",),
        "city": ("kota", "domisili"),
        "postcode": ("kode pos",),
        "country": ("negara",),
        "website": ("situs",),
    },
    "vi": {
        "full_name": ("họ tên", "họ và tên", "khách hàng", "tên khách hàng"),
        "first_name": ("tên",),
        "last_name": ("họ",),
        "phone": ("số điện thoại", "điện thoại", "sđt"),
        "company": ("công ty", "tên công ty", "doanh nghiệp"),
        "job_title": ("chức vụ",),
        "source": ("nguồn",),
        "status": ("trạng thái",),
        "created_at": ("ngày tạo", "ngày"),
        "notes": ("ghi chú",),
        "address": ("địa chỉ",),
        "city": ("thành phố", "tỉnh thành"),
        "country": ("quốc gia",),
    },
}

NOT_LEAD: tuple[str, ...] = (
    # numbers that are not the lead's phone
    "fax", "fax number", "fax no", "telefax", "faks", "faksu", "nr faksu", "numer faksu", "pager",
    "pager number", "ip", "ip address", "owner phone", "owner phone number", "owner email",
    # names that are not the lead's name
    "middle name", "middlename", "middle", "middle initial", "maiden name", "nickname",
    "nick name", "patronymic", "отчество", "phonetic first name", "phonetic last name",
    "phonetic middle name", "name prefix", "name suffix", "salutation", "prefix", "suffix",
    "フリガナ", "ふりがな", "カナ", "セイ", "メイ", "姓カナ", "名カナ", "部署名", "部署", "作成者",
    "更新者", "更新日時", "営業担当",
    "deal name", "opportunity name", "deal", "opportunity", "branch name",
    "category name", "category", "user", "username", "login",
    # people of the seller, not the lead
    "owner", "lead owner", "contact owner", "account owner", "account manager", "sales person",
    "salesperson", "sales rep", "assigned to", "assignee", "agent", "rep", "scheduler",
    "created by", "modified by", "trader", "representative", "client representative",
    # dates that are not when the lead came in
    "date of birth", "birth date", "birthdate", "birthday", "dob", "geb datum", "geburtsdatum",
    "fecha de nacimiento", "data di nascita", "data de nascimento", "date de naissance",
    "生年月日", "誕生日", "дата рождения", "doğum tarihi", "tanggal lahir",
    "last modified", "modified", "updated", "updated at", "last updated", "modified date",
    "due date", "close date", "paid to date", "event date", "check in date", "confirm time",
    "last contacted", "last activity", "follow up date", "next follow up",
    # places that are not the address fields
    "state", "province", "region", "county", "state province", "prefecture", "都道府県",
    "bundesland", "provincia", "région", "estado provincia",
    # organisation parts and counts
    "department", "business unit", "division", "number of employees", "number of", "no of",
    "count of", "employees",
    "employee count", "company size", "annual revenue", "industry",
    # web addresses that are not the lead's website
    "linkedin", "linkedin url", "facebook", "twitter", "instagram", "profile url",
    "contact page", "image", "photo", "logo", "thumbnail",
)
"""Headers that are never a lead field (kept as extra data whatever their values)."""

AMBIGUOUS: frozenset[str] = frozenset(
    normalize_header(w)
    for w in (
        "nom", "nome", "name", "ad", "navn", "data", "estado", "stato", "by", "land", "site",
        "note", "adresse", "firma", "telefon", "telefono", "kunde", "cliente", "kontakt",
        "contato", "contacto", "mobil", "e-mail", "e-post", "datum", "ort", "stad", "postnummer",
        "origine", "fonte", "campagne", "cargo", "functie", "funktion", "fonction", "tlf",
        "celular", "empresa", "web", "homepage", "gsm", "comune", "kommentar", "dato",
        "fornavn", "organisation", "stilling", "origem", "whatsapp", "isim", "cp",
        "contact", "customer", "client", "sito", "funkce", "nazwa", "название", "mobiel",
        "kontaktperson", "adres", "telefonnummer", "postcode", "telephone", "tel.", "cep",
    )
)
"""Folded words listed under more than one field or language; the first listing wins."""

QUALIFIERS: frozenset[str] = frozenset(
    {
        "id", "ids", "owner", "type", "status", "size", "count", "score", "key", "ref",
        "reference", "category", "rating", "level", "verified", "consent", "opt", "valid",
        "link", "url", "code", "codes", "amount", "value", "flag", "date", "time", "at",
        "total", "number", "no", "nr", "num", "hash", "uuid", "guid", "index", "format",
        "label", "tag", "tags", "unit", "units", "manager", "rep", "balance", "group",
        "source", "stage", "length", "percent", "rate", "kind", "language", "locale", "timezone",
        "description", "quality", "confidence", "domain", "page", "on", "by", "lat", "lng",
        "latitude", "longitude", "template", "visibility", "bounced", "opted", "subscribed",
        "unsubscribed", "priority", "permission", "extension", "ext", "keyword", "keywords",
        "symbol", "foto", "photo", "image", "avatar", "picture", "logo", "icon",
    }
)
"""Words that, after a field's name, make a header about something else: "Campaign ID",
"Contact owner", "Phone type", "Email verified", "Company size", "Lead value"."""

REFUSE_BEFORE: frozenset[str] = frozenset(
    {
        "middle", "maiden", "nick", "birth", "owner", "sales", "assigned", "parent", "previous",
        "old", "former", "emergency", "referrer", "referring", "agent", "manager", "branch",
        "category", "product", "event", "error", "seo", "sub", "payment", "pagespeed",
        "image", "photo", "logo", "facebook", "twitter", "instagram", "linkedin", "youtube",
        "tiktok", "number", "no", "count", "total", "paid", "due", "last", "next", "opening",
        "closing", "check", "confirm", "modified", "updated", "deleted", "phonetic", "yomi",
        "spouse", "assistant", "guardian", "parents", "deal", "opportunity", "project", "ticket",
        "task", "order", "invoice",
    }
)
"""Words that, before a field's name, make it something else's: "Middle name", "Sales person",
"Owner email", "Birth date", "Event date", "Number of employees". ("Billing phone" and
"Secondary email" are still phones and emails: further contact columns, see ``mapping``.)"""

CONTACT_OF_OTHERS: frozenset[str] = frozenset(
    {
        "billing", "shipping", "delivery", "secondary", "tertiary", "other", "alternate",
        "alternative", "additional", "second", "third", "backup", "2nd", "3rd",
    }
)
"""Words before "phone"/"email" that still mean a contact value of the lead, a further one
(ranked after the plain column: "Secondary email", "Billing phone")."""

COMPANY_SUFFIXES: tuple[str, ...] = (
    "ltd", "limited", "llc", "inc", "plc", "gmbh", "llp", "corp", "co", "group", "holdings",
    "solutions", "services", "consulting", "partners", "associates", "agency", "studio",
    "ag", "sa", "sarl", "bv", "srl", "spa", "pty", "lp", "company", "industries",
    "technologies", "tech", "media", "trust", "foundation", "cic", "ug", "ltda", "eireli",
    "me", "sas", "eurl", "sl", "sac", "kg", "ohg", "ev", "nv", "oy", "ab", "as", "aps",
    "kk", "pte", "bhd", "sdn", "tbk", "pt", "cv", "ooo", "zao", "oao", "ao", "ип", "ооо",
    "sro", "spzoo", "sp", "as", "kft", "doo", "ltda", "corporation", "incorporated", "gbr",
    "株式会社", "有限会社", "合同会社", "公司", "有限公司",
)
"""Legal-form and business words that end a company name ("Acme Ltd", "Müller GmbH")."""

LEGAL_PREFIXES: tuple[str, ...] = (
    "ооо", "ип", "зао", "оао", "пао", "ао", "ано", "pt", "cv", "ud", "yayasan", "koperasi", "tov",
    "тов", "s.a.", "sc", "株式会社", "有限会社", "合同会社",
)
"""Legal forms written before the name ("ООО «Ромашка»", "PT Maju Jaya", "株式会社ABC")."""

ORG_WORDS: tuple[str, ...] = (
    # places of business, trades and legal words, in several languages. Entries of five
    # letters or more match the start of a word ("Apotheke" in "Einhorn-Apotheke"); shorter
    # ones match whole words only, so "bar" does not match "Barbara".
    "apothek", "pharma", "farmac", "clinic", "klinik", "clínica", "клиник", "dental", "стомат",
    "restaur", "ресторан", "cafe", "café", "кафе", "bar", "pub", "hotel", "отель", "гостиниц",
    "school", "escuela", "escola", "scuola", "école", "academ", "академ", "club", "клуб",
    "center", "centre", "centro", "центр", "store", "shop", "market", "магазин", "salon",
    "салон", "studio", "студия", "auto", "autos", "tint", "garage", "repair", "plumb",
    "plomb", "electric", "constru", "builder", "bakery", "baking", "bäckerei", "church",
    "hospital", "medic", "медиц", "медсерв", "legal", "bank", "банк", "insuranc", "realty",
    "estate", "propert", "travel", "tours", "fitness", "gym", "beauty", "nails", "pizza",
    "pizzer", "grill", "kitchen", "foods", "food", "truck", "trucks", "services", "сервис",
    "solution", "consult", "systems", "software", "digital", "marketing", "agency",
    "agencia", "agence", "group", "international", "global", "enterpris", "industr",
    "manufactur", "supply", "supplies", "trading", "logist", "transport", "noleggio",
    "autonoleggio", "rental", "rentals", "fertiliz", "garden", "nursery", "flowers", "farm",
    "institut", "universi", "college", "hostel", "motel", "lodge", "boutique", "atelier",
    "praxis", "kanzlei", "büro", "werkstatt", "bistro", "trattoria", "ristorante", "taller",
    "tienda", "loja", "oficina", "escritório", "associa", "federa", "futbol", "fútbol",
    "football", "soccer", "sports", "deport", "the", "&", "and sons", "bros",
    # more trades
    "roofing", "plumbing", "cleaning", "landscap", "painting", "heating", "cooling", "hvac",
    "pest", "moving", "storage", "printing", "design", "photograph", "wedding", "catering",
    "coffee", "brewer", "winery", "vet", "veterinar", "animal", "pet", "pets", "care",
    "health", "wellness", "yoga", "massage", "therapy", "physio", "chiropract", "optic",
    "optik", "tutor", "kids", "daycare", "temple", "mosque", "accounting", "accountants",
    "solicitors", "lawyers", "attorneys", "dentist", "dentistry", "orthodont", "surgery",
    "friseur", "metzgerei", "zahnarzt", "autohaus", "immobilien", "versicherung", "reinigung",
    "elektro", "sanitär", "tischlerei", "schreinerei", "peluquer", "panader", "inmobiliaria",
    "abogados", "construcciones", "seguros", "ferreter", "boulangerie", "coiffure", "immobilier",
    "électricité", "avocats", "assurance", "cabinet", "officina", "parrucchier", "immobiliare",
    "assicurazioni", "padaria", "farmácia", "imobiliária", "advocacia", "salão", "mercado",
    "bakkerij", "kapper", "makelaar", "tandarts", "apotheek", "мастерская", "аптека", "салон",
    "школа", "магазин", "компания", "студия",
)
"""Word starts that mark an organisation's name rather than a person's ("Apotheke am Markt",
"Summit Auto Tint", "Clinica Dental Sol")."""

SYNONYMS: dict[str, tuple[str, ...]] = {}
"""Folded words per field, all languages merged in ``VOCABULARY`` order (for baselines)."""
LOOKUP: dict[str, str] = {}
"""Folded header -> field: the first listing wins."""
LANGUAGE: dict[str, str] = {}
"""Folded header -> the language it was first listed under."""
for _lang, _fields in VOCABULARY.items():
    for _field, _words in _fields.items():
        for _word in _words:
            _norm = normalize_header(_word)
            if not _norm:
                continue
            if _norm not in SYNONYMS.get(_field, ()):
                SYNONYMS[_field] = (*SYNONYMS.get(_field, ()), _norm)
            if _norm not in LOOKUP:
                LOOKUP[_norm] = _field
                LANGUAGE[_norm] = _lang

NOT_LEAD_WORDS: frozenset[str] = frozenset(normalize_header(w) for w in NOT_LEAD)

HEADERISH_WORDS: frozenset[str] = frozenset(
    {
        "id", "no", "ref", "reference", "type", "category", "total", "count", "amount", "value",
        "year", "month", "day", "week", "quarter", "code", "description", "item", "unit",
        "units", "price", "cost", "qty", "quantity", "rate", "percent", "average", "mean",
        "number", "region", "state", "county", "area", "group", "class", "level", "age", "sex",
        "gender", "male", "female", "males", "females", "men", "women", "period", "date",
        "time", "owner", "assigned", "agent", "rep", "score", "budget", "interest", "product",
        "service", "notes", "remarks", "nr", "nummer", "anzahl", "jahr", "monat", "tipo",
        "ano", "mes", "annee", "mois", "jaar", "maand", "anno", "mese", "key", "label",
        "size", "sales", "revenue", "income", "population", "percentage", "share",
    }
)
"""Words that mark a header cell in any table, lead sheet or not (for detection)."""

COUNTRY_REGIONS: dict[str, str] = {
    normalize_header(name): region
    for region, names in {
        "GB": ("united kingdom", "uk", "great britain", "england", "scotland", "wales", "northern ireland", "vereinigtes königreich", "reino unido", "royaume-uni", "regno unito"),
        "IE": ("ireland", "irland", "irlanda", "irlande"),
        "US": ("united states", "usa", "united states of america", "u.s.", "u.s.a.", "america", "estados unidos", "états-unis", "vereinigte staaten", "stati uniti"),
        "CA": ("canada", "kanada", "canadá"),
        "AU": ("australia", "australien", "australie"),
        "NZ": ("new zealand", "neuseeland", "nueva zelanda"),
        "DE": ("germany", "deutschland", "alemania", "allemagne", "germania", "alemanha", "duitsland", "niemcy", "almanya"),
        "AT": ("austria", "österreich", "autriche"),
        "CH": ("switzerland", "schweiz", "suisse", "svizzera", "suiza"),
        "FR": ("france", "frankreich", "francia", "frança", "frankrijk", "francja", "fransa"),
        "BE": ("belgium", "belgien", "belgique", "bélgica", "belgië"),
        "NL": ("netherlands", "the netherlands", "holland", "niederlande", "nederland", "países bajos", "pays-bas", "paesi bassi", "holanda"),
        "LU": ("luxembourg", "luxemburg"),
        "ES": ("spain", "españa", "spanien", "espagne", "spagna", "espanha", "hiszpania", "ispanya"),
        "PT": ("portugal", "portogallo"),
        "IT": ("italy", "italia", "italien", "italie", "itália", "włochy", "italya"),
        "DK": ("denmark", "danmark", "dänemark", "dinamarca"),
        "NO": ("norway", "norge", "norwegen", "noruega", "norvège"),
        "SE": ("sweden", "sverige", "schweden", "suecia", "suède"),
        "FI": ("finland", "suomi", "finnland", "finlandia"),
        "PL": ("poland", "polska", "polen", "polonia", "pologne"),
        "CZ": ("czech republic", "czechia", "česko", "česká republika", "tschechien"),
        "TR": ("turkey", "türkiye", "turkiye", "türkei", "turquía", "turquie"),
        "GR": ("greece", "ελλάδα", "griechenland", "grecia", "grèce"),
        "RU": ("russia", "россия", "russland", "rusia", "russie", "russian federation"),
        "UA": ("ukraine", "україна", "украина", "ucrania"),
        "JP": ("japan", "日本", "japón", "japon", "giappone"),
        "CN": ("china", "中国", "chine", "cina"),
        "KR": ("south korea", "korea", "대한민국", "한국", "corea del sur"),
        "IN": ("india", "indien", "inde"),
        "ID": ("indonesia", "indonesien", "indonésie"),
        "VN": ("vietnam", "viet nam", "việt nam"),
        "SG": ("singapore", "singapur"),
        "MY": ("malaysia",),
        "PH": ("philippines", "filipinas"),
        "AE": ("united arab emirates", "uae", "الإمارات"),
        "SA": ("saudi arabia", "السعودية"),
        "IL": ("israel", "ישראל"),
        "EG": ("egypt", "مصر"),
        "ZA": ("south africa", "südafrika", "sudáfrica"),
        "NG": ("nigeria",),
        "KE": ("kenya",),
        "BR": ("brazil", "brasil", "brasilien", "brésil"),
        "MX": ("mexico", "méxico", "mexiko", "mexique"),
        "AR": ("argentina", "argentinien"),
        "CO": ("colombia", "kolumbien"),
        "CL": ("chile",),
        "PE": ("peru", "perú"),
        "CR": ("costa rica",),
    }.items()
    for name in names
}
"""Country names as sheets write them (several languages) -> phone region; ISO codes also work."""

GIVEN_NAMES: frozenset[str] = frozenset(
    normalize_header(n)
    for n in """
    james john robert michael william david richard joseph thomas charles christopher daniel matthew
    anthony mark donald steven paul andrew joshua kenneth kevin brian george timothy ronald edward
    jason jeffrey ryan jacob gary nicholas eric jonathan stephen larry justin scott brandon benjamin
    samuel gregory alexander frank patrick raymond jack dennis jerry tyler aaron jose adam nathan
    henry douglas zachary peter kyle noah ethan jeremy walter christian keith roger terry austin sean
    gerald carl harold dylan arthur lawrence jordan jesse bryan billy bruce gabriel joe logan alan
    juan albert willie elijah wayne randy vincent mason roy ralph bobby russell bradley philip eugene
    mary patricia jennifer linda elizabeth barbara susan jessica sarah karen lisa nancy betty sandra
    margaret ashley kimberly emily donna michelle carol amanda melissa deborah stephanie dorothy
    rebecca sharon laura cynthia amy kathleen angela shirley brenda emma anna pamela nicole samantha
    katherine christine helen debra rachel carolyn janet maria catherine heather diane olivia julie
    joyce victoria ruth virginia lauren kelly christina joan evelyn judith andrea hannah megan
    cheryl jacqueline martha madison teresa gloria sara janice ann kathryn abigail sophia frances
    jean alice judy isabella julia grace amber denise danielle marilyn beverly charlotte natalie
    theresa diana brittany doris kayla alexis lori marie ava mia chloe lucy ella ruby freya poppy
    oliver harry charlie oscar leo archie alfie freddie theo arthur finley
    hans peter klaus jurgen wolfgang dieter uwe frank stefan andreas thomas michael markus lukas
    felix jonas leon paul maximilian tobias florian sebastian jan tim niklas julian moritz
    ursula monika petra sabine claudia susanne andrea birgit katrin anja julia lena laura lea
    marie sophie hannah mia emilia johanna katharina sandra nicole stefanie christina
    jean pierre michel philippe alain nicolas francois patrick christophe laurent julien olivier
    thierry eric frederic sebastien antoine guillaume mathieu louis hugo lucas gabriel arthur
    marie nathalie isabelle sylvie catherine francoise valerie sandrine christine celine sophie
    camille manon chloe ines lea juliette
    jose antonio manuel francisco juan javier carlos jesus david miguel pedro alejandro rafael
    fernando pablo jorge luis sergio alberto diego mateo santiago sebastian nicolas andres
    maria carmen ana isabel dolores pilar teresa rosa josefa cristina lucia paula laura marta
    elena sara sofia valentina camila gabriela daniela andrea fernanda
    joao jose antonio francisco carlos paulo pedro lucas luiz marcos luis gabriel rafael daniel
    marcelo bruno eduardo felipe raimundo rodrigo ana francisca antonia adriana juliana marcia
    fernanda patricia aline sandra camila amanda bruna jessica leticia julia beatriz
    giuseppe giovanni antonio mario luigi francesco angelo vincenzo pietro salvatore carlo franco
    domenico bruno paolo michele giorgio aldo sergio luciano marco alessandro andrea matteo lorenzo
    leonardo riccardo davide federico simone stefano roberto maria anna giuseppina rosa angela
    giovanna teresa lucia carmela caterina francesca chiara giulia martina sara alessia elisa
    jan piet kees henk willem johan gerrit hendrik dirk bram daan sem thijs ruben lars
    anne marieke annemieke ingrid inge sanne lotte fleur femke eva
    ole lars erik per nils anders hans bjorn knut arne olav jon sven magnus johan karl
    anne kari ingrid marit liv astrid sigrid kristin hanne ida nora emma ella maja
    piotr krzysztof andrzej tomasz pawel michal marcin jakub adam lukasz grzegorz mateusz
    anna maria katarzyna malgorzata agnieszka barbara ewa krystyna magdalena joanna zofia
    ivan sergey alexey andrey dmitry mikhail nikolay vladimir alexander pavel oleg igor yuri
    olga elena natalia tatiana irina svetlana anastasia ekaterina maria anna yulia
    иван сергей алексей андрей дмитрий михаил николай владимир александр павел олег игорь
    ольга елена наталья татьяна ирина светлана анастасия екатерина мария анна юлия
    mehmet mustafa ahmet ali huseyin hasan ibrahim ismail osman yusuf murat omer emre burak
    fatma ayse emine hatice zeynep elif meryem sultan hulya ozlem
    budi agus andi dedi eko hendra joko rudi siti dewi sri ayu putri rina wati
    rahul amit rajesh suresh sanjay vijay anil sunil ravi arjun rohan vikram deepak manoj
    priya neha pooja anjali kavita sunita anita rekha divya shreya
    mohammed muhammad ahmed mahmoud omar khalid hassan hussein abdullah yousef fatima aisha
    wei jing li ming hui yan lei jun hao xin
    hiroshi takashi kenji yuki akira taro ichiro haruto sota yuto hanako yoko keiko sakura yui
    min ji seo hyun jae young soo jin
    nguyen minh anh thanh hoa lan linh mai
    """.split()
)
"""Common given names in the languages of ``VOCABULARY`` (and romanised): a value that starts with
one is a person's name even if a later word looks like a trade ("Mark Garden", "Anna Church")."""
