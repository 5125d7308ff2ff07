"""Settings never stop the app; CSV files are read whatever their encoding and delimiter."""

from __future__ import annotations

import base64
import json

import pytest

from shared.adapters.csv_source import decode, parse_csv, read_csv, sniff_delimiter
from shared.config import AZURITE_CONNECTION, load_settings
from shared.errors import SourceFormatError, SourceNotFoundError

GOOD = {"id": "acme", "customer": "Acme", "spreadsheet_id": "1AbCdEfGhIjKlMnOp"}
KEY = {
    "client_email": "a@b.iam.gserviceaccount.com",
    "private_key": "-----BEGIN PRIVATE KEY-----",
    "token_uri": "https://oauth2.googleapis.com/token",
}


def test_valid_settings() -> None:
    """A good sheet list, storage and key load with no problems."""
    s = load_settings(
        {
            "LEAD_SYNC_SHEETS": json.dumps([GOOD]),
            "AzureWebJobsStorage": "UseDevelopmentStorage=true",
            "GOOGLE_SERVICE_ACCOUNT_JSON": base64.b64encode(json.dumps(KEY).encode()).decode(),
            "LEAD_SYNC_MAX_DROP": "0.5",
        }
    )
    assert s.problems == () and s.sheets[0].id == "acme" and s.storage_connection == AZURITE_CONNECTION
    assert s.google_credentials == KEY and s.policy(s.sheets[0]).max_drop == 0.5


def test_one_bad_sheet_entry_is_isolated() -> None:
    """An invalid entry becomes a broken sheet with a readable reason; the good one loads."""
    s = load_settings(
        {
            "LEAD_SYNC_SHEETS": json.dumps([GOOD, {"id": "bad/id", "customer": "X"}, {**GOOD, "overrides": {"Foo": "nonsense"}}, GOOD]),
            "LEAD_SYNC_STORAGE": "x",
            "GOOGLE_SERVICE_ACCOUNT_JSON": json.dumps(KEY),
        }
    )
    assert [x.id for x in s.sheets] == ["acme"]
    errors = [(b.id, b.error) for b in s.broken]
    assert errors[0][0] == "bad/id" and "id: String should match pattern" in errors[0][1]
    assert errors[1][0] == "acme" and "overrides" in errors[1][1] and "nonsense" in errors[1][1]
    assert errors[2][0] == "acme" and errors[2][1].startswith("duplicate sheet id 'acme'")


@pytest.mark.parametrize(
    ("env", "fragment"),
    [
        ({}, "no sheets configured"),
        ({"LEAD_SYNC_SHEETS": "[{"}, "not valid JSON"),
        ({"LEAD_SYNC_SHEETS": "{}"}, "must be a JSON list"),
        ({"LEAD_SYNC_SHEETS_FILE": "/no/such.json"}, "cannot be read"),
        ({"LEAD_SYNC_SHEETS": json.dumps([GOOD])}, "GOOGLE_SERVICE_ACCOUNT_JSON is not set"),
        ({"GOOGLE_SERVICE_ACCOUNT_JSON": "%%%"}, "neither JSON nor base64"),
        ({"GOOGLE_SERVICE_ACCOUNT_JSON": '{"a": 1}'}, "lacks client_email"),
        ({"LEAD_SYNC_MAX_DROP": "lots"}, "LEAD_SYNC_MAX_DROP='lots' is not a number"),
        ({"LEAD_SYNC_MAX_DROP": "7"}, "outside"),
    ],
)
def test_bad_settings_become_problems_not_exceptions(env: dict, fragment: str) -> None:
    """Every bad setting is a problem message a person can act on; loading never raises."""
    s = load_settings(env)
    assert any(fragment in p for p in s.problems), s.problems


def test_encodings_are_detected() -> None:
    """UTF-8 with and without BOM, UTF-16 and Latin-1 all decode."""
    text = "Name,Email\nMélanie,m@x.fr\n"
    assert decode(text.encode("utf-8")) == text
    assert decode(b"\xef\xbb\xbf" + text.encode("utf-8")) == text
    assert decode(text.encode("utf-16")) == text
    assert decode(text.encode("latin-1")) == text


@pytest.mark.parametrize("delimiter", [",", ";", "\t", "|"])
def test_delimiters_are_detected(delimiter: str) -> None:
    """Comma, semicolon, tab and pipe files split into the right columns."""
    text = "\n".join(delimiter.join(r) for r in [["Title"], ["Name", "Email", "Notes, more"], ["A", "a@b.co", "x"]])
    text = text.replace("Notes, more", '"Notes, more"') if delimiter == "," else text
    assert sniff_delimiter(text) == delimiter
    assert parse_csv(text)[1] == ["Name", "Email", "Notes, more"]


def test_csv_errors_are_clear(tmp_path) -> None:
    """A missing file and a binary file give typed, readable errors."""
    with pytest.raises(SourceNotFoundError):
        read_csv(tmp_path / "nope.csv")
    binary = tmp_path / "x.csv"
    binary.write_bytes(b"PK\x03\x04\x00\x00binary")
    with pytest.raises(SourceFormatError):
        read_csv(binary)


@pytest.mark.parametrize(
    ("text", "encoding"),
    [
        ("Imię,Nazwisko,Miasto,Telefon\nŁukasz,Żółkiewski,Łódź,+48 600 100 200\nMałgorzata,Wiśniewska,Kraków,+48 601 222 333\n", "cp1250"),
        ("Jméno,Příjmení,Město\nJiří,Novák,Brno\nŽaneta,Dvořáková,Plzeň\nŠtěpán,Černý,Ústí nad Labem\n", "cp1250"),
        ("氏名,メールアドレス,電話番号\n山田太郎,taro@example.jp,03-1234-5678\n佐藤花子,hanako@example.jp,06-9876-5432\n", "shift_jis"),
        (
            "Name,Straße,Ort,Notiz\nJürgen Müller,Hauptstraße 5,Köln,Rückruf gewünscht – 20 €\nRenée Côté,Rue de l'Église,Genève,Très intéressé\n",
            "cp1252",
        ),
        ("Имя,Фамилия,Телефон\nИван,Петров,+7 495 123-45-67\nОльга,Смирнова,+7 812 765-43-21\n", "cp1251"),
    ],
)
def test_legacy_code_pages_decode(text: str, encoding: str) -> None:
    """Exports saved in Central European, Japanese, Western and Cyrillic code pages are not garbled."""
    assert decode(text.encode(encoding)) == text
