"""A browser's User-Agent header in words ("Firefox on Windows"), for the sessions page.

A simple reading of the header, good enough to tell one's own devices apart; a header can
say anything, so this is a label, never proof of what the device is.
"""

from __future__ import annotations

MAX_HEADER = 512
UNKNOWN = "Unknown browser"

# Order matters: Edge and Opera also name Chrome, Chrome also names Safari.
BROWSERS = (
    ("Edg/", "Edge"),
    ("EdgA/", "Edge"),
    ("OPR/", "Opera"),
    ("Firefox/", "Firefox"),
    ("FxiOS/", "Firefox"),
    ("SamsungBrowser/", "Samsung Internet"),
    ("CriOS/", "Chrome"),
    ("Chromium/", "Chromium"),
    ("HeadlessChrome/", "Chrome"),
    ("Chrome/", "Chrome"),
    ("Safari/", "Safari"),
    ("curl/", "curl"),
)
SYSTEMS = (
    ("iPhone", "iPhone"),
    ("iPad", "iPad"),
    ("Android", "Android"),
    ("CrOS", "ChromeOS"),
    ("Windows", "Windows"),
    ("Mac OS X", "macOS"),
    ("Macintosh", "macOS"),
    ("Linux", "Linux"),
)


def describe(header: str | None) -> str:
    """ "Firefox on Linux", "Safari on iPhone", "Chrome", or "Unknown browser"."""
    text = (header or "")[:MAX_HEADER]
    browser = next((name for token, name in BROWSERS if token in text), None)
    system = next((name for token, name in SYSTEMS if token in text), None)
    if browser and system:
        return f"{browser} on {system}"
    if browser or system:
        return browser or f"A browser on {system}"
    return UNKNOWN
