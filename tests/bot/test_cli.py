"""The command line: grammar commands typed straight after `rapport`, with run flags."""

from bot.cli import _split_flags


def test_run_flags_are_taken_out_of_the_command_words():
    words, flags = _split_flags(["task", "list", "mine=yes", "--as", "AL", "--json"])

    assert words == ["task", "list", "mine=yes"]
    assert flags == ["--as", "AL", "--json"]


def test_quoted_words_stay_whole():
    words, flags = _split_flags(["contact", "add", "Acme Corp", "--as=AL"])

    assert words == ["contact", "add", "Acme Corp"]
    assert flags == ["--as=AL"]


def test_an_option_with_spaces_stays_an_option():
    from bot.cli import _quote
    from handlers.grammar import parse

    text = " ".join(_quote(w) for w in ["contact", "add", "Jane Roe", "phone=+44 161 555"])

    assert parse(text).args.options == {"phone": "+44 161 555"}
    assert parse(text).args.words == ["Jane Roe"]
