"""How an SMTP error reply is classified and reported (tracker.domain.smtp_replies)."""

import pytest

from tracker.domain.smtp_replies import classify_smtp_reply, reply_text, verdict


@pytest.mark.parametrize(
    ("code", "verdict"),
    [(421, "retry"), (450, "retry"), (451, "retry"), (550, "fail"), (554, "fail"), (-1, "retry")],
)
def test_classify_smtp_reply(code, verdict):
    assert classify_smtp_reply(code) == verdict


def test_a_success_reply_is_not_classified():
    with pytest.raises(ValueError, match="not an error"):
        classify_smtp_reply(250)


@pytest.mark.parametrize(("code", "expected"), [(550, "fail"), (451, "retry"), (250, "retry")])
def test_a_reply_raised_as_an_error_always_gets_a_verdict(code, expected):
    # smtplib can raise with a 2xx/3xx code (a server answering out of turn): try again.
    assert verdict(code) == expected


def test_a_reply_is_reported_on_one_line():
    assert reply_text(550, b"5.1.1 no such\r\n user") == "550 5.1.1 no such user"
    assert reply_text(421, "") == "421"
    assert reply_text(554, b"caf\xc3\xa9 \xff") == "554 café \ufffd"
