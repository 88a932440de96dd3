"""Clean up the raw text of a letter before parsing it.

Raw text comes from a PDF's text layer (hard line breaks, stray runs of spaces,
words hyphenated at line ends, page numbers, running headers), from a DOCX or an
email (one paragraph per line) or from a paste. ``normalise_letter_text`` returns
text in one canonical shape the parser relies on:

* one logical line per paragraph, list item, or short block line (address lines,
  signature lines and the like stay on their own lines);
* a single blank line between blocks;
* no page numbers, running headers or footers, form feeds, soft hyphens, or runs
  of spaces; no leading or trailing spaces on lines.
"""

from __future__ import annotations

import re
from collections import Counter

from tracker.domain.letter_parsing.lines import Line
from tracker.domain.lexicons import union

PAGE_BREAK = "\f"

_INVISIBLE = dict.fromkeys(map(ord, "\u00ad\u200b\u200c\u200d\u2060\ufeff"), None)
_SPACES = dict.fromkeys(map(ord, "\t\u00a0\u2007\u2009\u202f\u3000"), " ")
_LIGATURES = {"\ufb00": "ff", "\ufb01": "fi", "\ufb02": "fl", "\ufb03": "ffi", "\ufb04": "ffl"}

# Items up to 999: endorsers' tables run to hundreds of numbered organisations.
_LIST_ITEM = re.compile(
    r"^(?:\(?\d{1,3}[.)]|\(?[a-zA-Z][.)]|\((?:[ivx]{1,4}|\d{1,2}|[a-z])\)|[ivx]{1,4}[.)]"
    r"|[-\u2022*\u25cf\u25aa\u25e6\u2013\u2014\u00b7\u25a0>\uf0b7])\s+"
)
# A PDF's text layer often puts a bullet glyph or an item number on a line of its own.
_LONE_MARKER = re.compile(
    r"^(?:[-\u2022*\u25cf\u25aa\u25e6\u2013\u2014\u00b7\u25a0>\uf0b7]|\(?\d{1,2}[.)])$"
)
_TERMINAL = re.compile(r"[.!?:;][\"'\u201d\u2019)\]]*$")
_WRAPPED_HYPHEN = re.compile(r"([^\W\d_]+)-$")
_LINE_END_CHARS = 200
# Word wrapping leaves at most a long word's room at the end of a full line.
_FULL_LINE_FRACTION = 0.75
_MIN_FULL_LINE_SHARE = 0.2
_MAX_FORMULA_LENGTH = 60
# Only documents with enough lines have a meaningful "full line" width.
_MIN_LINES_FOR_WIDTH = 5


def fold_whitespace(text: str) -> str:
    """Collapse every run of whitespace, line breaks included, to one space."""
    return " ".join(text.split())


def is_list_item(line: str) -> bool:
    return bool(_LIST_ITEM.match(line))


def without_list_marker(line: Line) -> Line:
    """A list item's line without its marker ("3.", "•", "(b)")."""
    marker = _LIST_ITEM.match(line.text)
    return line.after(marker.end()) if marker else line


def _page_number_pattern() -> re.Pattern[str]:
    words = "|".join(re.escape(w) for w in sorted(union("page_words"), key=len, reverse=True))
    return re.compile(
        rf"^(?:(?:{words})\s*\d{{1,3}}(?:\s*(?:of|sur|de|/)\s*\d{{1,3}})?"
        r"|[-\u2013\u2014]\s*\d{1,3}\s*[-\u2013\u2014]"
        r"|\d{1,3}(?:\s*/\s*\d{1,3})?)$",
        re.IGNORECASE,
    )


def is_page_number(line: str) -> bool:
    return bool(_page_number_pattern().match(line.strip()))


def _clean_characters(raw: str) -> str:
    text = raw.replace("\r\n", "\n").replace("\r", "\n")
    text = text.replace("\u2028", "\n").replace("\u2029", "\n\n")
    text = text.translate(_INVISIBLE).translate(_SPACES)
    for ligature, letters in _LIGATURES.items():
        text = text.replace(ligature, letters)
    return text


def _fold_line(line: str) -> str:
    return re.sub(r" {2,}", " ", line).strip()


def _split_pages(text: str) -> list[list[str]]:
    """Pages as lists of folded lines; page-number lines end a page and vanish."""
    page_number = _page_number_pattern()
    pages: list[list[str]] = []
    for chunk in text.split(PAGE_BREAK):
        page: list[str] = []
        for raw_line in chunk.split("\n"):
            line = _fold_line(raw_line)
            if page_number.match(line):
                pages.append(page)
                page = []
            else:
                page.append(line)
        pages.append(page)
    # Whether a paragraph ends at a page break is left to the line joiner, so blank
    # lines at page edges (often just the newline before a form feed) are dropped.
    return [_trim_blank_edges(page) for page in pages if any(page)]


def _trim_blank_edges(page: list[str]) -> list[str]:
    filled = [i for i, line in enumerate(page) if line]
    return page[filled[0] : filled[-1] + 1]


def _edge_indexes(page: list[str], depth: int = 2) -> list[int]:
    filled = [i for i, line in enumerate(page) if line]
    return sorted(set(filled[:depth] + filled[-depth:]))


def _header_key(line: str) -> str:
    # Headers often carry the page number or date: compare them without digits.
    return re.sub(r"\d+", "#", line.lower())


def _drop_running_headers(pages: list[list[str]]) -> list[list[str]]:
    """Remove lines repeated at the top or bottom of at least two pages."""
    if len(pages) < 2:
        return pages
    seen_on_pages: Counter[str] = Counter()
    for page in pages:
        seen_on_pages.update({_header_key(page[i]) for i in _edge_indexes(page)})
    repeated = {key for key, count in seen_on_pages.items() if count >= 2}
    cleaned = []
    for page in pages:
        edges = set(_edge_indexes(page))
        cleaned.append(
            [
                line
                for i, line in enumerate(page)
                if not (i in edges and _header_key(line) in repeated)
            ]
        )
    return cleaned


def _wrap_threshold(lines: list[str]) -> float:
    """Length from which a line counts as full, or infinity when the text is not hard-wrapped.

    Hard-wrapped text (a PDF's text layer) has many lines close to one width; text with
    one paragraph per line (DOCX, email) has a few long lines of scattered lengths.
    """
    lengths = sorted(len(line) for line in lines if line)
    if len(lengths) < _MIN_LINES_FOR_WIDTH:
        return float("inf")
    width = lengths[round((len(lengths) - 1) * 0.95)]
    threshold = width * _FULL_LINE_FRACTION
    full_lines = sum(length >= threshold for length in lengths)
    wrapped = full_lines >= max(3, len(lengths) * _MIN_FULL_LINE_SHARE)
    return threshold if wrapped else float("inf")


def _is_formula_line(line: str) -> bool:
    """A salutation or closing on its own line, which never continues a paragraph."""
    if len(line) > _MAX_FORMULA_LENGTH or not line.endswith((",", ":")):
        return False
    phrases = union("salutations") + union("closings")
    return any(line.lower().startswith(phrase.lower()) for phrase in phrases)


# Tried only where a word starts: from every letter of a 100,000-letter line the search
# would rescan the rest of the line (quadratic time).
_HYPHENATED_WORD = re.compile(r"(?<![^\W\d_])[^\W\d_]+-[^\W\d_]+")


def _hyphenated_words(lines: list[str]) -> set[str]:
    """Hyphenated compounds written mid-line, so known to be real hyphens."""
    words: set[str] = set()
    for line in lines:
        words.update(w.lower() for w in _HYPHENATED_WORD.findall(line))
    return words


def _last_closing(lines: list[str]) -> int:
    closings = tuple(c.lower() for c in union("closings"))
    found = [
        i
        for i, line in enumerate(lines)
        if len(line) <= _MAX_FORMULA_LENGTH and line.lower().startswith(closings)
    ]
    return found[-1] if found else len(lines)


def _starts_own_line(line: str, previous: str, in_signature: bool) -> bool:
    """Whether ``line`` starts a line of its own rather than continuing ``previous``.

    List items and cc lines always do; after the closing formula, every signature line
    does: a signature line ("Jane Roe, on behalf of ...") may be as long as a full one.
    """
    if not (previous and line):
        return True
    if is_list_item(line) and not _LONE_MARKER.match(previous):
        return True
    return in_signature or bool(_starts_with_cc_marker(line))


def _starts_with_cc_marker(line: str) -> bool:
    return any(line.startswith(marker) for marker in union("cc_markers") if marker[-1] in ":.")


def _join_wrapped_lines(lines: list[str]) -> list[str]:
    threshold = _wrap_threshold(lines)
    real_hyphens = _hyphenated_words(lines)
    signature_from = _last_closing(lines)
    joined: list[str] = []
    for index, line in enumerate(lines):
        if _starts_own_line(line, joined[-1] if joined else "", index > signature_from):
            joined.append(line)
            continue
        previous = joined[-1]
        # Only the end of a paragraph can hold the wrap: searching the whole paragraph
        # again for every line it absorbs costs quadratic time on long letters.
        tail = previous[-_LINE_END_CHARS:]
        hyphen = _WRAPPED_HYPHEN.search(tail)
        if _LONE_MARKER.match(previous):
            joined[-1] = f"{previous} {line}"
        elif hyphen and line[0].isalpha():
            first_word = re.match(r"[^\W\d_]+", line)
            compound = f"{hyphen.group(1)}-{first_word.group(0) if first_word else ''}".lower()
            keep_hyphen = line[0].isupper() or compound in real_hyphens
            joined[-1] = (previous if keep_hyphen else previous[:-1]) + line
        elif previous.endswith(("\u2014", "\u2013")) and len(previous) >= threshold:
            joined[-1] = previous + line
        elif (
            len(previous) >= threshold and not _TERMINAL.search(tail) and not _is_formula_line(line)
        ):
            joined[-1] = f"{previous} {line}"
        else:
            joined.append(line)
    return joined


def _squeeze_blank_lines(lines: list[str]) -> list[str]:
    squeezed: list[str] = []
    for line in lines:
        if line or (squeezed and squeezed[-1]):
            squeezed.append(line)
    while squeezed and not squeezed[-1]:
        squeezed.pop()
    return squeezed


def normalise_letter_text(raw: str) -> str:
    """Canonical text of a letter: see the module docstring for its shape."""
    pages = _drop_running_headers(_split_pages(_clean_characters(raw)))
    lines = [line for page in pages for line in page]
    return "\n".join(_squeeze_blank_lines(_join_wrapped_lines(lines)))
