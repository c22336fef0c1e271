"""The weighted appraisal (考核): plans and templates, cycles and appraisals, ratings, spot-checks, results."""

from appraisals.models.cycles import RATING_STATES, Appraisal, AppraisalCycle, MeasuredValue, MeasureGap
from appraisals.models.draws import ClientSampleDraw, PeerDraw
from appraisals.models.plans import AppraisalPlan, Dimension, Indicator, RaterType, Template
from appraisals.models.policies import AppraisalPolicy, MissingDataAction, MissingDataGap, MissingDataRule
from appraisals.models.ratings import Rating, RatingDraft, RatingScore, SurveyInvitation
from appraisals.models.results import Appeal, AppraisalVersion, Recommendation, ResultRule
from appraisals.models.spotchecks import SpotCheck, SpotCheckDraw, SpotCheckPolicy

__all__ = [
    "RATING_STATES",
    "Appeal",
    "Appraisal",
    "AppraisalCycle",
    "AppraisalPlan",
    "AppraisalPolicy",
    "AppraisalVersion",
    "ClientSampleDraw",
    "Dimension",
    "Indicator",
    "MeasureGap",
    "MeasuredValue",
    "MissingDataAction",
    "MissingDataGap",
    "MissingDataRule",
    "PeerDraw",
    "RaterType",
    "Rating",
    "RatingDraft",
    "RatingScore",
    "Recommendation",
    "ResultRule",
    "SpotCheck",
    "SpotCheckDraw",
    "SpotCheckPolicy",
    "SurveyInvitation",
    "Template",
]
