"""What the API shows of each object and what it accepts. Reads only: writes are validated here for their shape and
then handed to the apps' services, which hold the rules."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from appraisals.models import Appraisal, AppraisalCycle, Indicator, Rating, RatingScore, SpotCheck, SpotCheckDraw
from clients.models import SUMMARY_MAX_LENGTH, Assignment, BusinessRecord, Client, Contact, FeedRun, Interaction
from incentives.models import PayStatement
from managers.models import Target


@extend_schema_field({"type": "string", "format": "decimal", "pattern": r"^-?\d+(\.\d+)?$"})
class FigureField(serializers.Field):
    """A figure of a frozen explanation, as a decimal string; null when the explanation has none."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("read_only", True)
        kwargs.setdefault("allow_null", True)
        super().__init__(**kwargs)

    def to_representation(self, value: Any) -> str | None:
        if value in (None, ""):
            return None
        try:
            return str(Decimal(str(value)))
        except InvalidOperation:
            return None


# --- clients ---------------------------------------------------------------------------------------------------------


class ContactSerializer(serializers.ModelSerializer):
    class Meta:
        model = Contact
        fields = ["id", "client", "name", "title", "phone", "email", "is_primary"]


class ClientSerializer(serializers.ModelSerializer):
    current_manager = serializers.PrimaryKeyRelatedField(read_only=True, allow_null=True)

    class Meta:
        model = Client
        fields = [
            "id",
            "name",
            "registration_code",
            "industry",
            "size",
            "status",
            "tier",
            "address",
            "current_manager",
            "created_at",
        ]


class ClientDetailSerializer(ClientSerializer):
    contacts = ContactSerializer(many=True, read_only=True)

    class Meta(ClientSerializer.Meta):
        fields = [*ClientSerializer.Meta.fields, "contacts"]


class AssignmentSerializer(serializers.ModelSerializer):
    class Meta:
        model = Assignment
        fields = ["id", "client", "manager", "start", "end", "reason"]


class InteractionSerializer(serializers.ModelSerializer):
    class Meta:
        model = Interaction
        fields = [
            "id",
            "client",
            "manager",
            "kind",
            "date",
            "summary",
            "client_needs",
            "follow_up_date",
            "recorded_by",
            "created_at",
            "external_ref",
        ]
        read_only_fields = fields


class InteractionCreateSerializer(serializers.Serializer):
    """An interaction record for a client the user may log work for; the manager is the client's current one."""

    client = serializers.IntegerField(min_value=1, max_value=2**63 - 1)
    kind = serializers.ChoiceField(choices=Interaction.Kind.choices)
    date = serializers.DateField()
    summary = serializers.CharField(max_length=SUMMARY_MAX_LENGTH)
    client_needs = serializers.CharField(max_length=SUMMARY_MAX_LENGTH, required=False, allow_blank=True, default="")
    follow_up_date = serializers.DateField(required=False, allow_null=True, default=None)


class BusinessRecordSerializer(serializers.ModelSerializer):
    class Meta:
        model = BusinessRecord
        fields = ["id", "client", "month", "volume", "products_used"]


# --- managers --------------------------------------------------------------------------------------------------------


class TargetSerializer(serializers.ModelSerializer):
    class Meta:
        model = Target
        fields = [
            "id",
            "manager",
            "horizon",
            "period_start",
            "period_end",
            "business_volume",
            "new_clients",
            "interactions",
            "goals",
            "parent",
        ]


# --- appraisals ------------------------------------------------------------------------------------------------------
# The explanation is read through appraisals' appraisal_explanation, which reads only the anonymous contract's fields:
# rater types and counts, never who rated.


class EffectiveWeightField(FigureField):
    """A line's weight after the missing-data policy renormalised it (as its weight when nothing was missing)."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("source", "*")
        super().__init__(**kwargs)

    def to_representation(self, value: Any) -> str | None:
        effective = getattr(value, "effective_weight", None)
        return super().to_representation(value.weight if effective is None else effective)


class GapSerializer(serializers.Serializer):
    """A piece of data that did not exist and what the missing-data policy did with it."""

    gap = serializers.CharField(help_text=_("The missing-data case, as a code."))
    gap_label = serializers.CharField(help_text=_("The case, in the reader's language."))
    action = serializers.CharField(help_text=_("What the policy did, as a code: leave_out, neutral or incomplete."))
    action_label = serializers.CharField(help_text=_("What the policy did, in the reader's language."))
    rater_type = serializers.CharField(allow_blank=True, help_text=_("The rater type concerned, if one."))
    neutral_score = FigureField(help_text=_("The neutral score given, when that was the action."))
    whole_indicator = serializers.BooleanField(help_text=_("Nobody rated the indicator at all."))
    text = serializers.SerializerMethodField(help_text=_("The whole gap in a sentence, in the reader's language."))

    def get_text(self, gap: Any) -> str:
        return str(gap)


class PolicyUsedSerializer(serializers.Serializer):
    """The policy version the close scored with: its plan year (null: the built-in defaults) and the band cut-offs."""

    year = serializers.IntegerField(allow_null=True)
    excellent_from = FigureField()
    good_from = FigureField()
    pass_from = FigureField()


class RaterFigureSerializer(serializers.Serializer):
    rater_type = serializers.CharField()
    weight = FigureField()
    effective_weight = FigureField()
    count = serializers.IntegerField()
    average = FigureField()
    score = FigureField()


class MeasuredFigureSerializer(serializers.Serializer):
    metric = serializers.CharField()
    value = FigureField()
    target = FigureField()
    rule = serializers.CharField()


class IndicatorLineSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    kind = serializers.CharField()
    weight = FigureField()
    score = FigureField()
    contribution = FigureField()
    effective_weight = EffectiveWeightField()
    raters = RaterFigureSerializer(many=True)
    measured = MeasuredFigureSerializer(allow_null=True)
    notes = serializers.ListField(child=serializers.CharField())
    gaps = GapSerializer(many=True, help_text=_("The indicator's missing data and what the policy did."))


class DimensionLineSerializer(serializers.Serializer):
    dimension = serializers.CharField()
    weight = FigureField()
    score = FigureField()
    contribution = FigureField()
    effective_weight = EffectiveWeightField()
    indicators = IndicatorLineSerializer(many=True)


class SpotCheckEffectSerializer(serializers.Serializer):
    effect = FigureField()
    findings = serializers.CharField(allow_blank=True)


class ExcludedRatingSerializer(serializers.Serializer):
    rater_type = serializers.CharField()
    reason = serializers.CharField(allow_blank=True)


class ExplanationSerializer(serializers.Serializer):
    """How the total was reached: Σ dimension weight × Σ indicator weight × indicator score, plus spot-checks."""

    dimensions = DimensionLineSerializer(many=True)
    spot_checks = SpotCheckEffectSerializer(many=True)
    spot_check_effect = FigureField()
    excluded_ratings = ExcludedRatingSerializer(many=True)
    notes = serializers.ListField(child=serializers.CharField())
    contributions_sum = FigureField()
    computed_total = FigureField()
    total = FigureField()
    band = serializers.CharField(allow_blank=True)
    adds_up = serializers.BooleanField()
    gaps = GapSerializer(many=True, help_text=_("Every piece of missing data and what the policy did with it."))
    incomplete = serializers.BooleanField(help_text=_("Held as incomplete by the missing-data policy."))
    policy = PolicyUsedSerializer(allow_null=True, help_text=_("The policy applied (null: before policies were kept)."))


class AppraisalSerializer(serializers.ModelSerializer):
    class Meta:
        model = Appraisal
        fields = [
            "id",
            "cycle",
            "manager",
            "grade",
            "performance_score",
            "behaviour_score",
            "ability_score",
            "spot_check_effect",
            "total_score",
            "band",
            "comments",
            "finalised_at",
            "acknowledged_at",
        ]


class AppraisalDetailSerializer(AppraisalSerializer):
    explanation = ExplanationSerializer(source="api_explanation", read_only=True)

    class Meta(AppraisalSerializer.Meta):
        fields = [*AppraisalSerializer.Meta.fields, "explanation"]


class IndicatorSerializer(serializers.ModelSerializer):
    class Meta:
        model = Indicator
        fields = ["id", "dimension", "code", "name", "description"]


class RatingScoreSerializer(serializers.ModelSerializer):
    class Meta:
        model = RatingScore
        fields = ["indicator", "value", "comment"]


class RatingSerializer(serializers.ModelSerializer):
    manager = serializers.IntegerField(source="appraisal.manager_id", read_only=True)
    cycle = serializers.IntegerField(source="appraisal.cycle_id", read_only=True)

    class Meta:
        model = Rating
        fields = ["id", "appraisal", "manager", "cycle", "rater_type", "submitted_at", "comment"]


class RatingDetailSerializer(RatingSerializer):
    """A rating the user gives: the indicators to rate, and once submitted the values given."""

    indicators = IndicatorSerializer(source="api_indicators", many=True, read_only=True)
    scores = RatingScoreSerializer(many=True, read_only=True)

    class Meta(RatingSerializer.Meta):
        fields = [*RatingSerializer.Meta.fields, "indicators", "scores"]


class RatingSubmitSerializer(serializers.Serializer):
    """A value 1–5 for every indicator of the rating (by indicator id), a comment at 1 and 5."""

    values = serializers.DictField(child=serializers.IntegerField(), help_text=_("indicator id → value (1–5)"))
    comments = serializers.DictField(
        child=serializers.CharField(allow_blank=True, max_length=10000),
        required=False,
        default=dict,
        help_text=_("indicator id → comment"),
    )
    comment = serializers.CharField(required=False, allow_blank=True, default="", max_length=10000)

    def _ids(self, data: dict[str, Any], field: str) -> dict[int, Any]:
        result = {}
        for key, value in data.items():
            if not str(key).isdigit():
                raise serializers.ValidationError({field: [_("Keys must be indicator ids.")]})
            result[int(key)] = value
        return result

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        attrs["values"] = self._ids(attrs["values"], "values")
        attrs["comments"] = self._ids(attrs.get("comments") or {}, "comments")
        return attrs


class CycleSerializer(serializers.ModelSerializer):
    class Meta:
        model = AppraisalCycle
        fields = [
            "id",
            "name",
            "plan",
            "template",
            "kind",
            "cause",
            "period_start",
            "period_end",
            "rating_deadline",
            "state",
            "opened_at",
            "closed_at",
        ]


class SpotCheckSerializer(serializers.ModelSerializer):
    class Meta:
        model = SpotCheck
        fields = ["id", "manager", "mode", "method", "checked_on", "findings", "score_effect", "applied_to"]


class SpotCheckDrawSerializer(serializers.ModelSerializer):
    checks = SpotCheckSerializer(many=True, read_only=True)

    class Meta:
        model = SpotCheckDraw
        fields = [
            "id",
            "policy",
            "drawn_at",
            "drawn_by",
            "population",
            "sample_size",
            "seed",
            "sample",
            "algorithm",
            "checks",
        ]


class SpotCheckDrawCreateSerializer(serializers.Serializer):
    """Draw now: the sample size, or none for the active policy's."""

    sample_size = serializers.IntegerField(min_value=1, max_value=10000, required=False, allow_null=True, default=None)


class DrawVerificationSerializer(serializers.Serializer):
    draw = serializers.IntegerField()
    verified = serializers.BooleanField(help_text=_("Re-running the draw from its seed gives the recorded sample."))
    algorithm = serializers.CharField()
    seed = serializers.CharField()
    population = serializers.ListField(child=serializers.IntegerField())
    sample = serializers.ListField(child=serializers.IntegerField())


# --- pay -------------------------------------------------------------------------------------------------------------


class PayStatementSerializer(serializers.ModelSerializer):
    period_code = serializers.CharField(source="period.code", read_only=True)

    class Meta:
        model = PayStatement
        fields = [
            "id",
            "period",
            "period_code",
            "manager",
            "kind",
            "adjusts",
            "appraisal",
            "grade",
            "grades_used",
            "currency",
            "base_salary",
            "performance_pay",
            "behaviour_component",
            "total",
            "explanation",
            "reason",
            "state",
            "approved_at",
        ]


# --- who am I --------------------------------------------------------------------------------------------------------


class MeSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    username = serializers.CharField()
    role = serializers.CharField(allow_null=True)
    manager = serializers.IntegerField(allow_null=True)
    token_scope = serializers.CharField(allow_null=True)
    service_account = serializers.BooleanField()


# --- feeds -----------------------------------------------------------------------------------------------------------


class BusinessRecordRowSerializer(serializers.Serializer):
    client_code = serializers.CharField(help_text=_("The client's registration code."))
    month = serializers.CharField(help_text=_("YYYY-MM"))
    volume = serializers.CharField(help_text=_("The month's business volume, a decimal number."))
    products_used = serializers.IntegerField()


class BusinessRecordFeedSerializer(serializers.Serializer):
    """A JSON feed (a CSV body with the same columns takes up to 100,000 rows in bounded memory)."""

    rows = serializers.ListField(child=serializers.DictField(), max_length=100000)


class InteractionFeedSerializer(serializers.Serializer):
    """A JSON feed of interactions, each row {external_id, client_code, manager (staff number, optional: the client's
    manager on the day), kind, date (YYYY-MM-DD or an ISO date and time), summary} (a CSV body with the same columns
    takes up to 100,000 rows in bounded memory)."""

    rows = serializers.ListField(child=serializers.DictField(), max_length=100000)


class FeedRunRefusalSerializer(serializers.Serializer):
    line = serializers.IntegerField()
    key = serializers.CharField(allow_blank=True, help_text=_("The client's registration code."))
    errors = serializers.DictField(child=serializers.ListField(child=serializers.CharField()))


class FeedRunSerializer(serializers.ModelSerializer):
    url = serializers.HyperlinkedIdentityField(view_name="api:feed-run-detail", help_text=_("This run, to poll."))
    started_by = serializers.CharField(source="started_by.username", allow_null=True, default=None)
    rows = serializers.IntegerField(help_text=_("The rows read so far (updated after each batch while running)."))
    rows_total = serializers.IntegerField(allow_null=True, help_text=_("The rows in the feed."))
    refusals = FeedRunRefusalSerializer(many=True, help_text=_("The first 1,000 refused rows, each with why."))

    class Meta:
        model = FeedRun
        fields = [
            "id",
            "url",
            "kind",
            "source",
            "started_by",
            "started_at",
            "finished_at",
            "all_or_nothing",
            "state",
            "rows",
            "rows_total",
            "created",
            "updated",
            "unchanged",
            "refused_count",
            "refusals",
        ]
        read_only_fields = fields
