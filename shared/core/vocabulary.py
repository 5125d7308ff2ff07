"""
Lead vocabulary: the header words that name each canonical field.

Entries are written already normalised (``text.normalize_header``: lower-case ASCII, words
separated by single spaces). English first, then the common German, Spanish, French,
Portuguese, Dutch and Italian words. A word that means different things in different languages
("nom" is a surname in French forms next to "prénom") is listed once, under the meaning it has
most often in lead forms; ``mapping`` repairs a lone first or last name column afterwards.
"""

from __future__ import annotations

SYNONYMS: dict[str, tuple[str, ...]] = {
    "full_name": (
        "name", "full name", "fullname", "contact name", "contact", "lead name", "customer name",
        "client name", "your name", "person", "lead", "applicant", "applicant name", "attendee",
        "prospect", "prospect name", "member name", "patient name", "student name",
        "vollstandiger name", "kontakt", "ansprechpartner", "kunde",
        "nombre completo", "nom complet", "nome completo", "volledige naam", "naam", "nome",
        "contacto", "cliente", "klant", "contatto",
    ),
    "first_name": (
        "first name", "firstname", "forename", "given name", "first", "fname", "christian name",
        "vorname", "nombre", "prenom", "primeiro nome", "voornaam", "nome proprio",
    ),
    "last_name": (
        "last name", "lastname", "surname", "family name", "last", "lname", "second name",
        "nachname", "familienname", "apellido", "apellidos", "nom", "nom de famille",
        "sobrenome", "ultimo nome", "achternaam", "cognome",
    ),
    "email": (
        "email", "e mail", "email address", "e mail address", "mail", "email id", "emails",
        "work email", "business email", "personal email", "contact email", "your email",
        "email adresse", "e mail adresse", "mailadresse",
        "correo", "correo electronico", "email electronico", "courriel", "adresse email",
        "adresse e mail", "adresse mail", "adresse electronique",
        "endereco de email", "endereco de e mail", "emailadres", "e mailadres",
        "indirizzo email", "indirizzo e mail", "posta elettronica",
    ),
    "phone": (
        "phone", "phone number", "telephone", "telephone number", "tel", "tel no", "tel number",
        "mobile", "mobile number", "mobile phone", "mob", "cell", "cell phone", "cellphone",
        "contact number", "phone no", "number", "landline", "work phone", "home phone",
        "whatsapp", "whatsapp number", "your phone", "best number",
        "telefon", "telefonnummer", "handy", "handynummer", "mobilnummer", "rufnummer",
        "telefono", "movil", "celular", "numero de telefono", "telefono movil",
        "numero de telephone", "portable", "tel portable", "telephone portable",
        "telefone", "telemovel", "numero de telefone",
        "telefoonnummer", "mobiel", "mobiele nummer", "gsm",
        "cellulare", "numero di telefono", "recapito telefonico",
    ),
    "company": (
        "company", "company name", "organisation", "organization", "organisation name",
        "organization name", "business", "business name", "employer", "firm", "account",
        "account name", "brand", "practice", "trading name",
        "firma", "firmenname", "unternehmen", "empresa", "nombre de la empresa", "compania",
        "societe", "entreprise", "nom de l entreprise", "bedrijf", "bedrijfsnaam", "organisatie",
        "azienda", "societa", "ragione sociale",
    ),
    "job_title": (
        "job title", "title", "position", "role", "job", "job role", "designation",
        "occupation", "jobtitle", "job function",
        "berufsbezeichnung", "funktion", "cargo", "puesto", "poste", "fonction", "titre",
        "profissao", "functie", "ruolo", "posizione", "mansione", "qualifica",
    ),
    "source": (
        "source", "lead source", "channel", "platform", "origin", "utm source", "medium",
        "utm medium", "referral", "referrer", "how did you hear about us",
        "quelle", "herkunft", "fuente", "origen", "canal", "origine", "bron", "kanaal", "fonte",
    ),
    "campaign": (
        "campaign", "campaign name", "ad campaign", "utm campaign", "ad name", "ad set",
        "adset", "ad set name", "adset name", "form name", "ad group",
        "kampagne", "campana", "campagne", "campanha", "campagna",
    ),
    "status": (
        "status", "lead status", "stage", "lead stage", "pipeline stage", "outcome",
        "disposition", "result", "estado", "estatus", "statut", "stato", "etat",
    ),
    "created_at": (
        "date", "created", "created at", "created time", "created date", "date created",
        "date added", "added", "submitted", "submitted at", "submission date", "submitted on",
        "timestamp", "created on", "lead date", "received", "date received", "enquiry date",
        "datum", "erstellt", "erstellt am", "eingangsdatum", "fecha", "fecha de creacion",
        "fecha de alta", "date de creation", "date d ajout", "data", "data de criacao",
        "data criacao", "aangemaakt", "aanmaakdatum", "data di creazione", "data inserimento",
    ),
    "notes": (
        "notes", "note", "comments", "comment", "message", "remarks", "details", "enquiry",
        "inquiry", "additional info", "additional information", "description", "your message",
        "notizen", "notiz", "bemerkungen", "bemerkung", "kommentar", "nachricht",
        "notas", "comentarios", "mensaje", "observaciones", "remarques", "commentaires",
        "observacoes", "mensagem", "opmerkingen", "opmerking", "bericht", "commenti",
        "messaggio",
    ),
    "address": (
        "address", "street", "street address", "address line 1", "address 1", "address1",
        "postal address", "home address", "adresse", "strasse", "anschrift", "direccion",
        "calle", "endereco", "morada", "adres", "straat", "indirizzo",
    ),
    "city": (
        "city", "town", "town city", "locality", "stadt", "ort", "wohnort", "ciudad",
        "localidad", "ville", "cidade", "stad", "plaats", "woonplaats", "citta", "comune",
    ),
    "postcode": (
        "postcode", "post code", "postal code", "zip", "zip code", "zipcode", "postleitzahl",
        "plz", "codigo postal", "code postal", "cep", "cap",
    ),
    "country": (
        "country", "nation", "land", "pais", "pays", "paese", "country region",
    ),
    "website": (
        "website", "web site", "url", "web", "site", "homepage", "domain", "company website",
        "webseite", "internetseite", "sitio web", "pagina web", "site web", "site internet",
        "sito web", "sito",
    ),
}

LOOKUP: dict[str, str] = {}
for _field, _words in SYNONYMS.items():
    for _word in _words:
        LOOKUP.setdefault(_word, _field)

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

QUALIFIERS: frozenset[str] = frozenset(
    {
        "id", "ids", "owner", "type", "status", "size", "count", "score", "key", "ref", "reference",
        "category", "rating", "level", "verified", "consent", "opt", "valid", "link", "url",
    }
)
"""Words that, after a field's name, make a header about something else: "Campaign ID",
"Contact owner", "Phone type", "Email verified", "Company size"."""

COMPANY_SUFFIXES: tuple[str, ...] = (
    "ltd", "limited", "llc", "inc", "plc", "gmbh", "llp", "corp", "co", "group", "holdings",
    "solutions", "services", "consulting", "partners", "associates", "agency", "studio",
    "ag", "sa", "sarl", "bv", "srl", "spa", "pty", "lp", "company", "industries",
    "technologies", "tech", "media", "trust", "foundation", "cic", "ug",
)
