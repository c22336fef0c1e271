from django.urls import path

from managers import views

app_name = "managers"

urlpatterns = [
    path("me/", views.profile, name="profile"),
]
