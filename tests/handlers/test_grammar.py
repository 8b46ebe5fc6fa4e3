"""The command grammar: words, quotes and key=value options."""

import pytest

from crm.errors import InvalidInput
from handlers.grammar import parse


def test_words_options_and_quotes():
    parsed = parse('/crm log acme call "it went well, a=b" evaluation=positive note="two words"')

    assert (parsed.area, parsed.verb) == ("log", "acme")
    assert parsed.args.words == ["call", "it went well, a=b"]
    assert parsed.args.options == {"evaluation": "positive", "note": "two words"}


def test_apostrophes_inside_double_quotes():
    assert parse('contact find "O\'Brien"').args.words == ["O'Brien"]


def test_unclosed_quote_is_explained():
    with pytest.raises(InvalidInput, match="never closed"):
        parse('contact add "Acme')


def test_option_given_twice_is_refused():
    with pytest.raises(InvalidInput, match="twice"):
        parse("contact add Acme email=a@b.c email=d@e.f")


def test_unknown_area_suggests_the_closest(run):
    result = run("contcat add Acme")

    assert result.status == 1
    assert "contact" in result.view.hint


def test_unknown_option_names_the_allowed_ones(run):
    result = run("contact add Acme emial=a@b.c")

    assert result.status == 1
    assert "email" in result.view.hint
