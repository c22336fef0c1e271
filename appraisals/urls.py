from appraisals.views import cycles, ratings, results

app_name = "appraisals"

urlpatterns = [*cycles.urlpatterns, *ratings.urlpatterns, *results.urlpatterns]
