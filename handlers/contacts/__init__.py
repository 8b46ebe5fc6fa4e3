"""The contact area: companies and persons."""

from handlers.grammar import Registry

RUN = "handlers.contacts.commands:"
FIND = "handlers.contacts.matching:"
FILES = "handlers.contacts.files:"

FIELD_OPTIONS = [
    "name2",
    "first_name",
    "middle_name",
    "surname",
    "job_title",
    "level",
    "address",
    "address2",
    "city",
    "post_code",
    "county",
    "country",
    "territory",
    "phone",
    "mobile",
    "email",
    "home_page",
    "salesperson",
    "language",
    "correspondence",
    "vat",
    "currency",
    "external_id",
    "exclude",
    "privacy_blocked",
    "minor",
    "parental_consent",
    "relation",
    "industry",
    "mailing",
    "job",
    "alt_email",
]


def register(registry: Registry) -> None:
    """Declare the contact commands."""
    registry.area("contact", "companies and persons")
    registry.command(
        "contact",
        "add",
        RUN + "add_contact",
        summary="Add a company, or a person with company=...; warns about look-alikes",
        usage='contact add "<name>" [company=<contact>] [type=person] [email=...] [phone=...] '
        "[city=...] [no=...] ...",
        options=("company", "type", "no", *FIELD_OPTIONS),
    )
    registry.command(
        "contact",
        "show",
        RUN + "show_contact",
        summary="Show a contact's card: fields, classifications, persons",
        usage="contact show <contact>",
    )
    registry.command(
        "contact",
        "edit",
        RUN + "edit_contact",
        summary="Change fields; relation=A,B sets a list, relation=+A,-B changes it",
        usage="contact edit <contact> key=value ... (name=, type=, company=, email=, "
        "minor=yes, relation=+CUST, alt_email=+x@y.com ...)",
        options=("name", "type", "company", *FIELD_OPTIONS),
    )
    registry.command(
        "contact",
        "delete",
        RUN + "delete_contact",
        summary="Delete a contact (a company takes its persons along)",
        usage="contact delete <contact>",
    )
    registry.command(
        "contact",
        "find",
        FIND + "find_contacts",
        summary="Find contacts by name, e-mail, phone or company, typos forgiven",
        usage="contact find <words> [type=company|person] [company=] [salesperson=] [limit=]",
        options=("type", "company", "salesperson", "limit"),
    )
    registry.command(
        "contact",
        "dupes",
        FIND + "show_duplicates",
        summary="List likely duplicates with their evidence, or check one contact",
        usage="contact dupes [contact]",
    )
    registry.command(
        "contact",
        "separate",
        FIND + "separate_contacts",
        summary="Mark two look-alike contacts as different, for good",
        usage="contact separate <contact> <other contact>",
    )
    registry.command(
        "contact",
        "merge",
        FIND + "merge_contacts",
        summary="Merge a duplicate into the contact kept; everything moves over",
        usage="contact merge <keep> <duplicate> [take=field,field]",
        options=("take",),
    )
    registry.command(
        "contact",
        "import",
        FILES + "import_contacts",
        summary="Import contacts from a CSV file (all or nothing, dry run, de-duplicated)",
        usage="contact import <file.csv> [dry_run=yes] [on_error=skip|abort] "
        "[dedupe=skip|update|create]",
        options=("dry_run", "on_error", "dedupe"),
    )
    registry.command(
        "contact",
        "export",
        FILES + "export_contacts",
        summary="Export contacts to a CSV file",
        usage="contact export [file.csv] [type=company|person]",
        options=("type",),
    )
