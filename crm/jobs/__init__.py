"""Scheduled jobs as the CRM sees them: their state, runs, requests and preferences."""
