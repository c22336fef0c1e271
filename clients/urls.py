from django.urls import path, re_path

from clients import views

app_name = "clients"

urlpatterns = [
    path("", views.client_list_view, name="list"),
    path("<int:pk>/", views.client_detail, name="detail"),
    path("<int:pk>/interactions/new/", views.interaction_create, name="interaction_create"),
    path("<int:pk>/feedback/new/", views.feedback_create, name="feedback_create"),
    path("<int:pk>/reports/new/", views.report_create, name="report_create"),
    re_path(
        r"^(?P<pk>[0-9]+)/(?P<kind>interaction|feedback|report)/(?P<record_id>[0-9]+)/correct/$",
        views.record_correct,
        name="record_correct",
    ),
]
