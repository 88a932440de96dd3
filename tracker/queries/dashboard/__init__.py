"""Dashboard figures, computed in SQL: one query per figure family, whatever the data size.

Definitions every figure shares (the letters list filters use the same ones, so a
figure's link lists exactly the letters it counts):

- a letter *in scope* is sent (status other than draft, with a sent date) and matches
  the campaign, the period (on its sent date) and, for "My work", the user who owns or
  watches it;
- a recipient is *expected* to answer when its stored `expects_answer` is set (every
  `to`, and a `cc` staff marked: `tracker.domain.recipients`) and it has not been
  withdrawn;
- *awaiting*: an expected recipient in state awaiting (an acknowledgement leaves it
  awaiting; the "acknowledged" state is staff deciding an acknowledgement is enough);
- *overdue*: state awaiting, clock running (not paused), due date before today;
- *answered*: an expected recipient with a first substantive answer date
  (`responded_on`), on time or late.
"""
