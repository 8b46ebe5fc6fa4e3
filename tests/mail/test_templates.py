"""The template sandbox: user templates render contact fields and nothing else."""

import pytest

from crm.errors import InvalidInput
from mail.templates import MAX_OUTPUT, SandboxRenderer

FIELDS = {
    "contact": {
        "name": "Ann <Admin>",
        "first_name": "Ann",
        "email": "ann@acme.example",
        "salesperson": {"code": "SAM", "name": "Sam Seller", "email": "sam@us.example"},
    }
}


@pytest.fixture
def renderer():
    return SandboxRenderer()


def render(renderer, source, *, html=False):
    return renderer.render(source, FIELDS, name="html" if html else "text", html=html)


def test_fields_render_and_html_is_escaped(renderer):
    source = "Dear {{ contact.first_name }}, {{ contact.name }} · {{ contact.salesperson.name }}"
    assert render(renderer, source) == "Dear Ann, Ann <Admin> · Sam Seller"
    assert render(renderer, source, html=True) == "Dear Ann, Ann &lt;Admin&gt; · Sam Seller"


def test_loops_conditions_and_filters_work(renderer):
    source = "{% if contact.email %}{{ contact.first_name|upper }}{% endif %}"
    source += "{% for letter in contact.first_name %}{{ loop.index }}{% endfor %}"
    assert render(renderer, source) == "ANN123"


@pytest.mark.parametrize(
    "payload",
    [
        "{{ ''.__class__.__mro__ }}",
        "{{ ''.__class__.__mro__[1].__subclasses__() }}",
        "{{ contact.name.__class__.__base__.__subclasses__() }}",
        "{{ cycler.__init__.__globals__.os.popen('id').read() }}",
        "{{ joiner.__init__.__globals__ }}",
        "{{ namespace.__init__.__globals__ }}",
        "{{ lipsum.__globals__['os'] }}",
        "{{ range(10) }}",
        "{{ config.items() }}",
        "{{ self._TemplateReference__context }}",
        "{{ self.__init__.__globals__ }}",
        "{{ request.application.__globals__ }}",
        "{{ contact|attr('__class__') }}",
        "{{ contact['__class__'] }}",
        "{{ '{0.__class__}'.format(contact) }}",
        "{{ '{0.name.__class__.__init__.__globals__}'.format(contact) }}",
        "{{ contact.name.format_map }}",
        "{% set x = contact.name %}{{ x.__class__ }}",
        "{{ contact.name.__len__() }}",
        "{% include '/etc/passwd' %}",
        "{% import 'os' as os %}",
        "{{ 'x' * 1000000000 }}",
        "{{ 9 ** 999999 }}",
        "{% for i in contact.name %}{{ loop.__class__ }}{% endfor %}",
    ],
)
def test_injection_payloads_are_refused(renderer, payload):
    with pytest.raises(InvalidInput) as refused:
        render(renderer, payload)
    assert refused.value.field == "text"
    assert "line 1" in refused.value.message
    assert "__globals__" not in (refused.value.hint or "")


@pytest.mark.parametrize(
    ("source", "line", "words"),
    [
        ("Hi\n\n{{ contact.nickname }}", 3, "contact.nickname"),
        ("Hi\n{{ contact.salesperson.phone }}", 2, "phone"),
        ("Hi\n{{ unknown }}", 2, "'unknown' is undefined"),
        ("Hi\n{% if contact.name %}\nno end", 2, "endif"),
        ("{{ contact.name ", 1, "line 1"),
    ],
)
def test_syntax_errors_and_undefined_fields_name_their_line(renderer, source, line, words):
    with pytest.raises(InvalidInput) as refused:
        renderer.check(source, name="html", html=True)
    assert f"line {line}" in refused.value.message
    assert words in refused.value.message + (refused.value.hint or "")


def test_output_is_capped(renderer):
    source = "{% for a in contact.email %}{% for b in contact.email %}{% for c in "
    source += "contact.email %}{{ contact.name * 20 }}{% endfor %}{% endfor %}{% endfor %}"
    with pytest.raises(InvalidInput, match=str(MAX_OUTPUT)):
        render(renderer, source)
