"""What staff read for the stored values of channels, stances and demand outcomes."""

CHANNEL_LABELS = {
    "email": "Email",
    "post": "Post",
    "fax": "Fax",
    "hand_delivery": "Hand delivery",
    "portal": "Portal",
    "other": "Other",
}
STANCE_LABELS = {
    "not_addressed": "Not addressed",
    "accepted": "Accepted",
    "partially": "Partially",
    "rejected": "Rejected",
    "noted": "Noted",
}
OUTCOME_LABELS = {
    "open": "Open",
    "accepted": "Accepted",
    "partially_met": "Partially met",
    "met": "Met",
    "rejected": "Rejected",
    "withdrawn": "Withdrawn",
}
