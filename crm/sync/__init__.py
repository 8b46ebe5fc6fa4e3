"""Synchronization with Dynamics 365 Sales through the Dataverse Web API."""
