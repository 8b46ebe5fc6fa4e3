"""The setup commands: admins only, every list and setting."""

from handlers.views import Card, Table


def test_setup_is_for_admins(run):
    result = run("setup salesperson list", admin=False)

    assert result.status == 1 and "admins" in result.view.text


def test_salespeople_and_teams(run):
    assert run('setup salesperson add JR "Jane Roe" email=jane@cronus.com role=admin').status == 0
    assert run("setup salesperson add KW Kim Wu slack=U12345 time_zone=Europe/Berlin").status == 0
    assert run("setup salesperson edit KW role=admin").status == 0
    assert run("setup salesperson block KW").status == 0
    people = run("setup salesperson list").view
    assert isinstance(people, Table) and people.rows[1][5] == "blocked"
    assert run("setup salesperson fire KW").status == 1
    assert run("setup salesperson add XX").view.data["field"] == "name"

    assert run('setup team add EMEA "Team Europe"').status == 0
    assert run("setup team member EMEA JR").status == 0
    assert run("setup team list").view.rows == [["EMEA", "Team Europe", "JR"]]
    assert run("setup team member EMEA JR remove=yes").status == 0


def test_code_lists_domains_series_marketing(run):
    assert run('setup industry add SOFT "Software"').status == 0
    assert run("setup industry list").view.rows == [["SOFT", "Software"]]
    assert run("setup industry delete soft").status == 0
    for kind in ("relation", "mailing", "job", "level", "territory"):
        assert run(f"setup {kind} add X1 Thing").status == 0, kind

    assert run("setup domain add cronus.com").status == 0
    assert run("setup domain list").view.rows == [["cronus.com"]]
    assert run("setup domain delete cronus.com").status == 0

    assert run("setup series edit CONTACT allow_manual=yes").status == 0
    assert ["CONTACT", "Contacts", "CT000000", "yes"] in run("setup series list").view.rows

    card = run("setup marketing edit search_hit_pct=70 inherit_address=no").view
    assert isinstance(card, Card)
    assert ["search_hit_pct", "70"] in card.sections[2].rows
    refused = run("setup marketing edit search_hit_pct=0")
    assert refused.status == 1 and refused.view.data["field"] == "search_hit_pct"
    assert run("setup marketing show").status == 0


def test_demo_loads(run):
    result = run("setup demo seed=2")

    assert result.status == 0 and result.view.data["persons"] > 100
    assert run("setup demo").status == 1
