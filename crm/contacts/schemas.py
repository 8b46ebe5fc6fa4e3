"""The contact fields people may set, by the option key they type, and how each is read."""

from dataclasses import dataclass

from crm.contacts.models import (
    ContactBusinessRelation,
    ContactIndustryGroup,
    ContactJobResponsibility,
    ContactMailingGroup,
)


@dataclass(frozen=True)
class FieldSpec:
    """One settable field: its column, how its text is read, and its label on a card."""

    attr: str
    kind: str  # text, email, phone, code, salesperson, short, bool, correspondence, vat
    label: str
    size: int = 100
    code_list: str | None = None  # the setup list a code must exist in


FIELDS: dict[str, FieldSpec] = {
    spec_key: spec
    for spec_key, spec in (
        ("name", FieldSpec("name", "text", "Name", 200)),
        ("name2", FieldSpec("name2", "text", "Name 2", 200)),
        ("first_name", FieldSpec("first_name", "text", "First name", 60)),
        ("middle_name", FieldSpec("middle_name", "text", "Middle name", 60)),
        ("surname", FieldSpec("surname", "text", "Surname", 60)),
        ("job_title", FieldSpec("job_title", "text", "Job title", 100)),
        ("level", FieldSpec("organizational_level", "code", "Org. level", 20, "level")),
        ("address", FieldSpec("address", "text", "Address", 200)),
        ("address2", FieldSpec("address2", "text", "Address 2", 200)),
        ("city", FieldSpec("city", "text", "City", 60)),
        ("post_code", FieldSpec("post_code", "text", "Post code", 20)),
        ("county", FieldSpec("county", "text", "County", 60)),
        ("country", FieldSpec("country", "short", "Country", 10)),
        ("territory", FieldSpec("territory", "code", "Territory", 20, "territory")),
        ("phone", FieldSpec("phone", "phone", "Phone", 30)),
        ("mobile", FieldSpec("mobile_phone", "phone", "Mobile", 30)),
        ("email", FieldSpec("email", "email", "E-mail", 200)),
        ("home_page", FieldSpec("home_page", "text", "Home page", 200)),
        ("salesperson", FieldSpec("salesperson", "salesperson", "Salesperson", 20)),
        ("language", FieldSpec("language", "short", "Language", 10)),
        ("correspondence", FieldSpec("correspondence_type", "correspondence", "Correspondence")),
        ("vat", FieldSpec("vat_registration_no", "vat", "VAT no.", 30)),
        ("currency", FieldSpec("currency", "short", "Currency", 10)),
        ("external_id", FieldSpec("external_id", "text", "External id", 100)),
        ("exclude", FieldSpec("exclude_from_segments", "bool", "Excluded from segments")),
        ("privacy_blocked", FieldSpec("privacy_blocked", "bool", "Privacy blocked")),
        ("minor", FieldSpec("minor", "bool", "Minor")),
        ("parental_consent", FieldSpec("parental_consent", "bool", "Parental consent")),
    )
}

# Fields that follow the company (Business Central's inheritance groups).
ADDRESS_FIELDS = ("address", "address2", "city", "post_code", "county")
COMMUNICATION_FIELDS = ("phone", "mobile_phone", "email", "home_page")
# A new person takes over only the company's switchboard and web site: a person's own e-mail
# and mobile identify them when mail is logged, so the company's generic ones are not copied.
COMMUNICATION_ON_CREATE = ("phone", "home_page")
INHERITED = {
    "inherit_salesperson": ("salesperson",),
    "inherit_territory": ("territory",),
    "inherit_country": ("country",),
    "inherit_language": ("language",),
}


# The link tables of the classifications: each has contact_id and code.
LinkModel = (
    type[ContactBusinessRelation]
    | type[ContactIndustryGroup]
    | type[ContactJobResponsibility]
    | type[ContactMailingGroup]
)


@dataclass(frozen=True)
class ListSpec:
    """A many-to-many classification: its link table, setup list and who may carry it."""

    model: LinkModel
    code_list: str
    only: str | None  # "company", "person" or None for both
    label: str


LISTS: dict[str, ListSpec] = {
    "relation": ListSpec(ContactBusinessRelation, "relation", "company", "Business relations"),
    "industry": ListSpec(ContactIndustryGroup, "industry", "company", "Industry groups"),
    "mailing": ListSpec(ContactMailingGroup, "mailing", None, "Mailing groups"),
    "job": ListSpec(ContactJobResponsibility, "job", "person", "Job responsibilities"),
}

SPECIAL = ("type", "company", "alt_email")
EDIT_KEYS = tuple(FIELDS) + tuple(LISTS) + SPECIAL

# CSV columns, in the order an export writes them; an import needs `name`, the rest is free.
CSV_COLUMNS = (
    "no",
    "type",
    "name",
    "company",
    "first_name",
    "surname",
    "job_title",
    "email",
    "phone",
    "mobile",
    "address",
    "address2",
    "city",
    "post_code",
    "county",
    "country",
    "territory",
    "salesperson",
    "language",
    "vat",
    "home_page",
    "external_id",
)
