"""
Rendering: the Jinja2 environment (autoescaped; built on the first console request, so importing
the app does not import Jinja2), the run-history sparkline as inline SVG, and the security
headers every console answer carries.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
STATIC = HERE / "static"

CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; "
    "form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
)
SECURITY_HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
    "Cache-Control": "no-store",
    "Cross-Origin-Opener-Policy": "same-origin",
}
"""On every console answer: no inline script or style, no framing, no sniffing, no referrer."""

STATUS_COLOURS = {"SUCCESS": "#1a7f37", "WARNING": "#9a6700", "ERROR": "#cf222e"}


@functools.cache
def environment() -> Any:
    """The Jinja2 environment over ``templates/`` (autoescape on)."""
    import jinja2

    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(HERE / "templates")),
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["when"] = when
    env.filters["ago"] = ago
    env.globals["sparkline"] = sparkline
    return env


def render(template: str, **context: Any) -> str:
    return str(environment().get_template(template).render(**context))


def _parse(value: Any) -> datetime | None:
    if isinstance(value, datetime):
        parsed = value
    elif not value:
        return None
    else:
        try:
            parsed = datetime.fromisoformat(str(value))
        except ValueError:
            return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def when(value: Any) -> str:
    """An instant as ``2026-12-07 19:42 UTC``; ``never`` when there is none."""
    parsed = _parse(value)
    return parsed.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC") if parsed else "never"


def ago(value: Any, now: datetime | None = None) -> str:
    """How long ago, in words (``5 min ago``); ``never`` when there is none."""
    parsed = _parse(value)
    if parsed is None:
        return "never"
    seconds = ((now or datetime.now(UTC)) - parsed).total_seconds()
    if seconds < 90:
        return "just now"
    for unit, size in (("day", 86400), ("h", 3600), ("min", 60)):
        if seconds >= size * (1.5 if unit != "min" else 1):
            n = int(seconds // size)
            return f"{n} {unit}{'s' if unit == 'day' and n != 1 else ''} ago"
    return "just now"


def sparkline(runs: Sequence[Mapping[str, Any]], width: int = 96, height: int = 22) -> Any:
    """
    The leads of each recent run (oldest left) as an inline SVG polyline, each run a dot in its
    status colour; presentation attributes only (the CSP allows no inline style). Described for
    screen readers by its ``aria-label``.
    """
    from markupsafe import Markup, escape

    points = [r for r in reversed(list(runs)) if isinstance(r, Mapping)]
    if not points:
        return Markup('<span class="muted">no runs</span>')
    values = [int((r.get("counts") or {}).get("leads") or 0) for r in points]
    top = max(values) or 1
    step = (width - 6) / max(len(values) - 1, 1)
    left = 3 if len(values) > 1 else width - 3  # a single run sits at the right, where the latest run is
    xy = [(round(left + i * step), round(height - 3 - (v / top) * (height - 6))) for i, v in enumerate(values)]
    line = " ".join(f"{x},{y}" for x, y in xy)
    dots = "".join(
        f'<circle cx="{x}" cy="{y}" r="2" fill="{STATUS_COLOURS.get(str(r.get("status")), "#57606a")}"/>'
        for (x, y), r in zip(xy, points, strict=True)
    )
    worst = sum(1 for r in points if r.get("status") == "ERROR")
    label = f"{len(values)} runs, leads from {min(values)} to {max(values)}, {worst} failed"
    return Markup(
        f'<svg class="spark" width="{width}" height="{height}" role="img" aria-label="{escape(label)}">'
        f'<polyline points="{line}" fill="none" stroke="#57606a"/>{dots}</svg>'
    )
