"""The default mappings, after Business Central's: which tables and fields sync which way."""

from dataclasses import dataclass, field

from crm.sync.models import DeletionPolicy, Direction

TEXT, EMAIL, PHONE, DECIMAL, DATE, BOOL, LOOKUP = (
    "text",
    "email",
    "phone",
    "decimal",
    "date",
    "bool",
    "lookup",
)

SALESPEOPLE, ACCOUNTS, CONTACTS, OPPORTUNITIES = (
    "salespeople",
    "accounts",
    "contacts",
    "opportunities",
)


@dataclass(frozen=True)
class FieldSpec:
    """A Rapport field, the Dataverse column it pairs with, and how values are compared."""

    field: str
    column: str  # as read; lookups read as _<nav>_value
    direction: Direction
    kind: str = TEXT
    bind: str | None = None  # the navigation property a lookup is written through
    target: str | None = None  # the mapping whose couplings translate a lookup
    match: bool = False
    enabled: bool = True


@dataclass(frozen=True)
class MappingSpec:
    """A Rapport table paired with a Dataverse entity set."""

    name: str
    entity_set: str
    key_column: str
    sequence: int
    direction: Direction
    fields: tuple[FieldSpec, ...]
    extra_columns: tuple[str, ...] = ()  # read to decide whether a row is in scope
    deletions: DeletionPolicy = DeletionPolicy.UNCOUPLE
    depends_on: tuple[str, ...] = field(default=())

    def spec(self, name: str) -> FieldSpec:
        """Return the field with this name."""
        for item in self.fields:
            if item.field == name:
                return item
        raise KeyError(name)


B, TO, FROM = Direction.BOTH, Direction.TO_SALES, Direction.FROM_SALES
OWNER = FieldSpec("salesperson", "_ownerid_value", TO, LOOKUP, bind="ownerid", target=SALESPEOPLE)

MAPPINGS: tuple[MappingSpec, ...] = (
    MappingSpec(
        SALESPEOPLE,
        "systemusers",
        "systemuserid",
        10,
        FROM,
        (
            FieldSpec("name", "fullname", FROM),
            FieldSpec("email", "internalemailaddress", FROM, EMAIL, match=True),
            FieldSpec("phone", "mobilephone", FROM, PHONE),
            FieldSpec("blocked", "isdisabled", FROM, BOOL),
        ),
        extra_columns=("accessmode",),
    ),
    MappingSpec(
        ACCOUNTS,
        "accounts",
        "accountid",
        20,
        B,
        (
            FieldSpec("name", "name", B, match=True),
            FieldSpec("email", "emailaddress1", B, EMAIL),
            FieldSpec("phone", "telephone1", B, PHONE),
            FieldSpec("home_page", "websiteurl", B),
            FieldSpec("address", "address1_line1", B),
            FieldSpec("city", "address1_city", B),
            FieldSpec("post_code", "address1_postalcode", B),
            FieldSpec("country", "address1_country", B),
            OWNER,
        ),
        depends_on=(SALESPEOPLE,),
    ),
    MappingSpec(
        CONTACTS,
        "contacts",
        "contactid",
        30,
        B,
        (
            FieldSpec("first_name", "firstname", B),
            FieldSpec("surname", "lastname", B),
            FieldSpec("email", "emailaddress1", B, EMAIL, match=True),
            FieldSpec("phone", "telephone1", B, PHONE),
            FieldSpec("mobile_phone", "mobilephone", B, PHONE),
            FieldSpec("job_title", "jobtitle", B),
            FieldSpec(
                "company",
                "_parentcustomerid_value",
                B,
                LOOKUP,
                bind="parentcustomerid_account",
                target=ACCOUNTS,
            ),
            OWNER,
        ),
        depends_on=(SALESPEOPLE, ACCOUNTS),
    ),
    MappingSpec(
        OPPORTUNITIES,
        "opportunities",
        "opportunityid",
        40,
        B,
        (
            FieldSpec("description", "name", B),
            FieldSpec(
                "contact",
                "_parentcontactid_value",
                B,
                LOOKUP,
                bind="parentcontactid",
                target=CONTACTS,
            ),
            FieldSpec(
                "company",
                "_parentaccountid_value",
                B,
                LOOKUP,
                bind="parentaccountid",
                target=ACCOUNTS,
            ),
            FieldSpec("estimated_value", "estimatedvalue", B, DECIMAL),
            FieldSpec("close_date", "estimatedclosedate", B, DATE),
            # Both ways here: an opportunity made in Sales needs a salesperson in Rapport.
            FieldSpec(
                "salesperson", "_ownerid_value", B, LOOKUP, bind="ownerid", target=SALESPEOPLE
            ),
        ),
        extra_columns=("statecode",),
        depends_on=(SALESPEOPLE, ACCOUNTS, CONTACTS),
    ),
)

BY_NAME = {spec.name: spec for spec in MAPPINGS}


def mapping_spec(name: str) -> MappingSpec:
    """Return the built-in definition of a mapping."""
    return BY_NAME[name]
