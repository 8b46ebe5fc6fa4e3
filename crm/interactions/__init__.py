"""Interactions: everything that happened with a contact, logged against templates."""
