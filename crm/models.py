"""Every mapped table, imported once so that the metadata (and Alembic) sees them all."""

from crm.campaigns import models as campaigns
from crm.contacts import models as contacts
from crm.digests import models as digests
from crm.interactions import models as interactions
from crm.jobs import models as jobs
from crm.maillog import models as maillog
from crm.numbering import NumberSeries
from crm.opportunities import models as opportunities
from crm.requests import models as requests
from crm.segments import models as segments
from crm.sends import models as sends
from crm.setup import models as setup
from crm.sync import models as sync
from crm.tasks import models as tasks

__all__ = [
    "NumberSeries",
    "campaigns",
    "contacts",
    "digests",
    "interactions",
    "jobs",
    "maillog",
    "opportunities",
    "requests",
    "segments",
    "sends",
    "setup",
    "sync",
    "tasks",
]
