"""Render user-written campaign e-mail templates in a Jinja2 sandbox.

Templates see one name, `contact`: a plain dict of allow-listed strings (never an ORM
object). The environment is immutable and sandboxed, has no loader (no file can be
included), no globals (no range, cycler, joiner, namespace, lipsum), undefined names fail,
HTML is autoescaped, and the output of each part is capped.
"""

import logging
import traceback
from collections.abc import Mapping
from typing import Any

from jinja2 import StrictUndefined, TemplateError, TemplateSyntaxError, UndefinedError, nodes
from jinja2.sandbox import ImmutableSandboxedEnvironment, SecurityError

from crm.campaigns.content import CONTACT_FIELDS
from crm.errors import InvalidInput

log = logging.getLogger(__name__)

MAX_SOURCE = 100_000
MAX_OUTPUT = 200_000
MAX_SEQUENCE = 10_000
ROOT = "contact"
ALLOWED = frozenset(CONTACT_FIELDS) | {"salesperson"}
SALESPERSON = frozenset({"code", "name", "email"})
# Filters that reach attributes by name or build callables add nothing a mail needs.
REMOVED_FILTERS = ("attr", "map", "select", "reject", "selectattr", "rejectattr", "groupby")
TEMPLATE_NAME = "<template>"
# Names Jinja itself binds inside loops and macros.
LOCAL_NAMES = frozenset({"loop", "caller", "varargs", "kwargs"})


class _Environment(ImmutableSandboxedEnvironment):
    """The sandbox, with arithmetic capped so that `'x' * 10**9` cannot eat the memory."""

    intercepted_binops = frozenset({"*", "**"})

    def call_binop(self, context: Any, operator: str, left: Any, right: Any) -> Any:
        if operator == "**":
            if isinstance(right, int | float) and abs(right) > 64:
                raise SecurityError("exponent too large")
            return left**right
        size = _length(left) * (right if isinstance(right, int) else 1)
        size = max(size, _length(right) * (left if isinstance(left, int) else 1))
        if size > MAX_OUTPUT:
            raise SecurityError("repeated value too large")
        return left * right


def _printable(value: Any) -> Any:
    # A printed method or function would only show Python internals to the reader.
    if callable(value):
        raise SecurityError("a callable cannot be printed")
    return value


def _length(value: Any) -> int:
    return len(value) if isinstance(value, str | list | tuple) else 0


def _environment(html: bool) -> _Environment:
    env = _Environment(autoescape=html, undefined=StrictUndefined, loader=None, finalize=_printable)
    env.globals.clear()
    for name in REMOVED_FILTERS:
        env.filters.pop(name, None)
    return env


ENVIRONMENTS = {False: _environment(False), True: _environment(True)}


class SandboxRenderer:
    """The Renderer the fronts hand to crm's campaign content functions."""

    def check(self, source: str, *, name: str, html: bool) -> None:
        """Refuse a template that does not parse, names unknown fields or reaches internals."""
        sample = {ROOT: {key: f"[{key}]" for key in ALLOWED - {"salesperson"}}}
        sample[ROOT]["salesperson"] = {key: f"[salesperson.{key}]" for key in SALESPERSON}
        self.render(source, sample, name=name, html=html)

    def render(self, source: str, fields: Mapping[str, object], *, name: str, html: bool) -> str:
        """Return the template rendered over the fields, or raise InvalidInput with the line."""
        if len(source) > MAX_SOURCE:
            raise InvalidInput(
                f"The {name} template is longer than {MAX_SOURCE} characters.", field=name
            )
        env = ENVIRONMENTS[html]
        try:
            tree = env.parse(source, name=TEMPLATE_NAME)
            _check_names(tree, name)
            template = env.from_string(source)
            return _bounded(template.generate(**fields), name)
        except TemplateSyntaxError as error:
            raise _refusal(name, error.lineno, error.message or "syntax error") from None
        except SecurityError as error:
            line = _template_line(error)
            raise _refusal(name, line, "it tries to reach Python internals", str(error)) from None
        except UndefinedError as error:
            raise _refusal(name, _template_line(error), error.message or "undefined") from None
        except (TemplateError, TypeError, ValueError, ArithmeticError) as error:
            raise _refusal(name, _template_line(error), str(error)) from None


def _check_names(tree: nodes.Template, part: str) -> None:
    assigned = {node.name for node in tree.find_all(nodes.Name) if node.ctx in ("store", "param")}
    for node in tree.find_all(nodes.Name):
        known = node.name == ROOT or node.name in assigned or node.name in LOCAL_NAMES
        if node.ctx == "load" and not known:
            raise _refusal(
                part,
                node.lineno,
                f"'{node.name}' is undefined",
                hint=f"Templates see only {ROOT}.<field>.",
            )
    for node in tree.find_all(nodes.Getattr):
        if isinstance(node.node, nodes.Name) and node.node.name == ROOT:
            if node.attr not in ALLOWED:
                raise _refusal(part, node.lineno, f"'{ROOT}.{node.attr}' is undefined")
    for node in tree.find_all(nodes.Getitem):
        key = node.arg.value if isinstance(node.arg, nodes.Const) else None
        if isinstance(node.node, nodes.Name) and node.node.name == ROOT and key not in ALLOWED:
            raise _refusal(part, node.lineno, f"'{ROOT}[{key!r}]' is undefined")


def _bounded(chunks: Any, part: str) -> str:
    out: list[str] = []
    size = 0
    for chunk in chunks:
        size += len(chunk)
        if size > MAX_OUTPUT:
            raise InvalidInput(
                f"The {part} template renders more than {MAX_OUTPUT} characters.", field=part
            )
        out.append(chunk)
    return "".join(out)


def _template_line(error: BaseException) -> int | None:
    # Jinja rewrites tracebacks so that template frames carry the template's line numbers.
    line = None
    for frame in traceback.extract_tb(error.__traceback__):
        if frame.filename == TEMPLATE_NAME:
            line = frame.lineno
    return line


def _refusal(
    part: str, line: int | None, what: str, detail: str | None = None, *, hint: str | None = None
) -> InvalidInput:
    where = f" line {line}" if line else ""
    what = what.rstrip(".")
    log.debug("Template %s refused at%s: %s (%s)", part, where, what, detail)
    return InvalidInput(
        f"The {part} template cannot be used ({part}{where}): {what}.",
        field=part,
        hint=hint or f"Fields: {', '.join(sorted(f'{ROOT}.{key}' for key in ALLOWED))}.",
    )
