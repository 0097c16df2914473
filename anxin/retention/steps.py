"""The purge batch page's steps: approve or hold, each posted to its own URL."""

from anxin.core.steps import Step
from anxin.retention import forms, services

BATCH = {s.key: s for s in (
    Step("approve", forms.ReviewForm, lambda b, u, d: services.batch_approve(batch=b, actor=u, note=d["note"])),
    Step("hold", forms.ReviewForm, lambda b, u, d: services.batch_hold(batch=b, actor=u, note=d["note"])),
)}
