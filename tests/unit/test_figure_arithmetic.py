"""Figures the clerk computes in words: per-unit products, parallel parts, the figure settled on, non-volumes."""

from __future__ import annotations

import pytest

from app.nlp.figures import case_volume_per_year, minutes_per_case


@pytest.mark.parametrize("text, expected", [
    # a figure per unit times the count of that unit
    ("pro Wahl brauchen wir 200 Helfer, und wir haben zwei Wahlen im Jahr", 400),
    ("je Kita kommen so 30 Anmeldungen, und wir haben 12 Kitas", 360),
    ("20 Schulen mit je 15 Anträgen", 300),
    ("wir sind 4 Kollegen und jeder macht so 5 am Tag", 4400),
    ("das sind 60 Vereine, jeder stellt ein, zwei Anträge im Jahr", 90),
    ("18 Märkte einmal im Monat", 216),
    ("drei Anträge pro Woche", 156),
    ("pro Quartal so 100 Bescheide", 400),
    # parallel parts are added
    ("Nordstadt 200, Südstadt 150", 350),
    ("in der Hauptstelle 500 und in den zwei Außenstellen je 100", 700),
    ("400 Anträge und dazu noch so 50 Widersprüche", 450),
    ("Wir haben drei Bezirke. Im Norden 100, im Süden 200, im Westen 50", 350),
    ("im Sommer, also sechs Monate, so 40 im Monat, die anderen sechs Monate 10", 300),
    # the figure settled on, the current one
    ("Nordbezirk 200, Südbezirk 150, also insgesamt so 350", 350),
    ("zwölf Plätze zweimal im Monat, macht 288 Kontrollen", 288),
    ("früher 300, jetzt eher 400", 400),
    # not volumes: durations, validity, years, money, percentages, ages, negations
    ("die Genehmigung gilt drei Jahre, wir machen so 120 im Jahr", 120),
    ("keine zwei am selben Tag, so 150 im Jahr", 150),
    ("das kostet 50 Euro, wir haben ungefähr 600 Anträge", 600),
    ("ab 18 Jahren, so 300 im Jahr", 300),
    ("2024 hatten wir 380 Fälle", 380),
    ("im Jahr 2023 waren es 410 Anträge", 410),
    ("die Frist sind zwei Wochen, so 80 im Monat", 960),
    ("400 bis 500 im Jahr", 450),
    ("vielleicht acht bis zwölf im Jahr", 10),
])
def test_volume_arithmetic_when_asked(text, expected):
    assert case_volume_per_year(text, asked=True) == expected


@pytest.mark.parametrize("text", [
    "im Sommer so 40 im Monat, im Winter 10",  # how many months each season has is not said
    "die Ausweise gelten ein Jahr",
    "das dauert zwei Wochen",
    "keine Ahnung, vielleicht 20 Prozent mehr als letztes Jahr",
])
def test_no_volume_is_invented(text):
    assert case_volume_per_year(text, asked=True) is None


def test_unasked_answers_need_a_period():
    assert case_volume_per_year("pro Sitzung 30 Anträge, zwölf Sitzungen im Jahr") == 360
    assert case_volume_per_year("20 Schulen mit je 15 Anträgen") is None
    assert case_volume_per_year("der Antrag gilt ein Jahr") is None


def test_a_listing_head_is_no_part():
    assert case_volume_per_year("zwei Standorte, Rathaus und Bürgerbüro. Im Rathaus so 700 Anträge, im Bürgerbüro "
                                "500, und die laufen jeweils ein Jahr", asked=True) == 1200


@pytest.mark.parametrize("text, expected", [
    ("zehn Minuten fürs Prüfen und nochmal fünf fürs Erfassen", 15),
    ("eine Stunde und dann nochmal 20 Minuten", 80),
    ("zwei Stunden für alle zehn zusammen", 12),
    ("eine Stunde für 4 Anträge", 15),
    ("zwei bis zweieinhalb Stunden", 135),
    ("eine bis zwei Stunden je Anfrage", 90),
    ("über alles drei, vier Stunden", 210),
    ("15 bis 25 Minuten", 20),
    ("zwischen 20 und 30 Minuten", 25),
    ("am Telefon ne Stunde, sonst fünf Minuten, im Schnitt vielleicht zwölf", 12),
    ("zehn Minuten am Schalter und 3 Tage Wartezeit", 10),
    ("zwei Stunden pro Woche", None),
])
def test_minutes_arithmetic(text, expected):
    assert minutes_per_case(text) == expected
