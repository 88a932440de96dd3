"""What counts as an answer to a demand.

A response takes a stance on each demand of its letter. Every stance but "not
addressed" answers the demand, a rejection included: the demand was heard and turned
down, which is not the same as ignored.
"""

from __future__ import annotations

NOT_ADDRESSED = "not_addressed"


def answers_demand(stance: str) -> bool:
    return stance != NOT_ADDRESSED
