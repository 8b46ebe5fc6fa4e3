"""The CRM core: models, services and rules; knows no transport."""
