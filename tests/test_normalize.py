"""Normalisation of phones, emails and dates."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from shared.core.normalize import _slow_phone, normalize_date, normalize_email, normalize_phone


@pytest.mark.parametrize(
    ("raw", "want"),
    [
        ("07911 123456", "+447911123456"),
        ("+44 7911 123456", "+447911123456"),
        ("+44 (0)7911 123456", "+447911123456"),
        ("0044 7911 123456", "+447911123456"),
        ("447911123456", "+447911123456"),
        ("7911123456", "+447911123456"),  # a number cell that lost its leading 0
        ("7911123456.0", "+447911123456"),
        ("(020) 7946 0958", "+442079460958"),
        ("0113-496-0456", "+441134960456"),
        ("+1 212 555 0100", "+12125550100"),
        ("+353 1 234 5678", "+35312345678"),
        ("07700 900123", None),  # Ofcom's drama range: not a real number
        ("12345", None),
        ("call me", None),
        ("", None),
    ],
)
def test_normalize_phone_uk_formats(raw: str, want: str | None) -> None:
    """UK numbers in every common format become E.164; invalid ones give None."""
    assert normalize_phone(raw) == want


def test_normalize_phone_other_region() -> None:
    """The default region is configurable."""
    assert normalize_phone("030 901820", "DE") == "+4930901820"


_phone_text = st.builds(
    lambda prefix, digits, seps: prefix + "".join(d + s for d, s in zip(digits, seps)),
    st.sampled_from(["", "0", "+44", "+44 ", "0044 ", "44", "+44 (0)", "(0", "+1 ", "00353 "]),
    st.text(alphabet="0123456789", min_size=6, max_size=12),
    st.lists(st.sampled_from(["", "", "", " ", "-", ")", "."]), min_size=12, max_size=12),
)


@settings(max_examples=2000, deadline=None)
@given(_phone_text)
def test_phone_fast_path_agrees_with_phonenumbers(raw: str) -> None:
    """The metadata-driven fast path gives exactly what phonenumbers itself gives."""
    assert normalize_phone(raw) == _slow_phone(raw, "GB")


@settings(max_examples=500, deadline=None)
@given(
    st.sampled_from(["74", "79", "77", "78", "20", "11", "12", "13", "16", "80", "84", "87", "56"]),
    st.text("0123456789", min_size=8, max_size=8),
)
def test_phone_fast_path_agrees_on_uk_ranges(head: str, tail: str) -> None:
    """Numbers drawn from real UK ranges agree in national and international form."""
    for raw in ("0" + head + tail, "+44" + head + tail, "0044 " + head + " " + tail):
        assert normalize_phone(raw) == _slow_phone(raw, "GB")


@pytest.mark.parametrize(
    ("raw", "want"),
    [
        (" Jane.Doe@Example.COM ", "jane.doe@example.com"),
        ("mailto:a@b.co", "a@b.co"),
        ("<a@b.co>", "a@b.co"),
        ("jane@", None),
        ("not an email", None),
        ("a@b", None),
    ],
)
def test_normalize_email(raw: str, want: str | None) -> None:
    """Emails are trimmed and lower-cased; non-emails give None."""
    assert normalize_email(raw) == want


@pytest.mark.parametrize(
    ("raw", "want"),
    [
        ("45123", "2023-07-16"),
        ("45123.5", "2023-07-16T12:00:00"),
        ("2026-11-20T09:15:00Z", "2026-11-20T09:15:00Z"),  # the zone is kept (issue 11)
        ("2026-11-20T09:15:00+01:00", "2026-11-20T09:15:00+01:00"),
        ("2026-12-03 09:14:22 UTC", "2026-12-03T09:14:22Z"),
        ("2026-12-03 09:14:22 -0500", "2026-12-03T09:14:22-05:00"),
        ("Dec 3, 2026 9:14 AM", "2026-12-03T09:14:00"),
        ("December 3, 2026, 9:14 PM", "2026-12-03T21:14:00"),
        ("Tuesday, 3 December 2026", "2026-12-03"),
        ("Thursday, December 3, 2026", "2026-12-03"),
        ("3 März 2026", "2026-03-03"),
        ("3. Dezember 2026", "2026-12-03"),
        ("15 janvier 2026", "2026-01-15"),
        ("3 de marzo de 2026", None),
        ("2026-11-20", "2026-11-20"),
        ("05/03/2024", "2024-03-05"),
        ("5/3/24", "2024-03-05"),
        ("03/25/2024", "2024-03-25"),  # only makes sense month first
        ("21/11/2026 14:05", "2026-11-21T14:05:00"),
        ("05.03.2024", "2024-03-05"),
        ("5 March 2024", "2024-03-05"),
        ("March 5th, 2024", "2024-03-05"),
        ("05-Mar-2024", "2024-03-05"),
        ("31/02/2024", None),
        ("yesterday", None),
        ("", None),
    ],
)
def test_normalize_date(raw: str, want: str | None) -> None:
    """Dates, including Sheets serial numbers and UK day-first dates, become ISO 8601."""
    assert normalize_date(raw) == want


def test_normalize_date_month_first_option() -> None:
    """A US sheet can read numeric dates month first."""
    assert normalize_date("05/03/2024", day_first=False) == "2024-05-03"


@given(st.text(max_size=40))
def test_normalizers_never_raise(value: str) -> None:
    """Any text gives a value or None, never an exception."""
    normalize_phone(value)
    normalize_email(value)
    normalize_date(value)
