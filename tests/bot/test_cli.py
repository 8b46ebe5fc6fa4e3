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
