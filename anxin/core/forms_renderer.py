"""The form renderer: Django's, with the common widgets written in Python (issue 14).

Django renders each widget and each <option> through a template include; the queue's filter bar and its staff
lists spent 40 % of the page there. The output is byte-for-byte what Django's templates write (tested against
them); any other widget, or an option with its own template, goes to Django's templates as before.
"""

from django.forms.renderers import DjangoTemplates
from django.utils.html import conditional_escape as esc

WIDGETS = "django/forms/widgets/"
INPUTS = {f"{WIDGETS}{name}.html" for name in (
    "input", "text", "number", "email", "url", "password", "hidden", "search", "tel", "date", "datetime", "time",
    "checkbox")}
SELECT = f"{WIDGETS}select.html"
OPTION = f"{WIDGETS}select_option.html"
TEXTAREA = f"{WIDGETS}textarea.html"
CHOICE_LISTS = {f"{WIDGETS}radio.html", f"{WIDGETS}checkbox_select.html"}
CHOICE_OPTIONS = {f"{WIDGETS}radio_option.html", f"{WIDGETS}checkbox_option.html"}
# `{{ form.field.errors }}` renders these even when there is no error: a template include for an empty string
ERROR_LISTS = {"django/forms/errors/list/default.html", "django/forms/errors/list/ul.html"}


def _attrs(attrs: dict) -> str:
    return "".join(f" {esc(name)}" if value is True else f' {esc(name)}="{esc(str(value))}"'
                   for name, value in attrs.items() if value is not False)


def _input(w: dict) -> str:
    value = "" if w["value"] is None else f' value="{esc(str(w["value"]))}"'
    return f'<input type="{esc(w["type"])}" name="{esc(w["name"])}"{value}{_attrs(w["attrs"])}>'


def _select(w: dict) -> str:
    parts = [f'<select name="{esc(w["name"])}"{_attrs(w["attrs"])}>']
    for group_name, options, _index in w["optgroups"]:
        if group_name:
            parts.append(f'\n  <optgroup label="{esc(group_name)}">')
        parts += [f'\n  <option value="{esc(str(o["value"]))}"{_attrs(o["attrs"])}>{esc(str(o["label"]))}</option>\n'
                  for o in options]
        if group_name:
            parts.append("\n  </optgroup>")
    parts.append("\n</select>")
    return "".join(parts)


def _textarea(w: dict) -> str:
    value = esc(w["value"]) if w["value"] else ""
    return f'<textarea name="{esc(w["name"])}"{_attrs(w["attrs"])}>\n{value}</textarea>'


def _choice_option(o: dict) -> str:
    # input_option.html inside radio_option.html: each include keeps its file's final newline
    field = _input(o) + "\n"
    if o["wrap_label"]:
        target = f' for="{esc(o["attrs"]["id"])}"' if o["attrs"].get("id") else ""
        field = f"<label{target}>{field} {esc(o['label'])}</label>"
    return field + "\n\n"


def _choice_list(w: dict) -> str:
    """Radio buttons and checkbox lists (multiple_input.html)."""
    attrs = w["attrs"]
    parts = ["<div", f' id="{esc(attrs["id"])}"' if attrs.get("id") else "",
             f' class="{esc(attrs["class"])}"' if attrs.get("class") else "", ">"]
    for group_name, options, _index in w["optgroups"]:
        if group_name:
            parts.append(f"\n  <div><label>{esc(group_name)}</label>")
        parts += [f"<div>\n    {_choice_option(o)}</div>" for o in options]
        if group_name:
            parts.append("\n  </div>")
    parts.append("\n</div>")
    return "".join(parts)


class FastRenderer(DjangoTemplates):
    def render(self, template_name, context, request=None):
        widget = context.get("widget")
        if template_name in INPUTS and widget is not None:
            return _input(widget)
        if (template_name == SELECT and widget is not None
                and all(o["template_name"] == OPTION for _g, options, _i in widget["optgroups"] for o in options)):
            return _select(widget)
        if template_name == TEXTAREA and widget is not None:
            return _textarea(widget)
        if (template_name in CHOICE_LISTS and widget is not None
                and all(o["template_name"] in CHOICE_OPTIONS for _g, options, _i in widget["optgroups"] for o in options)):
            return _choice_list(widget)
        if template_name in CHOICE_OPTIONS and widget is not None:  # one radio of a list: `{{ radio.tag }}`
            return _choice_option(widget).strip()  # Django strips what a template render returns
        if template_name in ERROR_LISTS and "errors" in context and not context["errors"]:
            return ""
        return super().render(template_name, context, request)
