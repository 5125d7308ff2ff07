"""
Synthetic messy lead sheets, seeded and reproducible.

Used by the speed benchmark (a 100,000-row, 20-column sheet) and by the lead-sheet accuracy
benchmark and test (hundreds of small sheets with titles, notes, blank rows, renamed and
reordered columns, blank and duplicate header cells, group rows, foreign headers and sheets
with no header). The header words come from a list written for this generator, not from the
mapping vocabulary, so the benchmark is not the vocabulary testing itself.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

FIRST = [
    "Sarah",
    "Tom",
    "Priya",
    "James",
    "Li",
    "Mark",
    "Anna",
    "Dave",
    "Chloe",
    "Oliver",
    "Amelia",
    "Harry",
    "Grace",
    "Rhys",
    "Fatima",
    "Kwame",
    "Zoe",
    "Liam",
    "Mia",
    "Noah",
    "Ella",
    "Aisha",
    "Jack",
    "Sofia",
]
LAST = [
    "Jones",
    "Baker",
    "Patel",
    "O'Neill",
    "Wei",
    "Evans",
    "Kowalski",
    "Smith",
    "Brown",
    "Grant",
    "Hart",
    "Singh",
    "Liu",
    "Owen",
    "Khan",
    "Mensah",
    "Taylor",
    "Wilson",
    "Davies",
    "Hughes",
    "Ali",
    "Murphy",
]
COMPANIES = [
    "Acme Roofing Ltd",
    "Globex Services",
    "Initech Solutions",
    "Hooli Group",
    "Northwind Traders",
    "Contoso Ltd",
    "Fabrikam Inc",
    "Brightside Dental",
    "Greenleaf Gardens",
    "Umbrella Partners",
]
CITIES = ["Leeds", "Manchester", "London", "Bristol", "Glasgow", "Cardiff", "Belfast", "York", "Bath"]
DOMAINS = ["example.com", "example.co.uk", "mail.example", "inbox.example.org"]
CAMPAIGNS = ["Spring Offer", "Winter Roof Check", "Free Quote", "Webinar Nov", "Expo 2026"]
SOURCES = ["Facebook", "Google Ads", "Instagram", "LinkedIn", "Website", "Referral"]
STATUSES = ["New", "Contacted", "Qualified", "Lost", "Won"]

# Header words people actually type, per field (independent of shared.core.vocabulary).
HEADERS = {
    "full_name": [
        "Name",
        "Full Name",
        "Contact Name",
        "Lead Name",
        "Customer",
        "Full name",
        "NAME",
        "Nombre completo",
        "Nom complet",
        "Volledige naam",
    ],
    "first_name": ["First Name", "First name", "Forename", "FirstName", "first_name", "Vorname", "Prénom"],
    "last_name": ["Last Name", "Surname", "LastName", "last_name", "Family name", "Nachname", "Apellidos"],
    "email": [
        "Email",
        "E-mail",
        "Email Address",
        "email_address",
        "E-Mail-Adresse",
        "Correo electrónico",
        "Courriel",
        "Mail",
        "EMAIL",
        "Work email",
    ],
    "phone": ["Phone", "Phone Number", "Mobile", "Tel", "Telephone", "Mobile No", "phone_number", "Telefon", "Teléfono", "Contact number"],
    "company": ["Company", "Company Name", "Organisation", "Business", "Firma", "Empresa", "Société"],
    "job_title": ["Job Title", "Title", "Position", "Role", "Job title"],
    "source": ["Source", "Lead Source", "Channel", "Platform"],
    "campaign": ["Campaign", "Campaign Name", "Ad Campaign"],
    "status": ["Status", "Lead Status", "Stage"],
    "created_at": ["Date", "Created", "Created Time", "Date Added", "Submitted", "Timestamp", "Fecha"],
    "notes": ["Notes", "Comments", "Message", "Enquiry", "Notizen"],
    "city": ["City", "Town", "Stadt", "Ciudad"],
    "postcode": ["Postcode", "Post Code", "Zip"],
}

PREAMBLE = [
    lambda r, w: ["Leads export"] + [""] * (w - 1),
    lambda r, w: [f"{r.choice(COMPANIES)} - {r.choice(CAMPAIGNS)} leads"] + [""] * (w - 1),
    lambda r, w: ["Downloaded 28/11/2026. Please do not edit above this line."] + [""] * (w - 1),
    lambda r, w: [""] * w,
    lambda r, w: [f"Client: {r.choice(COMPANIES)}", "Campaign: " + r.choice(CAMPAIGNS)] + [""] * (w - 2),
    lambda r, w: ["Lead tracker"] * w,
]


def phone(r: random.Random) -> str:
    mobile = f"7{r.choice('4589')}{r.randint(10, 99)}{r.randint(100000, 999999)}"
    fmt = r.randrange(6)
    if fmt == 0:
        return f"0{mobile[:4]} {mobile[4:]}"
    if fmt == 1:
        return f"+44 {mobile[:4]} {mobile[4:]}"
    if fmt == 2:
        return f"+44 (0){mobile[:4]} {mobile[4:]}"
    if fmt == 3:
        return f"0044{mobile}"
    if fmt == 4:
        return mobile  # a number cell that lost its leading zero
    return f"0113 496 0{r.randint(100, 999)}"


def value(field: str, r: random.Random, first: str, last: str) -> str:
    if field == "full_name":
        return f"{first} {last}"
    if field == "first_name":
        return first
    if field == "last_name":
        return last
    if field == "email":
        return f"{first}.{last}{r.randint(1, 9999)}@{r.choice(DOMAINS)}".lower().replace("'", "")
    if field == "phone":
        return phone(r)
    if field == "company":
        return r.choice(COMPANIES)
    if field == "job_title":
        return r.choice(["Director", "Owner", "Office Manager", "Head of IT", "Buyer"])
    if field == "source":
        return r.choice(SOURCES)
    if field == "campaign":
        return r.choice(CAMPAIGNS)
    if field == "status":
        return r.choice(STATUSES)
    if field == "created_at":
        d = r.randint(1, 28)
        m = r.randint(1, 12)
        return r.choice([f"{d:02d}/{m:02d}/2026", f"2026-{m:02d}-{d:02d}T{r.randint(0, 23):02d}:15:00Z", str(45000 + r.randint(0, 900))])
    if field == "notes":
        return r.choice(["", "", "Call after 5pm", "Wants a quote", "Existing customer", "Asked about pricing"])
    if field == "city":
        return r.choice(CITIES)
    if field == "postcode":
        return r.choice(["LS1 4AP", "M1 1AE", "SW1A 1AA", "BS1 5TR", "CF10 1EP"])
    raise KeyError(field)


@dataclass
class Sheet:
    grid: list[list[str]]
    header_row: int | None
    fields: dict[int, str]
    """Column index -> expected canonical field."""


def lead_sheet(r: random.Random, rows: int | None = None) -> Sheet:
    """One messy lead sheet with its truth."""
    names = r.choice([["full_name"], ["first_name", "last_name"]])
    contact = r.choice([["email"], ["phone"], ["email", "phone"], ["email", "phone"]])
    others = r.sample(["company", "job_title", "source", "campaign", "status", "created_at", "notes", "city", "postcode"], r.randint(0, 5))
    fields = names + contact + others
    r.shuffle(fields)
    headers = [r.choice(HEADERS[f]) for f in fields]
    extra_cols = r.randint(0, 2)
    for _ in range(extra_cols):  # columns with no lead meaning, blank header or not
        at = r.randint(0, len(fields))
        fields.insert(at, "")
        headers.insert(at, r.choice(["", "Ref", "Agent", "Owner", "Score"]))
    width = len(fields)
    grid: list[list[str]] = []
    for _ in range(r.choice([0, 0, 1, 2, 3, 4])):
        grid.append(r.choice(PREAMBLE)(r, width))
    no_header = r.random() < 0.05
    header_row = None if no_header else len(grid)
    if not no_header:
        grid.append(headers)
    n = rows if rows is not None else r.randint(3, 60)
    for _ in range(n):
        if r.random() < 0.05:
            grid.append([""] * width)
        first, last = r.choice(FIRST), r.choice(LAST)
        grid.append([value(f, r, first, last) if f else r.choice(["", "x", "A1", "7", "Jo"]) for f in fields])
    truth = {i: f for i, f in enumerate(fields) if f}
    return Sheet(grid, header_row, truth)


def big_sheet(rows: int, seed: int = 7) -> list[list[str]]:
    """A large, realistic 20-column lead sheet with a title row (for the speed benchmark)."""
    r = random.Random(seed)
    fields = [
        "full_name",
        "email",
        "phone",
        "company",
        "job_title",
        "source",
        "campaign",
        "status",
        "created_at",
        "notes",
        "city",
        "postcode",
    ]
    headers = [
        "Full Name",
        "Email",
        "Phone",
        "Company",
        "Job Title",
        "Lead Source",
        "Campaign",
        "Status",
        "Created",
        "Notes",
        "City",
        "Postcode",
        "Ad Set",
        "Form",
        "Agent",
        "Budget",
        "Score",
        "Ref",
        "Consent",
        "Country",
    ]
    grid = [["Leads export - Acme"] + [""] * 19, [""] * 20, headers]
    for i in range(rows):
        first, last = r.choice(FIRST), r.choice(LAST)
        row = [value(f, r, first, last) for f in fields]
        row += [
            r.choice(["Set A", "Set B"]),
            "Form 1",
            r.choice(["Amy", "Ben"]),
            str(r.randint(1, 50) * 100),
            str(r.randint(1, 10)),
            f"R{i}",
            r.choice(["Yes", "No"]),
            "UK",
        ]
        grid.append(row)
    return grid
