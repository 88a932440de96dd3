"""Propose the parts of an advocacy letter: date, addressees, cc, subject, signatories, demands.

``parse_letter`` works on the normalised text (see ``letter_text``); every item it
finds carries the ``span`` (start, end) of the passage it came from in
``ParsedLetter.source_text`` so that a review screen can highlight it.

A letter is read as three zones: the *header* (up to the salutation: date,
addressee blocks, subject), the *body* (salutation to closing formula: the
demands) and the *signature* zone (after the closing: signatories, then cc).

What counts as the verbatim text of a demand:

* a sentence in running text that makes an ask (``we urge you to``, ``nous
  demandons``, ``instamos al Gobierno a`` ...): the **whole sentence**, so that the
  reviewer sees who asks whom and any condition that comes with the ask;
* an item of a numbered or bulleted list introduced by an ask ("We urge you to:"):
  the **item** without its list marker and without a trailing ``;``, ``,`` or
  joining word ("; and"); the lead-in itself is not a demand.

Text is whitespace-folded but otherwise unchanged. Words are language data
(``lexicons/*.json``); the letter's language is detected from its text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from functools import cache

from tracker.domain.letter_text import fold_whitespace, is_list_item, normalise_letter_text
from tracker.domain.lexicons import Lexicon, all_lexicons, all_months, detect_language, union

Span = tuple[int, int]


@dataclass(frozen=True)
class LetterDate:
    value: date
    span: Span


@dataclass(frozen=True)
class Subject:
    text: str
    span: Span


@dataclass(frozen=True)
class Official:
    """An addressee or a person in copy."""

    name: str | None
    title: str | None
    institution: str | None
    address: str | None
    span: Span

    def to_dict(self) -> dict:
        return {
            "name": self.name,
            "title": self.title,
            "institution": self.institution,
            "address": self.address,
        }


@dataclass(frozen=True)
class Signatory:
    name: str | None
    title: str | None
    organisation: str | None
    span: Span

    def to_dict(self) -> dict:
        return {"name": self.name, "title": self.title, "organisation": self.organisation}


@dataclass(frozen=True)
class Demand:
    text: str
    title: str
    span: Span

    def to_dict(self) -> dict:
        return {"text": self.text, "title": self.title}


@dataclass(frozen=True)
class ParsedLetter:
    source_text: str
    language: str
    date: LetterDate | None
    subject: Subject | None
    addressees: tuple[Official, ...]
    cc: tuple[Official, ...]
    signatories: tuple[Signatory, ...]
    demands: tuple[Demand, ...]

    def to_dict(self) -> dict:
        return {
            "date": self.date.value.isoformat() if self.date else None,
            "subject": self.subject.text if self.subject else None,
            "addressees": [a.to_dict() for a in self.addressees],
            "cc": [c.to_dict() for c in self.cc],
            "signatories": [s.to_dict() for s in self.signatories],
            "demands": [d.to_dict() for d in self.demands],
        }


# --------------------------------------------------------------------------- lines


@dataclass(frozen=True)
class _Line:
    text: str
    start: int

    @property
    def end(self) -> int:
        return self.start + len(self.text)


def _split_lines(text: str) -> list[_Line]:
    lines, offset = [], 0
    for raw in text.split("\n"):
        lines.append(_Line(raw, offset))
        offset += len(raw) + 1
    return lines


def _blocks(lines: list[_Line]) -> list[list[_Line]]:
    """Runs of non-blank lines."""
    blocks: list[list[_Line]] = [[]]
    for line in lines:
        if line.text:
            blocks[-1].append(line)
        elif blocks[-1]:
            blocks.append([])
    return [block for block in blocks if block]


def _phrase_pattern(phrases: tuple[str, ...], tail: str = r"(?=\W|$)") -> re.Pattern[str]:
    """Any phrase at the start of a line, longest first, as a whole word."""
    alternatives = "|".join(re.escape(p) for p in sorted(set(phrases), key=len, reverse=True))
    return re.compile(rf"^(?:{alternatives}){tail}", re.IGNORECASE)


def _starts_with(line: str, phrases: tuple[str, ...]) -> re.Match[str] | None:
    # Phrases ending in punctuation ("Re:", "H.E.") need no word boundary after them.
    return _cached_pattern(phrases).match(line)


@cache
def _cached_pattern(phrases: tuple[str, ...]) -> re.Pattern[str]:
    alternatives = "|".join(
        re.escape(p) + ("" if not p[-1].isalnum() else r"(?=[\W]|$)")
        for p in sorted(set(phrases), key=len, reverse=True)
    )
    return re.compile(rf"^(?:{alternatives})", re.IGNORECASE)


@cache
def _word_pattern(words: tuple[str, ...]) -> re.Pattern[str]:
    alternatives = "|".join(re.escape(w) for w in sorted(set(words), key=len, reverse=True))
    return re.compile(rf"(?<!\w)(?:{alternatives})(?!\w)", re.IGNORECASE)


def _skipped(line: str) -> bool:
    return bool(_starts_with(line, union("skip_line_markers"))) or "@" in line


# --------------------------------------------------------------------------- zones


@dataclass(frozen=True)
class _Zones:
    header_end: int  # index of the salutation line, or of the first body line
    body_start: int
    body_end: int  # index of the closing line, or len(lines)


def _is_salutation(line: str) -> bool:
    if len(line) > 90 or not _starts_with(line, union("salutations")):
        return False
    return line.endswith((",", ":", ";")) or line.lower().startswith("dear ")


def _is_body_paragraph(line: str) -> bool:
    return len(line.split()) >= 12 and not _starts_with(line, union("subject_markers"))


def _find_zones(lines: list[_Line]) -> _Zones:
    salutation = next((i for i, ln in enumerate(lines) if _is_salutation(ln.text)), None)
    if salutation is None:
        first_body = next((i for i, ln in enumerate(lines) if _is_body_paragraph(ln.text)), 0)
        header_end, body_start = first_body, first_body
    else:
        header_end, body_start = salutation, salutation + 1
    closings = [
        i
        for i, ln in enumerate(lines)
        if i >= body_start and _starts_with(ln.text, union("closings"))
    ]
    return _Zones(header_end, body_start, closings[-1] if closings else len(lines))


# --------------------------------------------------------------------------- date


@cache
def _date_patterns() -> tuple[re.Pattern[str], ...]:
    months = "|".join(re.escape(m) for m in sorted(all_months(), key=len, reverse=True))
    suffixes = "|".join(
        re.escape(s) for s in sorted(union("ordinal_suffixes"), key=len, reverse=True)
    )
    connectors = "|".join(re.escape(c) for c in union("date_connectors"))
    day = rf"(?P<day>[0-3]?\d)(?:{suffixes})?"
    month = rf"(?P<month>{months})\.?"
    link = rf"(?:\s+(?:{connectors}))?" if connectors else ""
    return (
        re.compile(r"(?<!\d)(?P<year>\d{4})-(?P<month>\d{2})-(?P<day>\d{2})(?!\d)"),
        re.compile(rf"(?<!\w){month}\s+{day},?\s+(?P<year>\d{{4}})(?!\d)", re.IGNORECASE),
        re.compile(
            rf"(?<!\w){day}{link}\s+{month}{link},?\s+(?P<year>\d{{4}})(?!\d)", re.IGNORECASE
        ),
    )


def _find_date(text: str, start: int, end: int) -> LetterDate | None:
    found: list[LetterDate] = []
    months = all_months()
    for pattern in _date_patterns():
        for match in pattern.finditer(text, start, end):
            raw_month = match.group("month")
            month = int(raw_month) if raw_month.isdigit() else months[raw_month.lower()]
            try:
                value = date(int(match.group("year")), month, int(match.group("day")))
            except ValueError:
                continue
            found.append(LetterDate(value, match.span()))
    return min(found, key=lambda d: d.span[0]) if found else None


# --------------------------------------------------------------------------- people


_NAME_PARTICLES = frozenset(
    {"de", "da", "das", "del", "della", "der", "di", "do", "dos", "du", "la", "le", "van"}
    | {"von", "y", "e", "bin", "ibn", "al", "el", "ben", "of"}
)


def _looks_like_name(text: str, *, allow_single: bool = False) -> bool:
    tokens = text.split()
    if not (2 if not allow_single else 1) <= len(tokens) <= 6 or re.search(r"\d|[(),:;@/]", text):
        return False
    if _is_organisation(text) or _starts_with(text, union("institution_words")):
        return False
    if _word_pattern(union("titles")).search(text):
        return False
    if not tokens[0][0].isupper():
        return False
    return all(t[0].isupper() or t.lower() in _NAME_PARTICLES for t in tokens)


def _is_organisation(text: str) -> bool:
    return bool(_word_pattern(union("organisation_words")).search(text)) or (
        text.isupper() and 2 <= len(text) <= 12 and " " not in text
    )


def _is_title(text: str) -> bool:
    if _starts_with(text, union("institution_words")) or _starts_with(text, ("The",)):
        return False
    return bool(_word_pattern(union("titles")).search(text))


def _strip_honorifics(text: str) -> tuple[str, bool]:
    stripped = False
    while match := _starts_with(text, union("honorifics")):
        rest = text[match.end() :].strip()
        if not rest:
            break
        text, stripped = rest, True
    return text, stripped


def _strip_prefix_title(text: str) -> tuple[str, str | None]:
    """Split "President Donald J. Trump" into its name and its title."""
    match = _starts_with(text, union("titles"))
    if match and match.group(0)[0].isupper():
        rest = text[match.end() :].strip()
        if _looks_like_name(rest):
            return rest, match.group(0)
    return text, None


@dataclass(frozen=True)
class _Person:
    name: str | None
    title: str | None
    extra: tuple[str, ...]  # further comma-separated parts after the title
    honorific: bool = False


def _parse_person(line: str, *, next_line: str | None = None) -> _Person | None:
    """A person named at the start of ``line``, or None."""
    head, *tail = [part.strip() for part in re.split(r",\s+", line)]
    head, honorific = _strip_honorifics(head)
    head, prefix_title = _strip_prefix_title(head)
    if not _looks_like_name(head, allow_single=honorific):
        return None
    title = prefix_title
    if tail and _is_title(tail[0]):
        title = tail.pop(0)
    introduced = honorific or prefix_title or title or (next_line and _is_title(next_line))
    return _Person(head, title, tuple(tail), honorific) if introduced else None


def _is_address(line: str) -> bool:
    return bool(re.search(r"\d", line)) or bool(
        re.match(r"(?:P\.?\s?O\.?\s+Box|B\.?P\.?\s|Apartado|Case postale|CP\s)", line, re.I)
    )


def _official_from_lines(lines: list[_Line], person: _Person) -> Official:
    title, institution, address = person.title, None, []
    for extra in person.extra:
        if institution is None and not _is_address(extra):
            institution = extra
        else:
            address.append(extra)
    for line in lines[1:]:
        text = line.text
        if address or _is_address(text):
            address.append(text)
        elif title is None and _is_title(text):
            title = text
        elif institution is None:
            institution = text
        else:
            address.append(text)
    return Official(
        person.name,
        title,
        institution,
        ", ".join(address) or None,
        (lines[0].start, lines[-1].end),
    )


def _to_marker_stripped(line: _Line) -> _Line:
    match = _starts_with(line.text, union("to_markers"))
    if not match:
        return line
    rest = line.text[match.end() :]
    offset = len(rest) - len(rest.lstrip())
    return _Line(rest.strip(), line.start + match.end() + offset)


def _officials_in_block(block: list[_Line]) -> list[Official]:
    """Addressees in a block of lines: each starts at a line naming a person."""
    groups: list[tuple[_Person, list[_Line]]] = []
    for i, line in enumerate(block):
        line = _to_marker_stripped(line)
        following = block[i + 1].text if i + 1 < len(block) else None
        person = _parse_person(line.text, next_line=following)
        # Inside an addressee's lines only an honorific starts the next one: "King Charles
        # Street" is an address, not King Charles.
        if person and (not groups or person.honorific):
            groups.append((person, [line]))
        elif groups:
            groups[-1][1].append(line)
    return [_official_from_lines(lines, person) for person, lines in groups]


# --------------------------------------------------------------------------- cc


def _cc_blocks(lines: list[_Line], skip: range) -> list[tuple[int, list[_Line]]]:
    """(index of marker line, entry lines) for every cc marker outside the body."""
    found = []
    for i, line in enumerate(lines):
        match = _starts_with(line.text, union("cc_markers"))
        if i in skip or not match:
            continue
        rest = line.text[match.end() :].lstrip(" :")
        entries = [_Line(rest, line.end - len(rest))] if rest else []
        for follower in lines[i + 1 :]:
            if not follower.text or _starts_with(follower.text, union("cc_markers")):
                break
            entries.append(follower)
        found.append((i, entries))
    return found


def _cc_official(line: _Line) -> Official:
    person = _parse_person(line.text) or _Person(None, None, ())
    if person.name is None:
        parts = [p.strip() for p in re.split(r",\s+", line.text)]
        if _is_title(parts[0]):
            return Official(
                None, parts[0], ", ".join(parts[1:]) or None, None, (line.start, line.end)
            )
        return Official(None, None, line.text, None, (line.start, line.end))
    return _official_from_lines([line], person)


def _split_entries(line: _Line) -> list[_Line]:
    entries, offset = [], 0
    for part in line.text.split(";"):
        stripped = part.strip()
        if stripped:
            start = line.start + offset + part.index(stripped)
            entries.append(_Line(stripped, start))
        offset += len(part) + 1
    return entries


# --------------------------------------------------------------------------- signatories


def _signatories_in_block(block: list[_Line]) -> list[Signatory]:
    signatories: list[Signatory] = []
    groups: list[tuple[_Person, list[_Line]]] = []
    for line in block:
        person = None if _is_organisation(line.text.split(",")[0]) else _parse_person(line.text)
        if person is None and _looks_like_name(_strip_honorifics(line.text)[0]):
            person = _Person(_strip_honorifics(line.text)[0], None, ())
        if person:
            groups.append((person, [line]))
        elif groups:
            groups[-1][1].append(line)
        else:
            signatories.append(Signatory(None, None, line.text, (line.start, line.end)))
    for person, lines in groups:
        rest = list(person.extra) + [ln.text for ln in lines[1:]]
        title, organisation = person.title, None
        if rest and (len(rest) > 1 or _is_organisation(rest[-1]) or not _is_title(rest[-1])):
            organisation = rest.pop()
        if rest:
            title = ", ".join(([title] if title else []) + rest)
        signatories.append(
            Signatory(person.name, title, organisation, (lines[0].start, lines[-1].end))
        )
    return signatories


# --------------------------------------------------------------------------- demands


_SENTENCE_END = re.compile(
    r"[.!?][\"'\u201d\u2019)\]]*\s+(?=[\"'\u201c\u2018(\[\u00bf\u00a1]?[A-Z\u00c0-\u00de0-9])"
)


def _sentences(line: _Line, lexicon: Lexicon) -> list[_Line]:
    abbreviations = {a.lower() for a in lexicon.abbreviations + all_lexicons()["en"].abbreviations}
    pieces, start = [], 0
    for match in _SENTENCE_END.finditer(line.text):
        before = line.text[start : match.start() + 1]
        last_word = before.split()[-1].rstrip(".").lower() if before.split() else ""
        if last_word in abbreviations or re.fullmatch(r"[^\W\d]", last_word) or "." in last_word:
            continue
        pieces.append(_Line(line.text[start : match.start() + 1].strip(), line.start + start))
        start = match.end()
    tail = line.text[start:].strip()
    if tail:
        pieces.append(_Line(tail, line.start + start))
    return [piece for piece in pieces if piece.text]


def _ask(text: str, lexicon: Lexicon) -> re.Match[str] | None:
    if any(re.search(p, text, re.IGNORECASE) for p in lexicon.non_demand_patterns):
        return None
    matches = (re.search(p, text, re.IGNORECASE) for p in lexicon.demand_patterns)
    return min((m for m in matches if m), key=lambda m: m.start(), default=None)


def _demand_title(text: str, lexicon: Lexicon, ask: re.Match[str] | None) -> str:
    """A few words naming the action asked for, taken from the words after the ask."""
    rest = text[ask.end() :] if ask else text
    words = rest.split()
    markers = {m.lower() for m in lexicon.infinitive_markers}
    for i, word in enumerate(words[:10] if ask else []):
        bare = word.lower()
        elided = next(
            (m for m in markers if m.endswith(("'", "\u2019")) and bare.startswith(m)), None
        )
        if bare in markers:
            words = words[i + 1 :]
            break
        if elided and len(bare) > len(elided):
            words = [word[len(elided) :], *words[i + 1 :]]
            break
    stops = {w.lower() for w in lexicon.title_stop_words}
    kept: list[str] = []
    for word in words[:8]:
        bare = word.lower().strip(".,;:")
        if kept and (bare in stops or " ".join([kept[-1].lower(), bare]) in stops):
            break
        if re.search(r"\w\.\w+\.$", word):  # an abbreviation such as "U.S."
            kept.append(word)
            continue
        kept.append(word.rstrip(".;:,"))
        if word.endswith((",", ";", ":", ".")) or "(" in word:
            break
    trailing = {w.lower() for w in lexicon.title_trailing_words}
    while len(kept) > 1 and kept[-1].lower() in trailing:
        kept.pop()
    title = " ".join(kept).rstrip(",;:(")
    return title[:1].upper() + title[1:]


def _list_item_text(line: _Line, lexicon: Lexicon) -> _Line:
    marker = re.match(r"^\S+\s+", line.text)
    text = line.text[marker.end() :] if marker else line.text
    connectors = "|".join(re.escape(c) for c in lexicon.list_connectors)
    text = re.sub(rf"(?:[;,]\s*(?:{connectors})?|\s+(?:{connectors}))$", "", text.rstrip())
    return _Line(text, line.start + (marker.end() if marker else 0))


def _find_demands(lines: list[_Line], lexicon: Lexicon) -> list[Demand]:
    demands: list[Demand] = []
    under_ask_lead_in = False
    pending_lead_in: tuple[_Line, re.Match[str]] | None = None
    for line in lines:
        if not line.text:
            continue
        if is_list_item(line.text):
            item = _list_item_text(line, lexicon)
            ask = _ask(item.text, lexicon)
            if under_ask_lead_in or ask:
                pending_lead_in = None
                demands.append(_demand(item, lexicon, ask))
            continue
        if pending_lead_in:  # a lead-in with no list after it is an ask of its own
            demands.append(_demand(pending_lead_in[0], lexicon, pending_lead_in[1]))
            pending_lead_in = None
        under_ask_lead_in = False
        for sentence in _sentences(line, lexicon):
            ask = _ask(sentence.text, lexicon)
            if not ask:
                continue
            if sentence.text.endswith(":"):
                under_ask_lead_in, pending_lead_in = True, (sentence, ask)
            else:
                demands.append(_demand(sentence, lexicon, ask))
    if pending_lead_in:
        demands.append(_demand(pending_lead_in[0], lexicon, pending_lead_in[1]))
    return demands


def _demand(piece: _Line, lexicon: Lexicon, ask: re.Match[str] | None) -> Demand:
    text = fold_whitespace(piece.text)
    return Demand(text, _demand_title(text, lexicon, ask), (piece.start, piece.end))


# --------------------------------------------------------------------------- letter


def _header_officials(lines: list[_Line], header_end: int, letter_date: LetterDate | None):
    """Addressee blocks: those after the date line, else any in the header."""
    usable = [
        ln
        if not _skipped(ln.text) and not _starts_with(ln.text, union("subject_markers"))
        else _Line("", ln.start)
        for ln in lines[:header_end]
    ]
    blocks = _blocks(usable)
    if letter_date:
        after = [b for b in blocks if b[0].start > letter_date.span[0]]
        found = [o for b in after for o in _officials_in_block(b)]
        if found:
            return found
    return [o for b in blocks for o in _officials_in_block(b)]


def _find_subject(lines: list[_Line], header_end: int) -> Subject | None:
    for line in lines[: header_end + 2]:
        match = _starts_with(line.text, union("subject_markers"))
        if match:
            rest = line.text[match.end() :]
            text = rest.lstrip(" :.")
            if text:
                return Subject(text, (line.end - len(text), line.end))
    return None


def parse_letter(text: str) -> ParsedLetter:
    """Propose the parts of the letter in ``text`` (raw or already normalised)."""
    source = normalise_letter_text(text)
    lexicon = all_lexicons()[detect_language(source)]
    lines = _split_lines(source)
    zones = _find_zones(lines)
    header_end_offset = lines[zones.header_end].start if zones.header_end < len(lines) else 0
    letter_date = _find_date(source, 0, header_end_offset) or _find_date(source, 0, len(source))

    body = range(zones.body_start, zones.body_end)
    cc_blocks = _cc_blocks(lines, skip=range(zones.header_end, zones.body_end))
    cc = [
        _cc_official(entry)
        for _, entries in cc_blocks
        for line in entries
        for entry in _split_entries(line)
    ]
    cc_lines = {i for i, entries in cc_blocks for i in [i, *range(i, i + len(entries) + 1)]}
    header = [ln if i not in cc_lines else _Line("", ln.start) for i, ln in enumerate(lines)]
    addressees = _header_officials(header, zones.header_end, letter_date)

    signature_lines = [
        ln
        if (
            i not in cc_lines
            and not _skipped(ln.text)
            and not ln.text.endswith(":")
            and not _find_date(ln.text, 0, len(ln.text))
        )
        else _Line("", ln.start)
        for i, ln in enumerate(lines)
        if i > zones.body_end
    ]
    signatories = [s for b in _blocks(signature_lines) for s in _signatories_in_block(b)]

    return ParsedLetter(
        source_text=source,
        language=lexicon.code,
        date=letter_date,
        subject=_find_subject(lines, zones.header_end),
        addressees=tuple(addressees),
        cc=tuple(cc),
        signatories=tuple(signatories),
        demands=tuple(_find_demands([lines[i] for i in body], lexicon)),
    )
