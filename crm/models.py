"""Every mapped table, imported once so that the metadata (and Alembic) sees them all."""

from crm.contacts import models as contacts
from crm.interactions import models as interactions
from crm.numbering import NumberSeries
from crm.opportunities import models as opportunities
from crm.setup import models as setup
from crm.sync import models as sync
from crm.tasks import models as tasks

__all__ = ["NumberSeries", "contacts", "interactions", "opportunities", "setup", "sync", "tasks"]
