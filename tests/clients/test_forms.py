import datetime as dt

from django.utils import translation

from clients.forms import DateInput


def test_date_fields_render_iso_dates_in_chinese_too() -> None:
    # The browser's date picker rejects 2026/11/23 (the Chinese format) and the form then says the date is missing.
    with translation.override("zh-hans"):
        html = DateInput().render("date", dt.date(2026, 11, 23))
    assert 'value="2026-11-23"' in html and 'type="date"' in html
