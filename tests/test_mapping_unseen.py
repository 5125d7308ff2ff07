"""
Column mapping on sheets nobody tuned on (issue 19, second round): one class per failure family
seen on the development part of the held-out corpus, each tested on invented values that show
the family, never on the corpus's own files.
"""

from __future__ import annotations

from shared.core.mapping import Profile, map_columns


def _fields(labels, samples=None, **kw) -> dict[str, str | None]:
    return {c.name: c.field for c in map_columns(labels, samples, **kw).columns}


PEOPLE = ["Ann Lee", "Bo Chan", "Cy Dart", "Di Moss", "Ed Finch", "Flo Grant"]


class TestEmailHeaderWithOddDomains:
    """Under an email header, addresses that fail strict validation are still addresses."""

    def test_ip_literal_and_bare_host_domains_keep_the_email_column(self) -> None:
        """ "ann@127.0.0.1", "bo@localhost": a test fixture's addresses, not a contradiction of the header."""
        samples = [PEOPLE[:4], ["ann@127.0.0.1", "bo@localhost", " cy@10.0.0.7", "di@intranet"]]
        assert _fields(["Name", "Email Address"], samples)["Email Address"] == "email"

    def test_loose_share_counts_only_address_shapes(self) -> None:
        """Text with an "@" inside a sentence or two "@" is not address-shaped; the header's veto stands."""
        p = Profile.of(["meet @ 5pm", "a@b@c", "call me", "n/a"])
        assert p.email_loose == 0.0
        samples = [PEOPLE[:4], ["meet @ 5pm", "call back", "no answer", "later"]]
        email = map_columns(["Name", "Email"], samples).columns[1]
        assert email.score < 60 and "only 0% of values are emails" in email.reason


SHOPS = ["Bäckerei Sonne GmbH", "Blumen Haus KG", "Autohaus Berg GmbH", "Café Mitte", "Friseur Salon Lux", "Hotel Adler"]
SITES = ["sonne.de", "blumenhaus.de", "autohaus-berg.de", "cafe-mitte.de", "salon-lux.de", "hotel-adler.de"]
PHONES = ["030 1234567", "040 7654321", "089 1112223", "0221 445566", "0711 998877", "069 334455"]


class TestContactPersonOfABusiness:
    """The person who runs a listed business is the lead's contact; the seller's own staff are not."""

    def test_owner_of_listed_businesses_is_the_lead_name(self) -> None:
        """ "owner_name" beside a company column, values distinct people: the lead's name."""
        samples = [SHOPS, ["Anna Becker", "Jonas Weber", "Marie Koch", "Paul Wolf", "Laura Neumann", "Felix Braun"], PHONES]
        assert _fields(["company", "owner_name", "phone"], samples)["owner_name"] == "full_name"

    def test_contact_person_words_in_other_languages(self) -> None:
        """ "Inhaber", "Nome do proprietário", "Gérant", "代表者名" over people, in a list of businesses with web sites."""
        people = ["Anna Becker", "Jonas Weber", "Marie Koch", "Paul Wolf", "Laura Neumann", "Felix Braun"]
        for header in ("Inhaber", "Nome do proprietário", "Gérant", "Titolare", "代表者名"):
            fields = _fields(["Firma", header, "Website"], [SHOPS, people, SITES])
            assert fields[header] == "full_name", header

    def test_several_owners_in_one_cell_read_the_first(self) -> None:
        """ "Ann Lee; Bo Chan": partners of one business, one cell; the cell is still people's names."""
        people = ["Maria Souza; João Lima", "Pedro Alves", "Ana Costa; Rui Dias; Luis Mota", "Carla Nunes", "Rita Gomes / Tiago Reis"]
        fields = _fields(["empresa", "nome_proprietario", "telefone"], [SHOPS[:5], people, PHONES[:5]])
        assert fields["nome_proprietario"] == "full_name"

    def test_crm_owner_of_few_repeated_staff_names_stays_extra_data(self) -> None:
        """ "Owner" repeating two salespeople's names is the seller's staff, even in a list of companies."""
        owners = ["Anna Becker", "Jonas Weber", "Anna Becker", "Anna Becker", "Jonas Weber", "Jonas Weber"]
        assert _fields(["Company", "Owner", "Phone"], [SHOPS, owners, PHONES])["Owner"] is None

    def test_owner_beside_the_leads_own_name_stays_extra_data(self) -> None:
        """A sheet that already has the lead's name: "Owner" is someone else."""
        owners = ["Anna Becker", "Jonas Weber", "Marie Koch", "Paul Wolf", "Laura Neumann", "Felix Braun"]
        fields = _fields(["Name", "Company", "Owner"], [PEOPLE, SHOPS, owners])
        assert fields["Owner"] is None and fields["Name"] == "full_name"

    def test_owner_in_a_sheet_of_people_without_businesses_stays_extra_data(self) -> None:
        """Without a company or web-address column nothing says the rows are businesses: "Owner" is not the lead."""
        owners = ["Anna Becker", "Jonas Weber", "Marie Koch", "Paul Wolf", "Laura Neumann", "Felix Braun"]
        assert _fields(["Owner", "Phone", "Notes"], [owners, PHONES, ["call"] * 6])["Owner"] is None

    def test_owner_emails_and_lead_owner_stay_extra_data(self) -> None:
        """ "Owner" of e-mail addresses and "Lead Owner" (a CRM object's owner) are the seller's staff."""
        mails = ["anna@seller.com", "jonas@seller.com", "marie@seller.com", "paul@seller.com", "laura@seller.com", "felix@seller.com"]
        people = ["Anna Becker", "Jonas Weber", "Marie Koch", "Paul Wolf", "Laura Neumann", "Felix Braun"]
        assert _fields(["Company", "Owner", "Phone"], [SHOPS, mails, PHONES])["Owner"] is None
        assert _fields(["Company", "Lead Owner", "Phone"], [SHOPS, people, PHONES])["Lead Owner"] is None


class TestHeaderWordsWrittenTogether:
    """Headers whose words are glued ("phonenumber") or that say what the column leaves out."""

    def test_glued_field_words_inside_a_longer_header(self) -> None:
        """ "Locaties_phonenumber" over 8-digit local numbers (a phone only when the header says so), "telefonnr"."""
        local = ["91234567", "98765432", "47112233", "40556677"]
        assert _fields(["Name", "Locaties_phonenumber"], [PEOPLE[:4], local])["Locaties_phonenumber"] == "phone"
        assert _fields(["Name", "telefonnr"], [PEOPLE[:4], local])["telefonnr"] == "phone"
        from shared.core.mapping import read_header

        assert [e.field for e in read_header("Locaties_emailaddress").evidence] == ["email"]

    def test_what_comes_after_without_is_left_out(self) -> None:
        """ "mobile_without_country_code" is the mobile number, not the country code; "Telefone sem DDD" the phone."""
        numbers = ["9876500011", "9876500012", "9876500013"]
        fields = _fields(["name", "country_code", "mobile_without_country_code"], [PEOPLE[:3], ["+91", "+91", "+91"], numbers])
        assert fields["mobile_without_country_code"] == "phone"
        assert (
            _fields(["Nome", "Telefone sem DDD"], [PEOPLE[:3], ["91234-5678", "99876-5432", "98765-4321"]])["Telefone sem DDD"] == "phone"
        )


class TestCompoundIdentifiers:
    """A one-word header that ends in a number word and names no phone is an identifier, whatever its digits."""

    def test_personal_and_customer_numbers_are_not_phones(self) -> None:
        """ "Personnummer" over 10-digit ids and "Kundennummer" over 9-digit ids stay extra data."""
        ids = ["1956-123456", "1988-654321", "1975-112233", "2001-998877", "1990-445566"]
        customer = ["123214143", "223456789", "323456780", "423456781", "523456782"]
        fields = _fields(["Namn", "Personnummer", "Kundennummer"], [PEOPLE[:5], ids, customer])
        assert fields["Personnummer"] is None and fields["Kundennummer"] is None

    def test_phone_and_house_numbers_written_together_are_not_identifiers(self) -> None:
        """ "Telefonnummer", "Handynummer", "Mobilnr" stay phones; "Hausnummer" is not an identifier."""
        phones = ["030 1234567", "040 7654321", "089 1112223"]
        for header in ("Telefonnummer", "Handynummer", "Mobilnr"):
            assert _fields(["Name", header], [PEOPLE[:3], phones])[header] == "phone", header
        from shared.core.mapping import read_header

        assert read_header("Hausnummer").refused is None


class TestTradeWordsOfUnspacedScripts:
    """Business names written without spaces (Japanese, Chinese, Korean, Thai) carry trade words too."""

    PHONES = ["03-1234-5678", "03-2345-6789", "06-3456-7890", "045-456-7890", "052-567-8901", "092-678-9012"]

    def test_japanese_and_korean_business_names_under_a_name_header(self) -> None:
        """ "名前" / "顧客名" over clinics, shops and agencies is the company."""
        jp = ["株式会社山田商店", "田中歯科医院", "鈴木不動産", "グリーン薬局", "さくら美容室", "佐藤工務店"]
        ko = ["서울치과의원", "행복약국", "한빛부동산", "미소미용실", "대박식당", "하늘학원"]
        assert _fields(["名前", "電話"], [jp, self.PHONES])["名前"] == "company"
        assert _fields(["顧客名", "電話"], [jp, self.PHONES])["顧客名"] == "company"
        assert _fields(["이름", "전화"], [ko, self.PHONES])["이름"] == "company"

    def test_people_and_lone_trade_words_are_not_businesses(self) -> None:
        """Whole names ("田中太郎", "王小明", "김민준") stay people; a lone "医院" is a category, not a business."""
        people = ["田中太郎", "王小明", "김민준", "佐藤花子", "李娜", "박서준"]
        assert _fields(["名前", "電話"], [people, self.PHONES])["名前"] == "full_name"
        p = Profile.of(["医院", "薬局", "店", "医院", "薬局", "店"])
        assert p.org == 0.0


class TestBusinessNamedAfterItsOwner:
    """A business name may open with its owner's given name; in a tiny sheet, one such value still decides."""

    def test_given_name_then_trade_words_is_a_business(self) -> None:
        """ "Ali Mobile Center", "Maria Lopez Dental Clinic": named after a person, ending in a trade word."""
        p = Profile.of(["Ali Mobile Center", "Maria Lopez Dental Clinic", "Omar Auto Repair"])
        assert p.org == 1.0
        assert Profile.of(["Mark Garden", "Ann Lee", "Rose Marie Baker"]).org == 0.0

    def test_one_business_row_under_name_is_the_company(self) -> None:
        """A one-row sheet whose "name" is a business by its trade word or legal form: the company."""
        assert _fields(["phone", "name"], [["923001234567"], ["Ali Mobile Center"]])["name"] == "company"
        assert _fields(["Name", "Email"], [["Nordlicht GmbH", "Sonnenweg AG"], ["a@x.de", "b@y.de"]])["Name"] == "company"

    def test_one_person_row_under_name_stays_the_name(self) -> None:
        """One or two people ("Ann Lee", "Test Lead") keep the header's reading."""
        assert _fields(["phone", "name"], [["923001234567"], ["Ann Lee"]])["name"] == "full_name"
        assert _fields(["Name", "Email"], [["Mark Garden", "Jo Smith"], ["a@x.de", "b@y.de"]])["Name"] == "full_name"


class TestNumberedPlaceholderNames:
    """Demo and test sheets name their leads "Test Lead 1", "Lead 2": placeholders for people."""

    def test_numbered_placeholders_under_lead_name_are_the_name(self) -> None:
        """ "Lead Name" needs people's names (it may be a deal's title); numbered placeholders stand for people."""
        names = ["Demo Lead 1", "Demo Lead 2", "Demo Lead 3", "Demo Lead 4"]
        phones = ["555-0101", "555-0102", "555-0103", "555-0104"]
        assert _fields(["Lead Name", "Phone"], [names, phones])["Lead Name"] == "full_name"
        assert Profile.of(names).numbered == 1.0

    def test_deal_titles_under_lead_stay_refused(self) -> None:
        """Deal titles under "Lead" ("Website redesign", "Logo refresh") are not a person's name."""
        titles = ["Website redesign", "Logo refresh for shop", "SEO audit", "Newsletter setup"]
        lead = map_columns(["Lead", "Phone"], [titles, ["555-0101", "555-0102", "555-0103", "555-0104"]]).columns[0]
        assert lead.score < 60


class TestNamesWithoutAHeader:
    """A sheet with no header: people's names by content, in lower case too, and which half is the given name."""

    MAILS = ["a@x.com", "b@x.com", "c@x.com", "d@x.com", "e@x.com"]

    def test_lower_case_people_are_names(self) -> None:
        """ "maria garcia", "john smith": typed in lower case, known by their given names."""
        names = ["maria garcia", "john smith", "peter mueller", "anna schmidt", "david brown"]
        assert _fields([None, None], [names, self.MAILS])["column_A"] == "full_name"
        assert Profile.of(["call back later", "no answer", "sent brochure"]).person == 0.0

    def test_surname_then_given_name_by_known_given_names(self) -> None:
        """ "Garcia, Maria": the column of known given names is the first name, wherever it stands."""
        surnames = ["Garcia", "Smith", "Mueller", "Schmidt", "Brown"]
        given = ["Maria", "John", "Peter", "Anna", "David"]
        fields = _fields([None, None, None], [surnames, given, self.MAILS])
        assert fields["column_A"] == "last_name" and fields["column_B"] == "first_name"

    def test_a_role_column_before_the_name_pair_is_left_out(self) -> None:
        """Role words, surnames, given names: the pair holding the given names is the name."""
        roles = ["Speaker", "Guest", "Staff", "Sponsor", "Volunteer"]
        surnames = ["Garcia", "Smith", "Mueller", "Schmidt", "Brown"]
        given = ["Maria", "John", "Peter", "Anna", "David"]
        fields = _fields([None, None, None, None], [roles, surnames, given, self.MAILS])
        assert fields["column_A"] is None
        assert fields["column_B"] == "last_name" and fields["column_C"] == "first_name"

    def test_without_known_given_names_the_leftmost_pair_given_name_first(self) -> None:
        """Names the given-name list does not know keep the old reading: leftmost pair, given name first."""
        fields = _fields([None, None, None], [["Yoshirou", "Hina", "Shouji"], ["Shiraishi", "Ookuma", "Yasui"], self.MAILS[:3]])
        assert fields["column_A"] == "first_name" and fields["column_B"] == "last_name"


class TestMaskedPhoneNumbers:
    """Exports that hide digits for privacy ("0812-****-5678") still hold phone numbers."""

    def test_masked_numbers_under_a_contact_header_are_phones(self) -> None:
        """ "Contact" is a name word; masked numbers under it make it the phone, as unmasked ones do."""
        masked = ["62811xxxxxxxx", "62812xxxxxxxx", "0813-****-5678", "+33 6 XX XX XX 78"]
        assert _fields(["No", "Contact"], [["1", "2", "3", "4"], masked])["Contact"] == "phone"

    def test_masks_without_enough_digits_or_with_words_are_not_phones(self) -> None:
        """ "xxx", "XX-123", "Box 12": placeholders and text, not a hidden number."""
        assert Profile.of(["xxx", "XX-123", "Box 12", "12xx"]).phone == 0.0


class TestHeaderlessSheetsOfPeople:
    """A sheet that starts with people's names has no header, even when every cell is text."""

    def test_rows_of_names_and_roles_are_data(self) -> None:
        """ "Maria | Lopez | Speaker" over more such rows: no vocabulary, but given names say it is data."""
        from shared.core.detection import detect_header
        from shared.core.models import NoHeader

        grid = [["Maria", "Lopez", "Speaker"], ["Juan", "Perez", "Guest"], ["Anna", "Schmidt", "Staff"], ["David", "Brown", "Guest"]]
        assert isinstance(detect_header(grid), NoHeader)
        grid = [["Maria Lopez", "Madrid"], ["Juan Perez", "Sevilla"], ["Anna Schmidt", "Berlin"], ["David Brown", "Leeds"]]
        assert isinstance(detect_header(grid), NoHeader)

    def test_a_header_of_unknown_words_above_names_is_still_a_header(self) -> None:
        """ "Speaker | Session | Room" above people's names: labels, not people."""
        from shared.core.detection import detect_header
        from shared.core.models import HeaderMatch

        grid = [
            ["Speaker", "Session", "Room"],
            ["Maria Lopez", "Keynote", "A"],
            ["Juan Perez", "Panel", "B"],
            ["Anna Schmidt", "Workshop", "C"],
        ]
        h = detect_header(grid)
        assert isinstance(h, HeaderMatch) and h.row == 0


class TestFuzzyNeverMakesAnotherWordAField:
    """One letter changed in a short header is another word, not a typo of a field."""

    def test_ordinary_words_one_letter_from_a_synonym(self) -> None:
        """ "Store", "Votes", "Sales" are not status, notes or country."""
        from shared.core.mapping import read_header

        for header in ("Store", "Votes", "Sales"):
            assert read_header(header).evidence == (), header

    def test_real_typos_still_match(self) -> None:
        """Swapped, missing or doubled letters are typos: "Emial", "Adress", "Compnay", "Phones"."""
        from shared.core.mapping import read_header

        for header, field in (("Emial", "email"), ("Adress", "address"), ("Compnay", "company"), ("Phones", "phone")):
            assert [e.field for e in read_header(header).evidence] == [field], header


class TestNameOfAThing:
    """ "<X> name" where X is a thing the lead asks about (a property) is not the lead's company."""

    def test_property_name_is_not_the_company(self) -> None:
        """ "Property Name" over residences in a sheet of buyers: extra data; "Clinic name" stays the company."""
        props = ["Sunrise Residency", "Green Park Towers", "Lake View Gardens", "Palm Heights"]
        phones = ["+91 98765 43210", "+91 98765 43211", "+91 98765 43212", "+91 98765 43213"]
        fields = _fields(["Name", "Phone", "Property Name"], [PEOPLE[:4], phones, props])
        assert fields["Property Name"] is None and fields["Name"] == "full_name"
        clinics = ["Sunrise Dental Clinic", "Green Park Clinic", "Lake View Clinic", "Palm Clinic"]
        assert _fields(["Clinic name", "Phone"], [clinics, phones])["Clinic name"] == "company"


class TestSeveralEmailsInOneCell:
    """Two addresses in one cell ("a@x.com; b@y.com") are still an email column, by header or by content."""

    CELLS = ["ann@x.com; ann@y.com", "bo@x.com, bo@y.com", "cy@x.com; cy@z.com", "di@x.com / di@y.com", "ed@x.com\ned@y.com"]

    def test_under_an_emails_header(self) -> None:
        """ "Emails" over cells of two addresses keeps its header; the lead's email is the first address."""
        assert _fields(["Name", "Emails"], [PEOPLE[:5], self.CELLS])["Emails"] == "email"
        from shared.core.analysis import analyse_sheet

        grid = [["Name", "Emails"], *[[p, c] for p, c in zip(PEOPLE, self.CELLS)]]
        assert analyse_sheet(grid).leads[0].fields.get("email") == "ann@x.com"

    def test_under_an_unknown_header_by_content(self) -> None:
        """Under "Kontakte" (not understood) the addresses decide; a note that mentions an address does not."""
        assert _fields(["Name", "Kontakte"], [PEOPLE[:5], self.CELLS])["Kontakte"] == "email"
        assert Profile.of(["wrote to ann@x.com about it", "bo@x.com said no", "call"]).email == 0.0


class TestAccountNamedAfterItsCompany:
    """Accounting and CRM exports name the customer after its company: that column is not a person."""

    def test_customer_name_equal_to_company_row_by_row_is_not_the_persons_name(self) -> None:
        """ "Customer Name" repeating "Company Name" in most rows, beside first and last name: not full_name."""
        companies = ["Nordlicht GmbH", "Acme Ltd", "Blue Fox", "Sunrise Dental", "Acme Ltd"]
        customers = ["Nordlicht GmbH", "Acme Ltd", "Blue Fox", "Jo Smith", "Acme Ltd"]
        samples = [customers, companies, ["Ann", "Bo", "Cy", "Jo", "Ed"], ["Lee", "Chan", "Dart", "Smith", "Finch"]]
        fields = _fields(["Customer Name", "Company Name", "First Name", "Last Name"], samples)
        assert fields["Customer Name"] is None and fields["Company Name"] == "company"

    def test_a_different_customer_name_stays_the_person(self) -> None:
        """People's names that differ from the company column keep the name reading."""
        companies = ["Nordlicht GmbH", "Acme Ltd", "Blue Fox", "Sunrise Dental", "Acme Ltd"]
        samples = [PEOPLE[:5], companies]
        assert _fields(["Customer Name", "Company Name"], samples)["Customer Name"] == "full_name"


class TestFieldWithNotesBeside:
    """ "Name and details", "Telefon und Notizen": a field with remarks written beside it is that field."""

    def test_a_field_and_notes_is_the_field(self) -> None:
        """The specific field wins over the catch-all notes; "or" still names one of two fields."""
        from shared.core.mapping import read_header

        assert [e.field for e in read_header("NAME AND DETAILS").evidence] == ["full_name"]
        assert [e.field for e in read_header("Telefon und Notizen").evidence] == ["phone"]
        assert read_header("Email or notes").evidence == ()

    def test_names_with_remarks_map_to_the_name(self) -> None:
        """Values like "priya - met at expo" under "Name and details" keep the name reading."""
        names = ["Ann Lee - met at expo", "BO CHAN (friend of Cy)", "cy", "Di & Ed Moss"]
        assert _fields(["Name and details", "Phone"], [names, ["+1 212 555 0100"] * 4])["Name and details"] == "full_name"


class TestOneWordBrandsInAListing:
    """A listing's party column of distinct one-word brands ("Driebit", "dpdk") is the company."""

    SITES = ["driebit.nl", "dpdk.com", "emakina.nl", "happyhorizon.com", "ddb.nl", "valtech.nl"]
    MAILS = ["info@driebit.nl", "hi@dpdk.com", "info@emakina.nl", "hi@happyhorizon.com", "info@ddb.nl", "info@valtech.nl"]

    def test_title_of_brands_with_web_addresses_is_the_company(self) -> None:
        """A directory export's "Title" over agency brands, with websites and no company column."""
        brands = ["Driebit", "dpdk", "Emakina", "Happy Horizon", "DDB Unlimited", "Valtech"]
        fields = _fields(["Title", "Email", "Website"], [brands, self.MAILS, self.SITES])
        assert fields["Title"] == "company"

    def test_job_titles_and_first_names_stay_what_they_are(self) -> None:
        """One-word roles ("Founder", "Director") stay job titles; known first names stay people."""
        roles = ["Founder", "Director", "CEO", "Owner", "Manager", "President"]
        assert _fields(["Title", "Email", "Website"], [roles, self.MAILS, self.SITES])["Title"] == "job_title"
        firsts = ["Maria", "John", "Peter", "Anna", "David", "Laura"]
        assert _fields(["Name", "Email", "Website"], [firsts, self.MAILS, self.SITES])["Name"] == "full_name"


class TestTinyListings:
    """One or two rows of a listing still say business by their legal forms, trade words and web addresses."""

    def test_camel_case_legal_forms_in_accented_names(self) -> None:
        """ "Oberflächentechnik GmbH": the legal form is read whole in a value with accents too."""
        assert Profile.of(["Oberflächentechnik GmbH", "Müller Söhne KGaA"]).org == 1.0

    def test_two_rows_of_businesses_with_web_addresses(self) -> None:
        """A two-row listing with websites: "name" over shop names is the company."""
        fields = _fields(
            ["name", "website", "phone"], [["Thurø Bageri", "Circle K"], ["bageri.dk", "circlek.dk"], ["62 22 11 00", "62 22 11 01"]]
        )
        assert fields["name"] == "company"

    def test_one_business_under_a_customer_name_header_in_japanese(self) -> None:
        """ "顧客名" (customer name) over one construction company: the company."""
        assert _fields(["顧客名", "電話"], [["仙台建設工業"], ["022-123-4567"]])["顧客名"] == "company"

    def test_two_people_with_web_addresses_stay_people(self) -> None:
        """Two people with their own web sites keep the name reading."""
        fields = _fields(["name", "website"], [["Maria Garcia", "John Smith"], ["mariagarcia.com", "johnsmith.dev"]])
        assert fields["name"] == "full_name"


class TestContentRanksPeopleByGivenNames:
    """Without a header, of two person-shaped columns the one with known given names is the name."""

    def test_name_column_beats_a_city_column(self) -> None:
        """ "Palo Alto", "Santa Cruz" look like names; "Maria Lopez" has a known given name."""
        cities = ["Palo Alto", "Santa Cruz", "Los Gatos", "Half Moon", "Menlo Oaks", "Mountain View"]
        names = ["Maria Lopez", "John Smith", "Peter Brown", "Anna Meier", "David Klein", "Laura Stone"]
        fields = _fields([None, None, None], [cities, names, ["a@x.com", "b@x.com", "c@x.com", "d@x.com", "e@x.com", "f@x.com"]])
        assert fields["column_B"] == "full_name" and fields["column_A"] != "full_name"


class TestAnAddressRowIsData:
    """A row holding an e-mail address is someone's contact, never the header."""

    def test_a_later_data_row_with_vocabulary_words_is_not_taken_as_the_header(self) -> None:
        """A header-less sheet whose values hold field words ("Lead", "Website") somewhere below: still no header."""
        from shared.core.detection import detect_header
        from shared.core.models import NoHeader

        firms = ["Media Company", "Fashion Brand", "Marketing Agency", "Law Firm", "Tech Startup", "Design Studio"] * 2
        rows = [[f"Person {i}", f"p{i}@example.com", f"555-01{i:02d}", firm] for i, firm in enumerate(firms)]
        rows[1] = ["Contact Person", "info@company.com", "Phone Lead", "Company Website"]  # field words, and an address
        assert isinstance(detect_header(rows), NoHeader)

    def test_a_real_header_above_addresses_is_still_found(self) -> None:
        """ "Name | Email | Phone" above rows with addresses: the header."""
        from shared.core.detection import detect_header
        from shared.core.models import HeaderMatch

        grid = [["Name", "Email", "Phone"], ["Ann Lee", "ann@x.com", "555-0100"], ["Bo Chan", "bo@x.com", "555-0101"]]
        h = detect_header(grid)
        assert isinstance(h, HeaderMatch) and h.row == 0


class TestHeaderlessNamePairs:
    """Two adjacent columns of single capitalised words are first and last name only when they look like names."""

    MAILS = [f"p{i}@example.com" for i in range(8)]

    def test_city_and_state_are_not_a_name_pair(self) -> None:
        """ "Austin | Texas": places (states repeat), not first and last name."""
        cities = ["Tampa", "Dallas", "Boston", "Houston", "Denver", "Phoenix", "Seattle", "Miami"]
        states = ["Texas", "Texas", "Massachusetts", "Texas", "Colorado", "Arizona", "Washington", "Florida"]
        fields = _fields([None, None, None], [cities, states, self.MAILS])
        assert fields["column_A"] not in ("first_name", "last_name") and fields["column_B"] not in ("first_name", "last_name")

    def test_names_the_list_does_not_know_still_pair_when_they_differ_row_by_row(self) -> None:
        """Distinct given and family names outside the given-name list ("Wassim | Trabelsi") are still a pair."""
        given = ["Wassim", "Yassine", "Aymen", "Skander", "Oussama", "Rania", "Ines", "Hamza"]
        family = ["Trabelsi", "Gharbi", "Jaziri", "Mejri", "Sassi", "Hammami", "Dridi", "Ayari"]
        fields = _fields([None, None, None], [given, family, self.MAILS])
        assert fields["column_A"] == "first_name" and fields["column_B"] == "last_name"


class TestRepeatedPeopleAreNotTheLead:
    """Without a header, of two columns of people the one that differs row by row is the lead's name."""

    def test_staff_names_repeated_on_every_row_lose_to_the_leads_names(self) -> None:
        """A sales rep column ("John Smith" on most rows) beside the clients' names, to its right or left."""
        clients = ["Aisha Khan", "Vikram Desai", "Meera Iyer", "Rohan Shah"]
        reps = ["John Smith", "John Smith", "Maria Lopez", "John Smith"]
        mails = [f"c{i}@example.com" for i in range(4)]
        fields = _fields([None, None, None], [reps, clients, mails])
        assert fields["column_B"] == "full_name" and fields["column_A"] != "full_name"


class TestCategoryHeadersNameNoParty:
    """Type, segment, sector, course, product columns hold categories: never the company, even with trade words."""

    def test_categories_of_businesses_beside_people_are_not_the_company(self) -> None:
        """ "Type" over "Beauty Salon", "Dental Clinic" next to people's names: extra data, in several languages."""
        types = ["Beauty Salon", "Dental Clinic", "Auto Repair", "Coffee Shop", "Pet Shop", "Dental Clinic", "Hair Salon", "Auto Repair"]
        people = ["Ann Lee", "Bo Chan", "Cy Dart", "Di Moss", "Ed Finch", "Flo Grant", "Gus Hale", "Hal Ives"]
        phones = [f"+1 212 555 01{i:02d}" for i in range(8)]
        for header in ("Type", "Segment", "Sector", "Vertical", "Product", "Rubro", "Branche", "Settore"):
            assert _fields(["Name", header, "Phone"], [people, types, phones])[header] is None, header

    def test_a_course_name_is_not_the_company(self) -> None:
        """ "Course name" names a course (the head noun's modifier is refused)."""
        from shared.core.mapping import read_header

        assert read_header("Course name").evidence == () and read_header("Course name").refused


class TestHeadersAboutAFieldNotOfIt:
    """ "Email signature", "Mobile performance", "Send welcome email" are about a field, not the lead's value of it."""

    def test_qualified_and_action_headers_in_a_one_row_sheet(self) -> None:
        """With one row the values cannot veto the header: its words must."""
        labels = ["Name", "Email", "Email Signature", "Send Welcome Email", "Mobile Performance"]
        samples = [["Ann Lee"], ["ann@x.com"], ["Best, Ann"], ["1"], ["0.82"]]
        fields = _fields(labels, samples)
        assert fields["Email"] == "email"
        assert fields["Email Signature"] is None and fields["Send Welcome Email"] is None and fields["Mobile Performance"] is None


class TestDatesOfSomethingElse:
    """A date word followed by what it dates ("Data richiamo", "Дата выдачи паспорта", "最近交付日期") is not when the lead came in."""

    def test_dates_of_other_events(self) -> None:
        """Recall, passport issue and delivery dates are extra data."""
        from shared.core.mapping import read_header

        for header in ("data_richiamo", "Дата выдачи паспорта", "Fecha visita", "最近交付日期", "最終訪問日"):
            assert read_header(header).evidence == (), header

    def test_dates_of_the_leads_arrival_stay_created_at(self) -> None:
        """Creation, registration and submission dates in many languages keep created_at."""
        from shared.core.mapping import read_header

        for header in (
            "Date created",
            "Дата создания",
            "Tanggal daftar",
            "data_inscriere",
            "Datum Anfrage",
            "登録日",
            "创建时间",
            "신청일",
            "Date (UTC)",
        ):
            assert [e.field for e in read_header(header).evidence] == ["created_at"], header
