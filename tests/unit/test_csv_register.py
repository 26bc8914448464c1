"""Process registers from spreadsheets: delimiters, encodings, German numbers, refusal."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.corpus.csv_register import detect_delimiter, parse_int, parse_number, read_csv_register

HEADER = "id;titel;kategorie;beschreibung;ausloeser;ergebnis;kunde;organisationseinheit;beteiligte;rechtsgrundlagen;it_systeme;dokumente;fallzahl_jahr;minuten_pro_fall;leika"
ROW_1 = "P-01;Hundesteuer anmelden;Steuern und Finanzen;Anmeldung eines Hundes;Anmeldung geht ein;Steuerbescheid;Hundehalter;Steueramt;Ordnungsamt | Kasse;Hundesteuersatzung|§ 7 KAG;Finanzsoftware;Anmeldeformular;1.200;12,5;99065004000000"
ROW_2 = "P-02;Gewerbe anmelden;Ordnung und Gewerbe;;;;;Ordnungsamt;;§ 14 GewO;;;300;20;"


def _write(path: Path, text: str, encoding: str = "utf-8") -> Path:
    path.write_bytes(text.encode(encoding))
    return path


def _errors(parsed) -> list[str]:
    return [e.error for e in parsed.errors]


def test_semicolon_file_with_all_columns(tmp_path: Path) -> None:
    path = _write(tmp_path / "register.csv", "\n".join([HEADER, ROW_1, "", ROW_2, ";;;", ""]))
    parsed = read_csv_register(path, municipality="Beispielstadt", land="Hessen")
    assert parsed.ok, parsed.errors
    first, second = parsed.profiles
    assert first.external_id == "P-01" and first.title == "Hundesteuer anmelden"
    assert first.category == "Steuern und Finanzen"
    assert first.description == "Anmeldung eines Hundes"
    assert first.trigger == "Anmeldung geht ein" and first.result == "Steuerbescheid"
    assert first.customer == "Hundehalter" and first.org_unit == "Steueramt"
    assert first.participants == ["Ordnungsamt", "Kasse"]
    assert first.legal_basis == ["Hundesteuersatzung", "§ 7 KAG"]
    assert first.it_systems == ["Finanzsoftware"] and first.documents == ["Anmeldeformular"]
    assert first.case_volume_per_year == 1200
    assert first.minutes_per_case == 12.5
    assert first.leika_key == "99065004000000"
    assert first.municipality == "Beispielstadt" and first.land == "Hessen"
    assert first.state == "published" and first.source == "CSV: register.csv"
    assert second.leika_key is None and second.participants == [] and second.description is None


def test_comma_file_with_quotes_and_header_variants(tmp_path: Path) -> None:
    text = (
        "Nr,Prozessname,Bereich,Fallzahl,Bearbeitungszeit (Min.),Beteiligte Stellen,Bemerkung\n"
        'A7,"Anwohnerparkausweis, Verlängerung",Verkehr,"2.500","7,5","Bürgerbüro|Kasse",egal\n'
        'A8,"Mehrzeilig\nbeschrieben",Verkehr,10,3,,\n'
    )
    parsed = read_csv_register(_write(tmp_path / "r.csv", text), municipality="M", land=None)
    assert parsed.ok, parsed.errors
    first, second = parsed.profiles
    assert first.title == "Anwohnerparkausweis, Verlängerung"
    assert first.case_volume_per_year == 2500 and first.minutes_per_case == 7.5
    assert first.participants == ["Bürgerbüro", "Kasse"]
    assert second.title == "Mehrzeilig\nbeschrieben"


def test_windows_1252_file_with_umlauts(tmp_path: Path) -> None:
    text = "ID;Titel;Organisationseinheit;Rechtsgrundlagen\r\nS-1;Führungszeugnis beantragen;Bürgerbüro;§ 30 BZRG\r\n"
    path = _write(tmp_path / "excel.csv", text, encoding="cp1252")
    with pytest.raises(UnicodeDecodeError):
        path.read_bytes().decode("utf-8")
    parsed = read_csv_register(path, municipality="M", land=None)
    assert parsed.ok, parsed.errors
    [profile] = parsed.profiles
    assert profile.title == "Führungszeugnis beantragen"
    assert profile.org_unit == "Bürgerbüro"
    assert profile.legal_basis == ["§ 30 BZRG"]


def test_utf8_with_bom(tmp_path: Path) -> None:
    path = _write(tmp_path / "bom.csv", "id;titel;fallzahl_jahr\nX-1;Straßensondernutzung;1 000\n", encoding="utf-8-sig")
    assert path.read_bytes().startswith(b"\xef\xbb\xbf")
    parsed = read_csv_register(path, municipality="M", land=None)
    assert parsed.ok, parsed.errors
    assert parsed.profiles[0].external_id == "X-1"
    assert parsed.profiles[0].title == "Straßensondernutzung"
    assert parsed.profiles[0].case_volume_per_year == 1000


def test_broken_row_refuses_the_whole_file(tmp_path: Path) -> None:
    rows = [HEADER, ROW_1, ROW_2]
    rows += [f"P-0{i};Prozess {i};;;;;;;;;;;10;5;" for i in range(3, 6)]
    rows.append("P-06;Kaputt;;;;;;;;;;;viele;zehn;123")  # line 7
    path = _write(tmp_path / "kaputt.csv", "\n".join(rows) + "\n")
    parsed = read_csv_register(path, municipality="M", land=None)
    assert parsed.profiles == []
    assert not parsed.ok
    assert {e.file for e in parsed.errors} == {str(path)}
    assert _errors(parsed) == [
        "Zeile 7, Spalte fallzahl_jahr: „viele“ ist keine ganze Zahl.",
        "Zeile 7, Spalte minuten_pro_fall: „zehn“ ist keine Zahl.",
        "Zeile 7, Spalte leika: „123“ ist kein LeiKa-Schlüssel (14 Ziffern).",
    ]


def test_missing_cells_duplicates_and_domain_limits(tmp_path: Path) -> None:
    text = "id;titel;minuten_pro_fall\n;Ohne Kennung;5\nD-1;Doppelt;5\nD-1;Nochmal;5\nL-1;" + "x" * 301 + ";5\n"
    parsed = read_csv_register(_write(tmp_path / "d.csv", text), municipality="M", land=None)
    assert parsed.profiles == []
    assert _errors(parsed) == [
        "Zeile 2, Spalte id: Angabe fehlt.",
        "Zeile 4, Spalte id: „D-1“ steht schon in Zeile 3.",
        "Zeile 5, Spalte titel: Höchstens 300 Zeichen erlaubt.",
    ]


def test_missing_required_column_gives_one_error(tmp_path: Path) -> None:
    path = _write(tmp_path / "ohne.csv", "Nummer;Beschreibung\n1;Etwas\n")
    parsed = read_csv_register(path, municipality="M", land=None)
    assert parsed.profiles == []
    [error] = _errors(parsed)
    assert error.startswith("Pflichtspalte „titel“ fehlt")
    assert "„Nummer“" in error and "„Beschreibung“" in error


def test_empty_file_and_unknown_land(tmp_path: Path) -> None:
    assert _errors(read_csv_register(_write(tmp_path / "leer.csv", "\n\n"), municipality="M", land=None)) == [
        "Die Datei ist leer."
    ]
    parsed = read_csv_register(_write(tmp_path / "ok.csv", "id;titel\n1;A\n"), municipality="M", land="Bavaria")
    assert not parsed.ok and "kein Bundesland" in parsed.errors[0].error


def test_number_parsers() -> None:
    assert parse_int("1.200") == 1200 and parse_int(" 42 ") == 42 and parse_int("1 234 567") == 1234567
    assert parse_number("12,5") == 12.5 and parse_number("12.5") == 12.5 and parse_number("1.200,5") == 1200.5
    for bad in ("1,5", "-3", "12a", "1.20"):
        with pytest.raises(ValueError):
            parse_int(bad)


def test_delimiter_detection_prefers_known_header() -> None:
    assert detect_delimiter("id;titel;minuten\n1;A, B und C;12,5\n") == ";"
    assert detect_delimiter("id,titel,minuten\n1,\"A; B\",12\n") == ","
