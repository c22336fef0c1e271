"""Business records carry profit: imported (all or nothing, through the import jobs' runner, which reuses the nightly
feed's checks and upsert) and entered in the admin through business_record_upsert."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse

from clients.models import BusinessRecord
from tests.clients.factories import BusinessRecordFactory, ClientFactory
from tests.clients.test_import import import_errors, imported

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path) -> None:
    settings.MEDIA_ROOT = tmp_path


def test_a_business_file_imports_volume_profit_and_replaces_a_recorded_month() -> None:
    client = ClientFactory(registration_code="91310000AAA")
    BusinessRecordFactory(client=client, month=dt.date(2026, 5, 1), volume=Decimal("1"), profit=None)
    text = """
client,month,volume,profit,products_used
91310000AAA,2026-05-01,1200.50,-30.25,3
91310000AAA,2026-06-17,800,,2
"""
    result = imported("business_records", text)

    assert import_errors(result) == []
    rows = {r.month: (r.volume, r.profit, r.products_used) for r in BusinessRecord.objects.filter(client=client)}
    assert rows == {
        dt.date(2026, 5, 1): (Decimal("1200.50"), Decimal("-30.25"), 3),  # replaced; a loss is a negative profit
        dt.date(2026, 6, 1): (Decimal("800.00"), None, 2),  # profit not known: empty, not 0
    }


def test_a_business_file_with_a_bad_line_imports_nothing() -> None:
    ClientFactory(registration_code="91310000AAA")
    text = """
client,month,volume,profit,products_used
91310000AAA,2026-05-01,100,10,1
91310000ZZZ,2026-05-01,100,10,1
"""
    result = imported("business_records", text)

    assert any(line.startswith("line 3") for line in import_errors(result))
    assert not BusinessRecord.objects.exists()


def test_hr_enters_profit_in_the_admin(admin_client) -> None:
    client = ClientFactory()
    response = admin_client.post(
        reverse("admin:clients_businessrecord_add"),
        {"client": client.pk, "month": "2026-03-17", "volume": "500", "profit": "45.5", "products_used": "1"},
    )
    assert response.status_code == 302
    record = BusinessRecord.objects.get(client=client)
    assert (record.month, record.profit) == (dt.date(2026, 3, 1), Decimal("45.50"))
