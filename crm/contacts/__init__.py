"""Contacts: companies and the persons who work for them."""
