from django.urls import path

from anxin.qa import views

app_name = "qa"
urlpatterns = [
    path("", views.samples, name="samples"),
    path("samples/<int:pk>/", views.sample, name="sample"),
    path("reviews/<int:pk>/", views.review, name="review"),
    path("mine/", views.mine, name="mine"),
]
