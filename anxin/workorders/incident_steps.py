"""The incident page's steps (A11), as a table: each button posts to its own URL and runs one service."""

from anxin.core.steps import Step
from anxin.workorders import incident_forms as forms
from anxin.workorders import incident_services as services


def _v(d):
    return d.get("expected_version")


INCIDENT = {s.key: s for s in (
    Step("confirm", forms.ConfirmForm, lambda i, u, d: services.incident_confirm(
        incident=i, actor=u, cause=d["cause"], eta=d["eta"], expected_version=_v(d))),
    Step("dismiss", forms.DismissForm, lambda i, u, d: services.incident_dismiss(
        incident=i, actor=u, reason=d["reason"], expected_version=_v(d))),
    Step("eta", forms.EtaForm, lambda i, u, d: services.incident_eta_change(
        incident=i, actor=u, eta=d["eta"], expected_version=_v(d))),
    Step("restore", forms.RestoreForm, lambda i, u, d: services.incident_restore(
        incident=i, actor=u, resolution=d["resolution"], expected_version=_v(d))),
)}
