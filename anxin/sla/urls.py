from django.urls import path

from anxin.sla import views

app_name = "sla"
urlpatterns = [
    path("orders/<uuid:public_id>/clocks/", views.order_clocks, name="order-clocks"),
    path("orders/<uuid:public_id>/commitments/", views.commitment_make, name="commitment-make"),
    path("commitments/", views.commitment_list, name="commitments"),
    path("report/", views.attainment, name="attainment"),
    path("commitments/<int:pk>/close/", views.commitment_close, name="commitment-close"),
]
