"""The appraisal's pages: HR's cycle results, the raters' ratings and the clients' survey, the managers' results."""

from django.urls import path

from appraisals.views import cycles, ratings, results

app_name = "appraisals"

urlpatterns = [
    path("cycles/results/", cycles.cycle_results, name="cycle_results"),
    path("ratings/", ratings.pending_ratings, name="pending_ratings"),
    path("ratings/<int:pk>/", ratings.rate, name="rate"),
    path("survey/<str:token>/", ratings.survey, name="survey"),
    path("mine/", results.my_appraisals, name="mine"),
    path("line/", results.line_results_view, name="line_results"),
    path("<int:pk>/", results.appraisal_detail, name="detail"),
    path("<int:pk>/acknowledge/", results.appraisal_acknowledge_view, name="acknowledge"),
    path("<int:pk>/appeal/", results.appraisal_appeal_view, name="appeal"),
]
