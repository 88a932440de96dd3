"""Reading and matching received email: plain values in, a decision out (no app)."""

from __future__ import annotations

from tests.support import mail_samples
from tracker.domain import mail_files, mail_matching, mail_text
from tracker.domain.mail_matching import Candidate, Incoming, Known, decide
from tracker.domain.mail_reading import kept_attachments, read_message

BASE = "replies@org.example"
LETTER = Candidate(7, "L-2026-0001", ((70, "minister@gov.example"), (71, "deputy@gov.example")))
OTHER = Candidate(8, "L-2026-0002", ((80, "minister@gov.example"),))


def incoming(**values) -> Incoming:
    defaults = dict(
        sender="minister@gov.example",
        sender_trusted=True,
        delivered_to=("replies@org.example",),
        thread_ids=(),
        subject="Re: your letter",
    )
    return Incoming(**(defaults | values))


def test_reply_address_round_trips_and_rejects_other_domains():
    address = mail_matching.reply_address(BASE, "L-2026-0001", "k3x9qabcde")
    assert address == "replies+L-2026-0001.k3x9qabcde@org.example"
    assert mail_matching.token_in(BASE, address.upper()) == "k3x9qabcde"
    assert mail_matching.token_in(BASE, "replies+L-2026-0001.k3x9qabcde@evil.example") is None
    assert mail_matching.token_in(BASE, "replies@org.example") is None
    assert len({mail_matching.new_token() for _ in range(50)}) == 50


def test_each_rule_matches_and_names_itself():
    by_address = incoming(delivered_to=("replies+L-2026-0001.abcdefghij@org.example",))
    known = Known(by_token={"abcdefghij": LETTER})
    assert decide(by_address, known, BASE) == mail_matching.Decision(
        "reply_address", 7, 70, suggested_letter_ids=(7,)
    )
    threaded = incoming(sender="deputy@gov.example", thread_ids=("<a@x>", "<sent@tracker>"))
    known = Known(by_sent_message_id={"<sent@tracker>": LETTER})
    assert decide(threaded, known, BASE).recipient_id == 71
    assert decide(threaded, known, BASE).rule == "thread"
    by_subject = incoming(subject="RE: L-2026-0001 - reply")
    decision = decide(by_subject, Known(by_reference={"L-2026-0001": LETTER}), BASE)
    assert (decision.rule, decision.recipient_id) == ("subject_reference", 70)
    decision = decide(incoming(), Known(by_sender=(OTHER,)), BASE)
    assert (decision.rule, decision.letter_id, decision.recipient_id) == ("sender", 8, 80)


def test_ambiguous_or_unknown_goes_to_triage_with_suggestions():
    two_letters = decide(incoming(), Known(by_sender=(LETTER, OTHER)), BASE)
    assert not two_letters.matched
    assert "2 open letters" in two_letters.reason
    assert two_letters.suggested_letter_ids == (7, 8)
    conflicting = incoming(subject="L-2026-0002", thread_ids=("<sent@tracker>",))
    known = Known(
        by_sent_message_id={"<sent@tracker>": LETTER}, by_reference={"L-2026-0002": OTHER}
    )
    assert "more than one letter" in decide(conflicting, known, BASE).reason
    stranger = incoming(sender="assistant@gov.example", subject="L-2026-0001")
    decision = decide(stranger, Known(by_reference={"L-2026-0001": LETTER}), BASE)
    assert (decision.matched, decision.letter_id) == (False, 7)
    assert "Nothing" in decide(incoming(sender="x@y.example"), Known(), BASE).reason


def test_a_forged_sender_names_no_recipient():
    forged = incoming(sender_trusted=False)
    decision = decide(forged, Known(by_sender=(OTHER,)), BASE)
    assert not decision.matched and "forged" in decision.reason
    parsed = read_message(mail_samples.forged())
    assert not mail_matching.sender_trusted(parsed.authentication_results)
    assert mail_matching.sender_trusted("mx.org.example; dmarc=pass")


def test_automatic_replies_and_bounces_are_recognised():
    kind = mail_matching.kind_of
    assert kind("Out of office", "", False, False) == "auto_reply"
    assert kind("Absence du bureau jusqu'au 3 mars", "", False, False) == "auto_reply"
    assert kind("Respuesta automática: su carta", "", False, False) == "auto_reply"
    assert kind("Re: letter", "auto-replied", False, False) == "auto_reply"
    assert kind("Re: letter", "no", True, False) == "auto_reply"
    assert kind("Re: letter", "no", False, False) == "reply"
    parsed = read_message(mail_samples.bounce("deputy@gov.example", "<sent@tracker.test>"))
    assert parsed.is_delivery_report
    assert [f.address for f in parsed.failures] == ["deputy@gov.example"]
    assert parsed.failures[0].status == "5.1.1"
    assert parsed.reported_message_ids == ("<sent@tracker.test>",)


def test_reading_a_reply_keeps_threading_headers_and_attachments():
    raw = mail_samples.reply(
        in_reply_to="<Sent@Tracker.test>",
        attachments=[("answer.pdf", "application/pdf", b"%PDF-1.4 ok")],
    )
    parsed = read_message(raw)
    assert parsed.in_reply_to == ("<sent@tracker.test>",)
    assert parsed.from_address == "minister@gov.example"
    assert parsed.from_name == "The Minister"
    assert "reject demands" in parsed.text
    assert [a.name for a in kept_attachments(parsed)] == ["answer.pdf"]
    assert parsed.problems == []


def test_hostile_html_becomes_text_without_scripts_or_images():
    parsed = read_message(mail_samples.hostile_html())
    assert parsed.from_html
    assert "Dear all," in parsed.text and "we refuse" in parsed.text
    assert "window.pwned=1" not in parsed.text and "document.title" not in parsed.text
    assert "[image: logo]" in parsed.text and "http://" not in parsed.text
    # Escaped markup in the HTML stays text: shown as characters, never run.
    assert "<script>window.pwned=3</script>" in parsed.text


def test_malformed_mime_is_read_as_far_as_it_goes():
    parsed = read_message(mail_samples.malformed())
    assert parsed.problems  # said, not raised
    assert parsed.date is None


def test_too_many_attachments_are_capped_with_a_reason():
    parsed = read_message(mail_samples.many_attachments(60), max_attachments=50)
    assert len(kept_attachments(parsed)) == 50
    assert any("More than 50 attachments" in problem for problem in parsed.problems)


def test_an_attachment_that_lies_about_its_type_is_named():
    assert "Claims to be application/pdf" in mail_files.mismatch(
        "answer.pdf", "application/pdf", b"MZ\x90"
    )
    assert mail_files.mismatch("answer.pdf", "application/pdf", b"%PDF-1.7") == ""
    assert mail_files.mismatch("notes.txt", "text/plain", b"hello") == ""
    assert mail_files.safe_name("../../etc/passwd\x00") == "passwd"


def test_quoted_history_and_signature_fold_away():
    text = (
        "We accept the first demand.\n\n-- \nJane Doe\nMinistry\n\n"
        "On Mon, 2 Mar 2026, Org <replies@org.example> wrote:\n> Dear Minister"
    )
    folded = mail_text.fold(text)
    assert folded.written == "We accept the first demand."
    assert folded.folded.startswith("--")
    french = mail_text.fold("Nous refusons.\nLe 2 mars 2026, Org a écrit :\n> Madame")
    assert french.written == "Nous refusons."
    spanish = mail_text.fold("Rechazamos.\n\n> Estimada ministra\n> texto")
    assert spanish.written == "Rechazamos."
    assert mail_text.fold("Just text").folded == ""
