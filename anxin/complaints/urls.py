from django.urls import path

from anxin.complaints import views

app_name = "complaints"
urlpatterns = [
    path("cases/", views.case_library, name="cases"),
    path("<uuid:public_id>/", views.complaint_edit, name="edit"),
    path("<uuid:public_id>/print/", views.print_record, name="print"),
]
