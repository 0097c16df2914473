from django.urls import path

from anxin.complaints import steps, views
from anxin.core.steps import step_urls

app_name = "complaints"
urlpatterns = [
    path("cases/", views.case_library, name="cases"),
    path("<uuid:public_id>/", views.complaint_edit, name="edit"),
    *step_urls("<uuid:public_id>/steps/", steps.COMPLAINT, views.complaint_step, "step-"),
    path("<uuid:public_id>/print/", views.print_record, name="print"),
]
