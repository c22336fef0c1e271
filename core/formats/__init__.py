"""Django's own date formats (the admin, a date printed without a filter) in both languages, made the same as the
pages' format filters (core.templatetags.formats): 2026-07-20 and 2026-07-20 14:33, never "Dec. 2, 2026" beside
"2026年7月20日". Only the display formats: the accepted input formats stay Django's for each language."""
