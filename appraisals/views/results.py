"""Pages of the appraisal (see appraisals/urls.py)."""

urlpatterns: list = []
