"""``parse_letter``: read a letter's zones and assemble what each of them proposes."""

from __future__ import annotations

from tracker.domain.letter_parsing.cc import find_cc
from tracker.domain.letter_parsing.dates import find_letter_date
from tracker.domain.letter_parsing.demands import find_demands
from tracker.domain.letter_parsing.header import find_addressees, find_subject
from tracker.domain.letter_parsing.lines import split_lines
from tracker.domain.letter_parsing.model import ParsedLetter
from tracker.domain.letter_parsing.named_elsewhere import addressees_named_elsewhere
from tracker.domain.letter_parsing.signatories import find_signatories
from tracker.domain.letter_parsing.text import normalise_letter_text
from tracker.domain.letter_parsing.zones import find_zones
from tracker.domain.lexicons import all_lexicons, detect_language


def parse_letter(text: str) -> ParsedLetter:
    """Propose the parts of the letter in ``text`` (raw or already normalised)."""
    source = normalise_letter_text(text)
    lexicon = all_lexicons()[detect_language(source)]
    lines = split_lines(source)
    zones = find_zones(lines)
    letter_date = find_letter_date(source, lines, zones.header_end)

    cc, cc_lines = find_cc(lines, body=range(zones.header_end, zones.body_end))
    # A cc block in the header or signature zone names no addressee and no signatory.
    outside_cc = [ln.blanked() if i in cc_lines else ln for i, ln in enumerate(lines)]

    header, signature = outside_cc[: zones.header_end], outside_cc[zones.body_end + 1 :]
    salutation = lines[zones.header_end] if zones.body_start > zones.header_end else None
    addressees = find_addressees(header, letter_date) or addressees_named_elsewhere(
        header, signature, salutation
    )
    return ParsedLetter(
        source_text=source,
        language=lexicon.code,
        date=letter_date,
        subject=find_subject(lines, zones.header_end, salutation=salutation is not None),
        addressees=tuple(addressees),
        cc=tuple(cc),
        signatories=tuple(find_signatories(signature)),
        demands=tuple(find_demands(lines[zones.body_start : zones.body_end], lexicon.code)),
    )
