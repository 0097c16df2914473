from django.urls import path

from anxin.customers import views

app_name = "customers"
urlpatterns = [
    path("", views.search, name="search"),
    path("new/", views.create, name="create"),
    path("import/", views.import_upload, name="import"),
    path("export/", views.export, name="export"),
    path("<uuid:public_id>/", views.archive, name="archive"),
    path("<uuid:public_id>/edit/", views.edit, name="edit"),
    path("<uuid:public_id>/contacts/", views.contact_add, name="contact-add"),
    path("<uuid:public_id>/assets/", views.asset_create, name="asset-create"),
]
