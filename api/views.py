"""The API's endpoints. Each list and each object is read through its app's selector, so the permission matrix applies
as on the pages (an object the user may not see is a 404); each write calls its app's service."""

from __future__ import annotations

import re
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.csrf import ensure_csrf_cookie
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, PermissionDenied
from rest_framework.exceptions import ValidationError as DRFValidationError
from rest_framework.parsers import BaseParser, JSONParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from api import filtersets as f
from api import serializers as s
from api.errors import django_errors, error_body
from api.models import ApiToken
from appraisals.models import AppraisalCycle, SpotCheckDraw
from appraisals.selectors import (
    appraisal_explanation,
    appraisals_visible_to,
    can_manage_spot_checks,
    can_see_all_results,
    indicators_rated_by,
    ratings_given_by,
)
from appraisals.services.ratings import comment_field, rating_submit, value_field
from appraisals.services.spotchecks import spot_check_draw, spot_check_verify
from clients.feed_runs import feed_run_queue
from clients.models import FeedRun
from clients.selectors import (
    assignments_visible_to,
    business_records_visible_to,
    client_actions_for_user,
    client_detail_for_user,
    client_manager_on,
    clients_visible_to,
    contacts_visible_to,
    feed_runs_visible_to,
    interactions_visible_to,
)
from clients.services import interaction_record
from core.permissions import Action
from core.roles import role_of
from incentives.selectors import pay_statements_for_payroll
from managers.selectors import acting_manager, targets_visible_to

MAX_ID = 2**63 - 1
FEED_PERMISSIONS = ("clients.add_businessrecord", "clients.change_businessrecord")
INTERACTION_FEED_PERMISSIONS = ("clients.add_interaction", "clients.change_interaction")
ALL_OR_NOTHING = OpenApiParameter(
    "all_or_nothing",
    bool,
    description="true (the default): one refused row and nothing is written; false: the valid rows are.",
)

FEED_ACCEPTED = OpenApiResponse(
    s.FeedRunSerializer,
    description="The feed is stored and queued: poll the feed run (its URL, also in Location) for its progress.",
)
FEED_LOCATION = OpenApiParameter(
    "Location", str, location=OpenApiParameter.HEADER, required=True, response={202}, description="The feed run's URL."
)


class CsvParser(BaseParser):
    """Declares text/csv for the feed; the view reads the stream itself, row by row, instead of parsing it whole."""

    media_type = "text/csv"

    def parse(self, stream: Any, media_type: str | None = None, parser_context: Any = None) -> Any:
        return {}


def valid_id(value: str) -> bool:
    """An id the database can hold: other values are answered 404 without a query."""
    return bool(re.fullmatch(r"[0-9]{1,19}", value)) and 0 < int(value) <= MAX_ID


class ReadOnly(viewsets.ReadOnlyModelViewSet):
    """A list and its objects; list reads the selector with Action.LIST, an object with Action.VIEW."""

    # Any id reaches the view, so that a malformed one is a 404 in the API's error body, not the site's HTML page.
    lookup_value_regex = "[^/]+"

    def visible(self, action: Action) -> QuerySet:
        raise NotImplementedError

    def get_queryset(self) -> QuerySet:
        return self.visible(Action.LIST if self.action == "list" else Action.VIEW)

    def get_object(self) -> Any:
        if not valid_id(self.kwargs.get(self.lookup_url_kwarg or self.lookup_field, "")):
            raise NotFound()
        return super().get_object()


# --- clients ---------------------------------------------------------------------------------------------------------


class ClientViewSet(ReadOnly):
    """Clients the user may see (their line, their department, their employer's, or all for HR)."""

    filterset_class = f.ClientFilter

    def get_serializer_class(self) -> type[s.ClientSerializer]:
        return s.ClientDetailSerializer if self.action == "retrieve" else s.ClientSerializer

    def visible(self, action: Action) -> QuerySet:
        queryset = clients_visible_to(self.request.user, action)
        return queryset.prefetch_related("contacts") if self.action == "retrieve" else queryset


class ContactViewSet(ReadOnly):
    serializer_class = s.ContactSerializer
    filterset_class = f.ContactFilter

    def visible(self, action: Action) -> QuerySet:
        return contacts_visible_to(self.request.user, action)


class AssignmentViewSet(ReadOnly):
    serializer_class = s.AssignmentSerializer
    filterset_class = f.AssignmentFilter

    def visible(self, action: Action) -> QuerySet:
        return assignments_visible_to(self.request.user, action)


@extend_schema_view(
    create=extend_schema(
        request=s.InteractionCreateSerializer,
        responses={201: s.InteractionSerializer},
        description="Record an interaction: the client's current account manager or their key-account assistant.",
    )
)
class InteractionViewSet(mixins.CreateModelMixin, ReadOnly):
    serializer_class = s.InteractionSerializer
    filterset_class = f.InteractionFilter

    def visible(self, action: Action) -> QuerySet:
        return interactions_visible_to(self.request.user, action)

    def get_serializer_class(self) -> type:
        return s.InteractionCreateSerializer if self.action == "create" else s.InteractionSerializer

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        form = s.InteractionCreateSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        data = form.validated_data
        client = client_detail_for_user(request.user, data["client"])
        if client is None:
            raise NotFound(_("No such client."))
        actions = client_actions_for_user(request.user, current_manager=client_manager_on(client=client))
        if not actions.log_interaction:
            raise PermissionDenied(_("Only the client's account manager or their assistant records interactions."))
        interaction = interaction_record(
            client=client,
            manager=actions.manager,
            recorded_by=request.user,
            kind=data["kind"],
            date=data["date"],
            summary=data["summary"],
            client_needs=data["client_needs"],
            follow_up_date=data["follow_up_date"],
        )
        return Response(s.InteractionSerializer(interaction).data, status=status.HTTP_201_CREATED)


class BusinessRecordViewSet(ReadOnly):
    serializer_class = s.BusinessRecordSerializer
    filterset_class = f.BusinessRecordFilter

    def visible(self, action: Action) -> QuerySet:
        return business_records_visible_to(self.request.user, action)

    @extend_schema(
        request={"text/csv": {"type": "string"}, "application/json": s.BusinessRecordFeedSerializer},
        parameters=[ALL_OR_NOTHING, FEED_LOCATION],
        responses={202: FEED_ACCEPTED},
    )
    @action(detail=False, methods=["post"], parser_classes=[JSONParser, CsvParser], filter_backends=[])
    def bulk(self, request: Request) -> Response:
        """The nightly feed: upsert business records by (client registration code, month), idempotently. A CSV body
        (columns client_code, month, volume, products_used, optionally profit) is stored as it streams and loaded by
        a job: the answer is 202 with the feed run, whose URL (also in Location) shows its progress, then what it
        changed and every refused row."""
        if not request.user.has_perms(FEED_PERMISSIONS):
            raise PermissionDenied(_("Feeding business records needs the permission to add and change them."))
        return run_feed(request, FeedRun.Kind.BUSINESS_RECORDS, s.BusinessRecordFeedSerializer)


def run_feed(request: Request, kind: str, form_class: type) -> Response:
    """Store a CSV or JSON body as a queued feed run whose job loads it, and answer 202 with the run to poll."""
    flag = request.query_params.get("all_or_nothing", "true").strip().lower()
    if flag not in ("true", "false", "1", "0"):
        raise DRFValidationError({"all_or_nothing": [_("Give true or false.")]})
    all_or_nothing = flag in ("true", "1")
    body: dict[str, Any]
    if request.content_type.split(";")[0].strip() == "text/csv":
        body = {"csv_chunks": iter(lambda: request._request.read(65536), b"")}
    else:
        form = form_class(data=request.data)
        form.is_valid(raise_exception=True)
        body = {"rows": form.validated_data["rows"]}
    run = feed_run_queue(kind=kind, started_by=request.user, all_or_nothing=all_or_nothing, **body)
    data = s.FeedRunSerializer(run, context={"request": request}).data
    # str(): the field's value is DRF's Hyperlink, which a WSGI server refuses as a header value.
    return Response(data, status=status.HTTP_202_ACCEPTED, headers={"Location": str(data["url"])})


class InteractionFeedView(APIView):
    """The call centre's feed of interactions (service accounts and HR)."""

    parser_classes = [JSONParser, CsvParser]

    @extend_schema(
        operation_id="interactions_bulk_create",
        request={"text/csv": {"type": "string"}, "application/json": s.InteractionFeedSerializer},
        parameters=[ALL_OR_NOTHING, FEED_LOCATION],
        responses={202: FEED_ACCEPTED},
    )
    def post(self, request: Request) -> Response:
        """Record interactions exported from a call-centre system, by their external id (loading the same rows twice
        creates nothing twice). A CSV body (columns external_id, client_code, manager, kind, date, summary) is stored
        as it streams and loaded by a job: the answer is 202 with the feed run, whose URL (also in Location) shows
        its progress, then what it changed and every refused row."""
        if not request.user.has_perms(INTERACTION_FEED_PERMISSIONS):
            raise PermissionDenied(_("Feeding interactions needs the permission to add and change them."))
        return run_feed(request, FeedRun.Kind.INTERACTIONS, s.InteractionFeedSerializer)


class FeedRunViewSet(ReadOnly):
    """Feed runs: what each load of a feed changed and refused (HR sees every run, others their own)."""

    serializer_class = s.FeedRunSerializer
    filterset_class = None

    def visible(self, action: Action) -> QuerySet:
        return feed_runs_visible_to(self.request.user)


# --- managers --------------------------------------------------------------------------------------------------------


class TargetViewSet(ReadOnly):
    serializer_class = s.TargetSerializer
    filterset_class = f.TargetFilter

    def visible(self, action: Action) -> QuerySet:
        return targets_visible_to(self.request.user, action)


# --- appraisals ------------------------------------------------------------------------------------------------------


class AppraisalViewSet(ReadOnly):
    """Final appraisals of closed cycles in the user's scope (HR: every one), each with its explanation."""

    filterset_class = f.AppraisalFilter

    def get_serializer_class(self) -> type[s.AppraisalSerializer]:
        return s.AppraisalDetailSerializer if self.action == "retrieve" else s.AppraisalSerializer

    def visible(self, action: Action) -> QuerySet:
        return appraisals_visible_to(self.request.user, action)

    def get_object(self) -> Any:
        appraisal = super().get_object()
        appraisal.api_explanation = appraisal_explanation(appraisal=appraisal)
        return appraisal


class RatingViewSet(ReadOnly):
    """The ratings the user gives (self, department head, peer); ?submitted=false lists the ones still owed."""

    filterset_class = f.RatingFilter

    def get_serializer_class(self) -> type:
        if self.action == "retrieve":
            return s.RatingDetailSerializer
        if self.action == "submit":
            return s.RatingSubmitSerializer
        return s.RatingSerializer

    def visible(self, action: Action) -> QuerySet:
        queryset = ratings_given_by(self.request.user).select_related("appraisal")
        if self.action == "retrieve":
            queryset = queryset.select_related("appraisal__cycle__template").prefetch_related("scores")
        return queryset

    def get_object(self) -> Any:
        rating = super().get_object()
        rating.api_indicators = indicators_rated_by(
            template=rating.appraisal.cycle.template, rater_type=rating.rater_type
        )
        return rating

    @extend_schema(request=s.RatingSubmitSerializer, responses={200: s.RatingDetailSerializer})
    @action(detail=True, methods=["post"])
    def submit(self, request: Request, pk: str | None = None) -> Response:
        """Submit the rating once: a value 1–5 for every indicator it rates, a comment at 1 and 5; all or nothing."""
        rating = self.get_object()
        form = s.RatingSubmitSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        data = form.validated_data
        try:
            rating_submit(
                rating=rating,
                by=request.user,
                values=data["values"],
                comments=data["comments"],
                comment=data["comment"],
            )
        except DjangoValidationError as error:
            raise DjangoValidationError(_rating_errors(django_errors(error))) from error
        return Response(s.RatingDetailSerializer(self.get_object()).data)


def _rating_errors(errors: dict[str, list[str]]) -> dict[str, list[str]]:
    """The service's per-indicator keys (value_<id>, comment_<id>) as the request's fields (values.<id>, …)."""
    renamed = {}
    for key, messages in errors.items():
        for prefix, field in ((value_field(0)[:-1], "values"), (comment_field(0)[:-1], "comments")):
            if key.startswith(prefix) and key[len(prefix) :].isdigit():
                key = f"{field}.{key[len(prefix) :]}"
                break
        renamed[key] = messages
    return renamed


class CycleViewSet(ReadOnly):
    """Appraisal cycles: HR."""

    serializer_class = s.CycleSerializer
    filterset_class = f.CycleFilter

    def visible(self, action: Action) -> QuerySet:
        if can_see_all_results(self.request.user):
            return AppraisalCycle.objects.all()
        return AppraisalCycle.objects.none()


@extend_schema_view(
    create=extend_schema(request=s.SpotCheckDrawCreateSerializer, responses={201: s.SpotCheckDrawSerializer})
)
class SpotCheckDrawViewSet(mixins.CreateModelMixin, ReadOnly):
    """Unannounced spot-check draws: HR only (a manager never sees a draw)."""

    serializer_class = s.SpotCheckDrawSerializer
    filterset_class = f.SpotCheckDrawFilter

    def visible(self, action: Action) -> QuerySet:
        if can_manage_spot_checks(self.request.user):
            return SpotCheckDraw.objects.prefetch_related("checks")
        return SpotCheckDraw.objects.none()

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Draw managers now, with the given sample size or the active policy's."""
        if not can_manage_spot_checks(request.user):
            raise PermissionDenied(_("Only HR draws spot-checks."))
        form = s.SpotCheckDrawCreateSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        draw = spot_check_draw(sample_size=form.validated_data["sample_size"], by=request.user)
        return Response(s.SpotCheckDrawSerializer(draw).data, status=status.HTTP_201_CREATED)

    @extend_schema(responses={200: s.DrawVerificationSerializer})
    @action(detail=True, methods=["get"])
    def verification(self, request: Request, pk: str | None = None) -> Response:
        """Re-run the draw from its recorded seed and population: an auditor's check that it was fair."""
        draw = self.get_object()
        body = {
            "draw": draw.pk,
            "verified": spot_check_verify(draw=draw),
            "algorithm": draw.algorithm,
            "seed": draw.seed,
            "population": list(draw.population),
            "sample": list(draw.sample),
        }
        return Response(s.DrawVerificationSerializer(body).data)


# --- pay -------------------------------------------------------------------------------------------------------------


class PayStatementViewSet(ReadOnly):
    """The user's own pay statements; a payroll user every approved one; HR every one."""

    serializer_class = s.PayStatementSerializer
    filterset_class = f.PayStatementFilter

    def visible(self, action: Action) -> QuerySet:
        return pay_statements_for_payroll(self.request.user).select_related("period")


# --- who am I --------------------------------------------------------------------------------------------------------


class MeView(APIView):
    @extend_schema(responses={200: s.MeSerializer})
    def get(self, request: Request) -> Response:
        """The signed-in user, their role, and the token used (if any)."""
        token = request.auth if isinstance(request.auth, ApiToken) else None
        manager = acting_manager(request.user)
        role = role_of(request.user)
        body = {
            "id": request.user.pk,
            "username": request.user.get_username(),
            "role": role.value if role else None,
            "manager": manager.pk if manager else None,
            "token_scope": token.scope if token else None,
            "service_account": bool(token and token.service_account),
        }
        return Response(s.MeSerializer(body).data)


def not_found(request: HttpRequest, path: str = "") -> JsonResponse:
    """Any other address under /api/: a 404 in the API's error body."""
    return JsonResponse(error_body(status=404, code="not_found", detail=_("No such API endpoint.")), status=404)


# --- documentation ---------------------------------------------------------------------------------------------------


@ensure_csrf_cookie
def docs(request: HttpRequest) -> HttpResponse:
    """Swagger UI over /api/schema/, from vendored files (static/vendor/swagger-ui)."""
    return render(request, "api/docs.html")
