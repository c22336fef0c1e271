from django.urls import path

from incentives import views

app_name = "incentives"

urlpatterns = [
    path("mine/", views.my_pay, name="my_pay"),
    path("statements/<int:pk>/", views.statement_detail, name="statement"),
    path("recognition/", views.my_recognition, name="my_recognition"),
    path("honour/", views.honour, name="roll_of_honour"),
    path("honour/<int:year>/", views.honour, name="roll_of_honour"),
]
