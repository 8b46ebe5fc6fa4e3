"""Block Kit rendering: every view fits Slack's limits and shows user data inert."""

import json
from pathlib import Path

from slack_sdk.models.blocks import Block

from handlers.slack.blocks import MAX_BLOCKS, choice_command, render
from handlers.views import Action, Card, Chart, ChoiceItem, Choices, Message, Stack, Table, Tone


def valid(blocks):
    """Validate the blocks with slack_sdk's own models, which enforce Slack's limits."""
    for block in blocks:
        Block.parse(block).validate_json()
    return blocks


def test_a_card_shows_fields_and_buttons_with_the_rest_in_an_overflow_menu():
    actions = [Action(f"Action {i}", f"opp next OP00000{i}") for i in range(7)]
    card = Card("OP000001 · Big deal", "Acme", [("Stage", "2 · Proposal")], actions=actions)

    blocks = valid(render(card))

    elements = blocks[-1]["elements"]
    assert [e["type"] for e in elements] == ["button"] * 4 + ["overflow"]
    assert elements[0]["value"] == "opp next OP000000"
    assert [o["value"] for o in elements[-1]["options"]][-1] == "opp next OP000006"


def test_a_long_table_is_paged_with_a_more_button():
    rows = [[f"CT{i:06d}", "A name that is rather long " * 5] for i in range(200)]
    table = Table("Contacts", ["no", "name"], rows, keys=[r[0] for r in rows])

    first = valid(render(table, command="contact find a"))
    second = valid(render(table, command="contact find a", page=13))

    more = json.loads(first[-1]["elements"][0]["value"])
    assert more == {"command": "contact find a", "page": 1}
    assert "(1–15 of 200)" in first[0]["text"]["text"]
    assert all(len(b.get("text", {}).get("text", "")) <= 3000 for b in first)
    assert second[-1]["type"] != "actions"  # the last page has no "More"


def test_a_stack_never_exceeds_fifty_blocks():
    stack = Stack([Message(f"line {i}") for i in range(60)])

    blocks = valid(render(stack))

    assert len(blocks) == MAX_BLOCKS
    assert "did not fit" in blocks[-1]["elements"][0]["text"]


def test_user_data_cannot_mention_or_link():
    card = Card("<!here> deal", fields=[("Note", "<https://evil.test|click> <#C1> & co")])

    shown = json.dumps(valid(render(card)))

    assert "<https" not in shown and "<#C1>" not in shown
    assert "&lt;https://evil.test|click&gt; &lt;#C1&gt; &amp; co" in shown


def test_an_error_message_shows_its_hint():
    blocks = valid(render(Message("No contact matches.", tone=Tone.ERROR, hint="Try find.")))

    assert blocks[0]["text"]["text"].startswith(":x: No contact matches.")
    assert blocks[1]["elements"][0]["text"] == "Try find."


def test_choices_run_the_original_command_with_the_chosen_key():
    view = Choices("2 contacts match 'acme'. Which one?", [ChoiceItem("CT000001", "Acme")])

    assert choice_command(view, "CT000001", "contact show acme") == "contact show CT000001"
    assert choice_command(view, "CT000001", 'log acme CALL "hi there"') == (
        'log CT000001 CALL "hi there"'
    )
    assert choice_command(view, "CT000001", "opp new x company=acme") == (
        "opp new x company=CT000001"
    )
    own = Choices("Pick", [ChoiceItem("K1", "one")], command="segment show {key}")
    assert choice_command(own, "K1", None) == "segment show K1"


def test_a_chart_is_named_in_the_message():
    blocks = valid(render(Chart(title="Pipeline", path=Path("/tmp/p.png"), kind="png")))

    assert "Pipeline" in blocks[0]["text"]["text"]
