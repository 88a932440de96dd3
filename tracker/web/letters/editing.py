"""The letter form, the letter page and its status changes."""
