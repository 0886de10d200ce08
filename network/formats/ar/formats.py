"""Arabic: Django has no DATETIME_FORMAT for it and falls back to the English
"N j, Y, P" ("نوفمبر 29, 2026, 5:58 ص"); day, month, year as in its DATE_FORMAT."""

DATE_FORMAT = "j F، Y"
TIME_FORMAT = "H:i"
DATETIME_FORMAT = "j F، Y، H:i"
YEAR_MONTH_FORMAT = "F Y"
MONTH_DAY_FORMAT = "j F"
SHORT_DATE_FORMAT = "d\u200f/m\u200f/Y"
SHORT_DATETIME_FORMAT = "d\u200f/m\u200f/Y H:i"
DECIMAL_SEPARATOR = ","
THOUSAND_SEPARATOR = "."
