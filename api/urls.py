from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView
from rest_framework.routers import DefaultRouter

from api import (
    schema,  # noqa: F401 - registers the token's security scheme with drf-spectacular
    views,
)

app_name = "api"

router = DefaultRouter(trailing_slash=True)
router.include_root_view = False
router.register("clients", views.ClientViewSet, basename="client")
router.register("contacts", views.ContactViewSet, basename="contact")
router.register("assignments", views.AssignmentViewSet, basename="assignment")
router.register("interactions", views.InteractionViewSet, basename="interaction")
router.register("feed-runs", views.FeedRunViewSet, basename="feed-run")
router.register("business-records", views.BusinessRecordViewSet, basename="business-record")
router.register("targets", views.TargetViewSet, basename="target")
router.register("appraisals", views.AppraisalViewSet, basename="appraisal")
router.register("ratings", views.RatingViewSet, basename="rating")
router.register("cycles", views.CycleViewSet, basename="cycle")
router.register("spot-check-draws", views.SpotCheckDrawViewSet, basename="spot-check-draw")
router.register("pay-statements", views.PayStatementViewSet, basename="pay-statement")

urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", views.docs, name="docs"),
    path("me/", views.MeView.as_view(), name="me"),
    path("interactions/bulk/", views.InteractionFeedView.as_view(), name="interaction-bulk"),
    path("", include(router.urls)),
    re_path(r"^(?P<path>.*)$", views.not_found),
]
