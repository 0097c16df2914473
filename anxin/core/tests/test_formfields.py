"""Choice fields copied shallowly: each form still gets its own field and choice list."""

from django import forms

from anxin.core import formfields


class _Form(forms.Form):
    status = formfields.ChoiceField(choices=[("new", "新建"), ("closed", "已关闭")], required=False)
    priority = formfields.TypedChoiceField(choices=[("1", "低"), ("3", "紧急")], coerce=int, required=False)


def test_a_forms_choices_are_its_own_and_validate_as_djangos():
    one, two = _Form({"status": "new", "priority": "3"}), _Form({"status": "gone"})
    assert one.fields["status"] is not two.fields["status"]
    assert one.fields["status"].choices is not _Form.base_fields["status"].choices
    one.fields["status"].choices = [("x", "X")]  # what QueueFilterForm does with its sites and staff
    one.fields["priority"].choices.append(("9", "?"))  # even changing a copy in place leaves the class alone
    assert _Form.base_fields["status"].choices == [("new", "新建"), ("closed", "已关闭")]
    assert two.fields["status"].choices == [("new", "新建"), ("closed", "已关闭")]
    assert ("9", "?") not in _Form.base_fields["priority"].choices
    assert two.fields["status"].widget is not one.fields["status"].widget
    assert _Form({"status": "new", "priority": "3"}).is_valid() and not two.is_valid()
    valid = _Form({"priority": "3"})
    assert valid.is_valid() and valid.cleaned_data["priority"] == 3
