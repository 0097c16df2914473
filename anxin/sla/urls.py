from django.urls import path

from anxin.sla import views

app_name = "sla"
urlpatterns = [path("orders/<uuid:public_id>/clocks/", views.order_clocks, name="order-clocks")]
