"""Opportunities moving through the stages of a sales cycle."""
