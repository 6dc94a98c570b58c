from pathlib import Path

from addrmig.fields import BY_NAME, COLUMNS, REQUIRED, markdown_table

ROOT = Path(__file__).resolve().parents[1]


def test_columns_are_akinons_address_fields_in_order():
    assert COLUMNS == ("user", "email", "phone_number", "first_name", "last_name", "title", "line",
                       "tax_office", "tax_no", "country", "city", "township", "district", "company_name")


def test_required_fields_follow_the_akinon_table():
    assert set(REQUIRED) == {"user", "email", "first_name", "last_name", "line", "country", "city",
                             "township"}


def test_title_is_limited_to_128_and_other_fields_to_255():
    assert BY_NAME["title"].max_length == 128
    assert {BY_NAME[name].max_length for name in COLUMNS if name != "title"} == {255}


def test_readme_field_table_is_generated_from_the_field_table():
    assert markdown_table() in (ROOT / "README.md").read_text(encoding="utf-8")
