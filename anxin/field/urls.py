from django.urls import path

from anxin.core.steps import step_urls
from anxin.field import steps, views

app_name = "field"
urlpatterns = [
    path("board/", views.board, name="board"),
    path("orders/<uuid:public_id>/", views.panel, name="panel"),
    *step_urls("orders/<uuid:public_id>/steps/", steps.DESK, views.panel_step, "panel-"),
    path("orders/<uuid:public_id>/print/", views.print_order, name="print"),
    path("orders/<uuid:public_id>/quotes/<int:revision>/print/", views.print_quote, name="print-quote"),
    path("orders/<uuid:public_id>/signatures/<uuid:signature_id>.png", views.signature_image, name="signature"),
    path("my/", views.my_day, name="my"),
    path("my/<uuid:public_id>/", views.my_order, name="my-order"),
    *step_urls("my/<uuid:public_id>/", steps.PHONE, views.my_order_step, "my-"),
    path("warehouse/", views.warehouse, name="warehouse"),
]
