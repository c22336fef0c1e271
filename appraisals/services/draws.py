"""Random draws an auditor can re-run (spot-checks, client samples, peers): one definition of the draw, used to make
it and to verify it.

A draw is unpredictable to managers because its seed comes from the operating system's cryptographic source
(``secrets.token_hex``) at the moment of the draw; it is verifiable because the population, the seed and the
sample are stored, and ``random.Random(seed).sample(population, k)`` is deterministic for a given seed
(a ``str`` seed is hashed with SHA-512 by ``random.seed`` version 2, stable across Python 3 releases).
"""

from __future__ import annotations

import random
import secrets
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from django.contrib.auth.models import AbstractBaseUser
from simple_history.utils import bulk_create_with_history

from appraisals.models import AppraisalCycle, ClientSampleDraw, PeerDraw, RaterType, Rating
from appraisals.models.draws import DRAW_ALGORITHM, RecordedDraw
from managers.models import AccountManager


def draw_sample(*, seed: str, population: list[int], k: int) -> list[int]:
    """The one definition of the draw, used to make it and to verify it."""
    return sorted(random.Random(seed).sample(population, k))


@dataclass(frozen=True)
class Drawn:
    """A draw just made: the population it was made from (sorted), k, the seed and the sample (sorted)."""

    population: list[int]
    k: int
    seed: str
    sample: list[int]


def draw_make(*, population: Iterable[int], size: int) -> Drawn:
    """Draw up to `size` of the population (ids) with a fresh cryptographic seed."""
    ordered = sorted(population)
    seed = secrets.token_hex(32)
    k = max(0, min(size, len(ordered)))
    return Drawn(population=ordered, k=k, seed=seed, sample=draw_sample(seed=seed, population=ordered, k=k))


def draw_reruns(*, draw: RecordedDraw) -> bool:
    """An auditor's check of the record itself: the population is sorted and without repeats, and re-running the
    draw from its seed gives the recorded sample."""
    population = list(draw.population)
    if population != sorted(population) or len(set(population)) != len(population):
        return False
    try:
        rerun = draw_sample(seed=draw.seed, population=population, k=draw.sample_size)
    except (ValueError, TypeError):
        return False
    return rerun == list(draw.sample)


def _user_or_none(by: AbstractBaseUser | None) -> AbstractBaseUser | None:
    return by if by is not None and by.is_authenticated else None


# --- peers ----------------------------------------------------------------------------------------------------------


def peers_draw(
    *,
    cycle: AppraisalCycle,
    managers: list[AccountManager],
    per_manager: int,
    by: AbstractBaseUser | None = None,
) -> dict[int, list[AccountManager]]:
    """Up to per_manager peers for each manager (annotated with grade_id_on), drawn among the managers of the same
    department and grade, each draw recorded (PeerDraw) so that an auditor can re-run it."""
    groups: dict[tuple[int, int | None], list[AccountManager]] = defaultdict(list)
    for manager in managers:
        groups[(manager.department_id, manager.grade_id_on)].append(manager)
    by_id = {manager.pk: manager for manager in managers}
    drawn: dict[int, list[AccountManager]] = {}
    records: list[PeerDraw] = []
    drawn_by = _user_or_none(by)
    for manager in managers:
        if manager.grade_id_on is None:
            drawn[manager.pk] = []
            continue
        candidates = [o.pk for o in groups[(manager.department_id, manager.grade_id_on)] if o.pk != manager.pk]
        made = draw_make(population=candidates, size=per_manager)
        drawn[manager.pk] = [by_id[pk] for pk in made.sample]
        records.append(
            PeerDraw(
                cycle=cycle,
                manager=manager,
                drawn_by=drawn_by,
                population=made.population,
                sample_size=made.k,
                seed=made.seed,
                sample=made.sample,
                algorithm=DRAW_ALGORITHM,
            )
        )
    if records:
        bulk_create_with_history(
            records, PeerDraw, batch_size=500, default_user=drawn_by, default_change_reason="drawn"
        )
    return drawn


def peer_draw_verify(*, draw: PeerDraw) -> bool:
    """An auditor's check: the draw re-runs from its seed to the recorded sample, and the peer ratings of the manager
    in the cycle are exactly those of the sampled managers."""
    if not draw_reruns(draw=draw):
        return False
    sampled_users = set(AccountManager.objects.filter(pk__in=draw.sample).values_list("user_id", flat=True))
    raters = set(
        Rating.objects.filter(
            appraisal__cycle_id=draw.cycle_id, appraisal__manager_id=draw.manager_id, rater_type=RaterType.PEER
        ).values_list("rater_id", flat=True)
    )
    return len(sampled_users) == len(draw.sample) and raters == sampled_users


# --- client samples -------------------------------------------------------------------------------------------------


def client_sample_draw_verify(*, draw: ClientSampleDraw) -> bool:
    """An auditor's check: the draw re-runs from its seed to the recorded sample, and the client sample ratings of the
    appraisal are exactly the clients its draws sampled (a top-up is a draw of its own, never a change of this one)."""
    if not draw_reruns(draw=draw):
        return False
    rated = set(
        Rating.objects.filter(appraisal_id=draw.appraisal_id, rater_type=RaterType.CLIENT).values_list(
            "client_id", flat=True
        )
    )
    drawn: set[int] = set()
    for sample in ClientSampleDraw.objects.filter(appraisal_id=draw.appraisal_id).values_list("sample", flat=True):
        drawn.update(sample)
    return set(draw.sample) <= rated and drawn == rated
