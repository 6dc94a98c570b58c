"""python -m addrmig fix: corrected output, review list, summary, exit codes."""
import os
import subprocess
import sys

import pandas as pd

from addrmig.cli import main
from addrmig.fields import COLUMNS
from addrmig.locations.corrections import Corrections
from addrmig.storage.visibility import LOCAL


def write_csv(path, places, line="Atatürk Cad. 1"):
    rows = []
    for k, place in enumerate(places):
        row = dict.fromkeys(COLUMNS, "")
        row.update(user=f"C{k}", email=f"u{k}@example.com", first_name="Ad", last_name="Soyad", line=line)
        row.update(zip(("country", "city", "township", "district"), place))
        rows.append(row)
    pd.DataFrame(rows, columns=list(COLUMNS)).to_csv(path, index=False)


def test_clean_file_exits_zero_with_database_spelling(tmp_path):
    src, out = tmp_path / "in.csv", tmp_path / "out.csv"
    write_csv(src, [("TURKEY", " ISTANBUL ", "KADIKOY", "caferağa mahallesi")])
    assert main(["fix", str(src), "-o", str(out)]) == 0
    result = pd.read_csv(out, dtype=str, keep_default_na=False)
    assert result.loc[0, ["country", "city", "township", "district"]].tolist() == [
        "Türkiye", "İstanbul", "Kadıköy", "Caferağa Mah"]


def test_unresolved_place_exits_one_and_is_listed_once_in_the_review(tmp_path):
    src, out, review = tmp_path / "in.csv", tmp_path / "out.csv", tmp_path / "review.csv"
    write_csv(src, [("Türkiye", "Atlantis", "Tirebolu", "")] * 3 + [("Türkiye", "Ankara", "Çankaya", "")])
    assert main(["fix", str(src), "-o", str(out), "--review", str(review)]) == 1
    listed = pd.read_csv(review, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    assert len(listed) == 1
    assert listed.loc[0, ["city", "rows", "status", "suggestion_1"]].tolist() == ["Atlantis", "3", "unmatched", "Giresun / Tirebolu"]
    assert pd.read_csv(out, dtype=str).loc[0, "city"] == "Atlantis"


def test_formula_like_cells_in_the_review_are_neutralised(tmp_path):
    src, out, review = tmp_path / "in.csv", tmp_path / "out.csv", tmp_path / "review.csv"
    write_csv(src, [("Türkiye", "=HYPERLINK(1)", "Tirebolu", "")])
    main(["fix", str(src), "-o", str(out), "--review", str(review)])
    listed = pd.read_csv(review, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    assert listed.loc[0, "city"] == "'=HYPERLINK(1)"


def test_review_can_be_written_as_xlsx(tmp_path):
    src, out, review = tmp_path / "in.csv", tmp_path / "out.xlsx", tmp_path / "review.xlsx"
    write_csv(src, [("Türkiye", "Atlantis", "Tirebolu", "")])
    main(["fix", str(src), "-o", str(out), "--review", str(review)])
    listed = pd.read_excel(review, dtype=str, engine="openpyxl")
    assert listed.loc[0, "city"] == "Atlantis"


def test_corrections_file_is_imported_and_applied(tmp_path):
    src, out, corr = tmp_path / "in.csv", tmp_path / "out.csv", tmp_path / "corr.csv"
    write_csv(src, [("Türkiye", "Atlantis", "Tirebolu", "")])
    corr.write_text("level,country,city,township,written,place\ncity,Türkiye,,,Atlantis,Giresun\n", encoding="utf-8")
    assert main(["fix", str(src), "-o", str(out), "--corrections", str(corr)]) == 0
    assert pd.read_csv(out, dtype=str).loc[0, "city"] == "Giresun"
    assert Corrections(owner=LOCAL).load()["place"].tolist() == ["Giresun"]  # the command line's memory
    assert Corrections(owner="workspace:someone").load().empty


def test_custom_location_reference_is_used_for_spelling(tmp_path):
    src, out, ref = tmp_path / "in.csv", tmp_path / "out.csv", tmp_path / "ref.csv"
    write_csv(src, [("Türkiye", "istanbul", "uskudar", "")])
    ref.write_text("country,city,township\nTÜRKİYE,İSTANBUL,ÜSKÜDAR\n", encoding="utf-8")
    assert main(["fix", str(src), "-o", str(out), "--locations", str(ref)]) == 0
    assert pd.read_csv(out, dtype=str).loc[0, ["city", "township"]].tolist() == ["İSTANBUL", "ÜSKÜDAR"]


def test_unreadable_input_exits_two_with_a_sentence(tmp_path):
    run = subprocess.run([sys.executable, "-m", "addrmig", "fix", str(tmp_path / "missing.csv"), "-o",
                          str(tmp_path / "out.csv")], capture_output=True, text=True)
    assert run.returncode == 2
    assert "error:" in run.stderr and "Traceback" not in run.stderr


def test_summary_names_rows_per_status(tmp_path, capsys):
    src, out = tmp_path / "in.csv", tmp_path / "out.csv"
    write_csv(src, [("Türkiye", "Ankara", "Çankaya", ""), ("Türkiye", "Atlantis", "Tirebolu", "")])
    main(["fix", str(src), "-o", str(out)])
    printed = capsys.readouterr().out
    assert "exact 1" in printed and "unmatched 1" in printed


def test_a_choice_in_the_command_lines_memory_is_applied_to_its_written_place_only(tmp_path):
    # The memory is read from the database while the file is read (fixing.fix_file(memory=)).
    src, out = tmp_path / "in.csv", tmp_path / "out.csv"
    write_csv(src, [("Türkiye", "Atlantis", "Dursunbey", "Kumlu Mh."), ("Türkiye", "Atlantis", "Tirebolu", "")])
    picked = pd.DataFrame([("Türkiye", "Atlantis", "Dursunbey", "Kumlu Mh.", "Türkiye", "Balıkesir", "Dursunbey",
                            "Kumlu Mah")], columns=["country", "city", "township", "district", "place_country",
                                                    "place_city", "place_township", "place_district"])
    Corrections(owner=LOCAL).save_choices(picked)
    try:
        assert main(["fix", str(src), "-o", str(out)]) == 1  # the second row's place is still unknown
        result = pd.read_csv(out, dtype=str, keep_default_na=False)
        assert result.loc[0, ["city", "township", "district"]].tolist() == ["Balıkesir", "Dursunbey", "Kumlu Mah"]
        assert result.loc[1, "city"] == "Atlantis"
    finally:
        Corrections(owner=LOCAL).clear()


def test_a_database_that_cannot_be_opened_stops_fix_with_a_sentence(tmp_path):
    src, out = tmp_path / "in.csv", tmp_path / "out.csv"
    write_csv(src, [("Türkiye", "Ankara", "Çankaya", "")])
    run = subprocess.run([sys.executable, "-m", "addrmig", "fix", str(src), "-o", str(out)], capture_output=True,
                         text=True, env={**os.environ, "ADDRMIG_DATABASE_URL": f"sqlite:///{tmp_path}/no/such/dir/x.db"})
    assert run.returncode == 2 and not out.exists()
    assert "could not be used" in run.stderr and "ADDRMIG_DATABASE_URL" in run.stderr and "Traceback" not in run.stderr
