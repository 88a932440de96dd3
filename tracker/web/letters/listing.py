"""The letters list: search, filters, sorting, CSV export and import."""
