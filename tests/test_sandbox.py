"""The sandbox speaks Akinon's API and counts errors by Akinon's documented rules."""
from __future__ import annotations

import csv
import io
import json
import time
from pathlib import Path

import pytest
import requests

from addrmig.akinon.client import AkinonClient
from addrmig.akinon.locations import cache_paths, download_locations
from addrmig.fields import BY_NAME, COLUMNS, REQUIRED
from addrmig.locations.db import LocationDB
from addrmig.text import tr_lower, tr_upper

FIXTURES = Path(__file__).parent / "fixtures"
DEV_CSV = FIXTURES / "addresses_dev.csv"
TRUTH_CSV = FIXTURES / "addresses_dev.truth.csv"
GOOD_ROW = {"user": "C1", "email": "a@b.co", "first_name": "Ayşe", "last_name": "Işık", "line": "Gül Sok. 1",
            "country": "Türkiye", "city": "İstanbul", "township": "Üsküdar", "district": "Altunizade Mah"}


def documented_error_rows(rows: list[dict]) -> set[int]:
    """Positions of the rows that break Akinon's documented rules, computed row by row in plain Python."""
    places = set()
    for country, city, township, district in LocationDB.bundled().frame.itertuples(index=False):
        names = [tr_lower(tr_upper(n)) for n in (country, city, township, district)]
        for depth in range(1, 5):
            places.add(tuple(names[:depth]))
    bad = set()
    for position, row in enumerate(rows):
        values = {c: row.get(c) or "" for c in COLUMNS}
        if any(not values[c].strip() for c in REQUIRED):
            bad.add(position)
        if any(len(values[c]) > BY_NAME[c].max_length for c in COLUMNS):
            bad.add(position)
        levels = ["country", "city", "township"] + (["district"] if values["district"].strip() else [])
        if any(values[level].strip() for level in levels) and \
                tuple(tr_lower(values[level]) for level in levels) not in places:
            bad.add(position)
    return bad


def read_rows(data: bytes) -> list[dict]:
    return list(csv.DictReader(io.StringIO(data.decode("utf-8"))))


def write_rows(rows: list[dict]) -> bytes:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(COLUMNS), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue().encode("utf-8")


def upload(server, data: bytes, filename: str = "a.csv") -> str:
    return AkinonClient(server.url, server.token).start_migration(1, data, filename=filename)


def final_progress(server, migration_id: str):
    client = AkinonClient(server.url, server.token)
    while not (progress := client.get_progress(1, migration_id)).finished:
        time.sleep(0.05)
    return progress


def test_raw_dev_file_error_count_equals_rows_breaking_the_documented_rules(make_sandbox):
    server = make_sandbox(rows_per_second=None)
    data = DEV_CSV.read_bytes()
    expected = documented_error_rows(read_rows(data))
    progress = final_progress(server, upload(server, data, "addresses_dev.csv"))
    assert progress.total == 5000
    assert progress.errors == len(expected)


def test_dev_file_with_the_true_places_has_far_fewer_errors(make_sandbox):
    server = make_sandbox(rows_per_second=None)
    rows = read_rows(DEV_CSV.read_bytes())
    truth = list(csv.DictReader(io.StringIO(TRUTH_CSV.read_text("utf-8"))))
    for row, true in zip(rows, truth):
        if true["resolvable"] == "1":
            row.update({level: true[level] for level in ("country", "city", "township", "district")})
    fixed = write_rows(rows)
    raw_errors = final_progress(server, upload(server, DEV_CSV.read_bytes())).errors
    fixed_errors = final_progress(server, upload(server, fixed)).errors
    assert fixed_errors == len(documented_error_rows(rows))
    assert fixed_errors * 4 < raw_errors


def test_error_endpoint_lists_each_failing_row_with_its_reason(make_sandbox):
    server = make_sandbox(rows_per_second=None)
    rows = [dict(GOOD_ROW, city="  İstanbul"), dict(GOOD_ROW, first_name=""), dict(GOOD_ROW, title="x" * 129),
            dict(GOOD_ROW)]
    migration_id = upload(server, write_rows(rows))
    report = requests.get(f"{server.url}/sandbox/migrations/{migration_id}/errors/", timeout=5).json()
    reasons = {item["row"]: item["reasons"] for item in report["rows"]}
    assert reasons == {2: ["city: '  İstanbul' is not a city of country 'Türkiye'"],
                       3: ["first_name: required value is missing"],
                       4: ["title: 129 characters, at most 128"]}


def test_locations_match_case_insensitively_the_turkish_way_only(make_sandbox):
    server = make_sandbox(rows_per_second=None)
    base = dict(GOOD_ROW, country="TÜRKİYE", city="istanbul", township="ÜSKÜDAR", district="")
    good = [dict(base), dict(base, city="İSTANBUL", township="üsküdar", country="türkiye")]
    bad = [dict(base, city="ISTANBUL"), dict(base, township="Uskudar"), dict(base, township="Üsküdar ")]
    assert final_progress(server, upload(server, write_rows(good))).errors == 0
    assert final_progress(server, upload(server, write_rows(bad))).errors == 3


def test_json_upload_with_customer_code_and_nulls_counts_like_the_csv(make_sandbox):
    server = make_sandbox(rows_per_second=None)
    csv_errors = final_progress(server, upload(server, (FIXTURES / "addresses_small.csv").read_bytes())).errors
    json_data = (FIXTURES / "addresses_small.json").read_bytes()
    assert "customer_code" in json.loads(json_data)[0]
    json_progress = final_progress(server, upload(server, json_data, "addresses_small.json"))
    assert (json_progress.total, json_progress.errors) == (79, csv_errors)


@pytest.mark.parametrize("name", ["addresses_small_text.xlsx", "addresses_small_text.xls"])
def test_excel_upload_counts_like_the_csv(make_sandbox, name):
    server = make_sandbox(rows_per_second=None)
    csv_errors = final_progress(server, upload(server, (FIXTURES / "addresses_small.csv").read_bytes())).errors
    progress = final_progress(server, upload(server, (FIXTURES / name).read_bytes(), name))
    assert (progress.total, progress.errors) == (79, csv_errors)


def test_progress_moves_at_the_given_rate_until_all_rows_are_processed(make_sandbox):
    server = make_sandbox(rows_per_second=150)
    client = AkinonClient(server.url, server.token)
    migration_id = upload(server, (FIXTURES / "addresses_small.csv").read_bytes())
    samples = [client.get_progress(1, migration_id)]
    while not samples[-1].finished:
        time.sleep(0.05)
        samples.append(client.get_progress(1, migration_id))
    processed = [s.processed for s in samples]
    assert processed[0] < 79 and processed == sorted(processed) and processed[-1] == 79
    assert [s.errors for s in samples] == sorted(s.errors for s in samples)


def test_progress_answers_with_the_documented_keys(sandbox):
    migration_id = upload(sandbox, (FIXTURES / "addresses_small.csv").read_bytes())
    body = requests.get(f"{sandbox.url}/api/v1/remote/1/migrations/{migration_id}/progress/",
                        headers={"Authorization": f"Token {sandbox.token}"}, timeout=5).json()
    assert set(body) == {"Processed_count", "Error_count", "total_count"}


def test_missing_file_part_answers_400(sandbox):
    answer = requests.post(f"{sandbox.url}/api/v1/remote/1/migrations/start/address/",
                           headers={"Authorization": f"Token {sandbox.token}"},
                           files={"upload": ("a.csv", b"x")}, timeout=5)
    assert (answer.status_code, answer.json()) == (400, {"file": ["No file was submitted."]})


def test_wrong_token_answers_401_invalid_token(sandbox):
    answer = requests.post(f"{sandbox.url}/api/v1/remote/1/migrations/start/address/",
                           headers={"Authorization": "Token nope"}, files={"file": ("a.csv", b"x")}, timeout=5)
    assert (answer.status_code, answer.json()) == (401, {"detail": "Invalid token."})


def test_missing_token_answers_401(sandbox):
    answer = requests.get(f"{sandbox.url}/api/v1/remote/1/migrations/abc/progress/", timeout=5)
    assert answer.status_code == 401 and "credentials" in answer.json()["detail"]


def test_channel_that_is_not_digits_answers_404(sandbox):
    answer = requests.post(f"{sandbox.url}/api/v1/remote/web/migrations/start/address/",
                           headers={"Authorization": f"Token {sandbox.token}"},
                           files={"file": ("a.csv", b"x")}, timeout=5)
    assert answer.status_code == 404


def test_progress_of_a_migration_from_another_channel_answers_404(sandbox):
    migration_id = upload(sandbox, (FIXTURES / "addresses_small.csv").read_bytes())
    answer = requests.get(f"{sandbox.url}/api/v1/remote/2/migrations/{migration_id}/progress/",
                          headers={"Authorization": f"Token {sandbox.token}"}, timeout=5)
    assert answer.status_code == 404


def test_upload_over_the_limit_answers_413_after_reading_the_body(make_sandbox):
    server = make_sandbox(max_upload_bytes=10_000)
    answer = requests.post(f"{server.url}/api/v1/remote/1/migrations/start/address/",
                           headers={"Authorization": f"Token {server.token}"},
                           files={"file": ("a.csv", b"x" * 200_000)}, timeout=5)
    assert answer.status_code == 413


def test_address_endpoints_serve_upper_case_names_with_parent_pks(sandbox):
    get = lambda path: requests.get(sandbox.url + path, timeout=5).json()  # noqa: E731
    country = get("/address/country/")["results"][0]
    cities = get(f"/address/city/?country={country['pk']}&page_size=1000")
    istanbul = next(c for c in cities["results"] if c["name"] == "İSTANBUL")
    townships = get(f"/address/township/?city={istanbul['pk']}&page_size=1000")["results"]
    uskudar = next(t for t in townships if t["name"] == "ÜSKÜDAR")
    districts = get(f"/address/district/?township={uskudar['pk']}&page_size=2")
    assert country["name"] == "TÜRKİYE" and cities["count"] == 81
    assert istanbul["country"] == country["pk"] and uskudar["city"] == istanbul["pk"]
    assert len(districts["results"]) == 2 and districts["count"] > 2 and "page=2" in districts["next"]
    assert all(d["township"] == uskudar["pk"] and d["city"] == istanbul["pk"] for d in districts["results"])


def test_fail_rate_with_the_same_seed_fails_the_same_requests(make_sandbox):
    def statuses(server) -> list[int]:
        return [requests.get(f"{server.url}/address/country/", timeout=5).status_code for _ in range(30)]

    first = statuses(make_sandbox(fail_rate=0.3, faults=("500",), seed=4))
    again = statuses(make_sandbox(fail_rate=0.3, faults=("500",), seed=4))
    assert first == again and 500 in first and 200 in first


def test_download_gives_the_bundled_database_in_the_servers_spelling(sandbox, tmp_path):
    done = []
    db = download_locations(sandbox.url, cache_dir=tmp_path, progress=lambda d, t: done.append((d, t)))
    bundled = LocationDB.bundled().frame
    expected = {tuple(tr_upper(v) for v in row) for row in bundled.itertuples(index=False)}
    assert {tuple(row) for row in db.frame[["country", "city", "township", "district"]].itertuples(index=False)} == expected
    assert db.source == f"Akinon {sandbox.url}"
    assert done[-1] == (1 + 1 + 81 + 973, 1 + 1 + 81 + 973)


@pytest.fixture
def two_city_sandbox(make_sandbox):
    """A sandbox whose database holds only Bilecik and Bayburt (small and quick to download)."""
    frame = LocationDB.bundled().frame
    return make_sandbox(db=LocationDB(frame[frame["city"].isin(["Bilecik", "Bayburt"])].reset_index(drop=True)))


def test_download_is_cached_until_refresh_is_asked(two_city_sandbox, tmp_path):
    server = two_city_sandbox
    first = download_locations(server.url, cache_dir=tmp_path)
    asked = server.state.requests
    cached = download_locations(server.url + "/", cache_dir=tmp_path)
    assert server.state.requests == asked and cached.frame.equals(first.frame)
    download_locations(server.url, cache_dir=tmp_path, refresh=True)
    assert server.state.requests == 2 * asked


def test_download_cache_records_url_and_time(two_city_sandbox, tmp_path):
    server = two_city_sandbox
    db = download_locations(server.url, cache_dir=tmp_path)
    meta = json.loads(cache_paths(server.url, tmp_path)[1].read_text("utf-8"))
    assert meta["base_url"] == server.url and meta["fetched_at"] == db.extra["fetched_at"]
    assert meta["counts"]["city"] == 2 and meta["rows"] == len(db.frame)


def test_download_goes_through_a_flaky_server(two_city_sandbox, tmp_path):
    server = two_city_sandbox
    expected = len(download_locations(server.url, cache_dir=tmp_path / "calm").frame)
    server.state.fail_rate, server.state.faults_kinds = 0.3, ("500",)
    db = download_locations(server.url, cache_dir=tmp_path / "flaky", backoff=0.001, retries=8)
    assert server.state.faults > 0 and len(db.frame) == expected
