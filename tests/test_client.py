"""AkinonClient against the real sandbox (and two tiny real servers) over loopback."""
from __future__ import annotations

import logging
import socket
from pathlib import Path

import pytest

from addrmig.akinon.client import AkinonClient, Progress, _parse_progress
from addrmig.errors import (
    AkinonAuthError,
    AkinonBadResponse,
    AkinonConnectionError,
    AkinonError,
    AkinonNotFound,
    AkinonRejected,
    AkinonServerError,
    AkinonTimeout,
    AkinonTooLarge,
    BadArguments,
)

FIXTURES = Path(__file__).parent / "fixtures"
SMALL_CSV = (FIXTURES / "addresses_small.csv").read_bytes()
SECRET = "tok-SECRET-9f8e7d6c5b4a39281706"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_start_and_progress_return_migration_id_and_counts(sandbox):
    client = AkinonClient(sandbox.url, sandbox.token)
    migration_id = client.start_migration(7, SMALL_CSV, filename="addresses_small.csv")
    progress = client.get_progress(7, migration_id)
    assert len(migration_id) == 32
    assert progress.total == 79 and 0 <= progress.errors <= progress.processed <= 79


def test_base_url_with_trailing_slash_reaches_the_same_endpoints(sandbox):
    client = AkinonClient(sandbox.url + "//", sandbox.token)
    migration_id = client.start_migration("1", SMALL_CSV, filename="a.csv")
    assert client.base_url == sandbox.url
    assert client.get_progress(1, migration_id).total == 79


def test_upload_from_an_open_file_takes_its_name(sandbox):
    client = AkinonClient(sandbox.url, sandbox.token)
    with open(FIXTURES / "addresses_small_text.xlsx", "rb") as handle:
        migration_id = client.start_migration(1, handle)
    assert sandbox.migration(migration_id).filename == "addresses_small_text.xlsx"
    assert sandbox.migration(migration_id).total == 79


def test_login_with_the_demo_user_returns_the_token_and_uses_it(sandbox):
    client = AkinonClient(sandbox.url)
    token = client.login("demo", "demo")
    assert token == sandbox.token
    assert client.get_progress(1, client.start_migration(1, SMALL_CSV, filename="a.csv")).total == 79


def test_login_with_a_wrong_password_is_an_auth_error(sandbox):
    with pytest.raises(AkinonAuthError, match="username or password"):
        AkinonClient(sandbox.url).login("demo", "wrong")


def test_wrong_token_is_an_auth_error_quoting_the_server(sandbox):
    with pytest.raises(AkinonAuthError, match="Invalid token"):
        AkinonClient(sandbox.url, "not-the-token").start_migration(1, SMALL_CSV, filename="a.csv")


def test_calling_without_a_token_says_how_to_give_one(sandbox):
    with pytest.raises(AkinonAuthError, match="AKINON_TOKEN"):
        AkinonClient(sandbox.url).get_progress(1, "abc")


def test_wrong_base_url_is_not_found_naming_url_and_channel(sandbox):
    client = AkinonClient(sandbox.url + "/shop", sandbox.token)
    with pytest.raises(AkinonNotFound, match=r"404.*channel id \(3\)"):
        client.start_migration(3, SMALL_CSV, filename="a.csv")


def test_unknown_migration_id_is_not_found(sandbox):
    with pytest.raises(AkinonNotFound, match="migration id"):
        AkinonClient(sandbox.url, sandbox.token).get_progress(1, "0" * 32)


def test_channel_that_is_not_a_number_is_refused_before_sending(sandbox):
    with pytest.raises(BadArguments, match="channel id must be a number"):
        AkinonClient(sandbox.url, sandbox.token).start_migration("web", SMALL_CSV)


def test_empty_file_is_rejected_with_the_servers_text(sandbox):
    with pytest.raises(AkinonRejected, match="The submitted file is empty"):
        AkinonClient(sandbox.url, sandbox.token).start_migration(1, b"", filename="a.csv")


def test_unreadable_file_is_rejected(sandbox):
    with pytest.raises(AkinonRejected, match="HTTP 400"):
        AkinonClient(sandbox.url, sandbox.token).start_migration(1, b"PK\x03\x04garbage" * 50, filename="a.xlsx")


def test_file_above_the_servers_limit_is_too_large(make_sandbox):
    server = make_sandbox(max_upload_bytes=5_000)
    with pytest.raises(AkinonTooLarge, match="Split it"):
        AkinonClient(server.url, server.token).start_migration(1, SMALL_CSV * 3, filename="a.csv")


def test_server_error_on_start_is_not_retried(make_sandbox):
    server = make_sandbox(start_fail_rate=1.0, faults=("500",))
    with pytest.raises(AkinonServerError, match="HTTP 500") as caught:
        AkinonClient(server.url, server.token, backoff=0).start_migration(1, SMALL_CSV, filename="a.csv")
    assert server.state.requests == 1
    assert not getattr(caught.value, "may_have_started", False)


def test_stalled_start_says_the_migration_may_have_started_and_is_not_resent(make_sandbox):
    server = make_sandbox(start_fail_rate=1.0, faults=("stall",), stall_seconds=3)
    client = AkinonClient(server.url, server.token, timeout=(5, 0.5))
    with pytest.raises(AkinonTimeout, match="MAY have started") as caught:
        client.start_migration(1, SMALL_CSV, filename="a.csv")
    assert caught.value.may_have_started is True
    assert server.state.requests == 1 and len(server.state.migrations) == 1


def test_progress_is_retried_through_server_errors(make_sandbox):
    server = make_sandbox(faults=("500",))
    client = AkinonClient(server.url, server.token, retries=8, backoff=0.001)
    migration_id = client.start_migration(1, SMALL_CSV, filename="a.csv")
    server.state.fail_rate = 0.5
    assert client.get_progress(1, migration_id).total == 79
    server.state.fail_rate = 1.0
    requests_before = server.state.requests
    with pytest.raises(AkinonServerError):
        client.get_progress(1, migration_id)
    assert server.state.requests - requests_before == 9  # the first try and 8 retries


def test_stalled_progress_is_retried_then_a_timeout(make_sandbox):
    server = make_sandbox(faults=("stall",), stall_seconds=2)
    client = AkinonClient(server.url, server.token, timeout=(5, 0.3), retries=1, backoff=0)
    migration_id = client.start_migration(1, SMALL_CSV, filename="a.csv")
    server.state.fail_rate = 1.0
    with pytest.raises(AkinonTimeout, match="did not answer within 0.3 s"):
        client.get_progress(1, migration_id)


def test_connection_refused_says_server_not_reached_and_nothing_started():
    client = AkinonClient(f"http://127.0.0.1:{free_port()}", SECRET, retries=0)
    with pytest.raises(AkinonConnectionError, match="could not be reached") as caught:
        client.start_migration(1, SMALL_CSV, filename="a.csv")
    assert caught.value.may_have_started is False


def test_html_answer_is_a_bad_response(html_server):
    with pytest.raises(AkinonBadResponse, match="not with a JSON object"):
        AkinonClient(html_server, SECRET).get_progress(1, "abc")


def test_progress_keys_are_read_case_insensitively():
    assert _parse_progress({"processed_count": 5, "error_count": 1, "Total_Count": 9}, what="x") == Progress(5, 1, 9)
    assert _parse_progress({"Processed_count": 9, "Error_count": None, "total_count": "9"}, what="x") == Progress(9, 0, 9)


def test_progress_without_counts_is_a_bad_response():
    with pytest.raises(AkinonBadResponse, match="processed_count"):
        _parse_progress({"status": "ok"}, what="x")


def test_token_with_a_line_break_is_refused_without_quoting_it():
    with pytest.raises(BadArguments) as caught:
        AkinonClient("http://127.0.0.1:1", SECRET + "\nX-Evil: 1")
    assert SECRET not in str(caught.value) and SECRET not in repr(caught.value)


def test_token_never_appears_in_errors_reprs_or_logs(make_sandbox, html_server, caplog):
    """Make requests fail in every way; the token shows nowhere a person or a log could see it."""
    caplog.set_level(logging.DEBUG)
    seen: list[str] = []
    wrong = make_sandbox(token="other-token")
    small = make_sandbox(max_upload_bytes=5_000, faults=("500",))
    stalling = make_sandbox(faults=("stall",), stall_seconds=2, start_fail_rate=1.0)
    attempts = [
        lambda: AkinonClient(wrong.url, SECRET).start_migration(1, SMALL_CSV, filename="a.csv"),
        lambda: AkinonClient(wrong.url, SECRET).get_progress(1, "abc"),
        lambda: AkinonClient(wrong.url + "/x", SECRET).start_migration(1, SMALL_CSV, filename="a.csv"),
        lambda: AkinonClient(small.url, SECRET).start_migration(1, SMALL_CSV * 3, filename="a.csv"),
        lambda: AkinonClient(html_server, SECRET).get_progress(1, "abc"),
        lambda: AkinonClient(stalling.url, SECRET, timeout=(5, 0.3)).start_migration(1, SMALL_CSV, filename="a.csv"),
        lambda: AkinonClient(f"http://127.0.0.1:{free_port()}", SECRET, retries=0).get_progress(1, "abc"),
    ]
    small.state.token = SECRET  # accepted here, so the 500 and 413 paths are reached with the token
    attempts.append(lambda: AkinonClient(small.url, SECRET, retries=0).get_progress(1, "abc"))
    small.state.fail_rate = 1.0
    for attempt in attempts:
        with pytest.raises(AkinonError) as caught:
            attempt()
        error = caught.value
        seen += [str(error), repr(error), repr(error.__context__), repr(error.__cause__)]
    client = AkinonClient(wrong.url, SECRET)
    seen += [repr(client), str(client), repr(client.session), repr(client.session.__dict__),
             repr(client._get_adapter.__dict__)]
    assert len(seen) > 30 and "GET /api/v1/remote/1/migrations/abc/progress/" in caplog.text
    assert not [text for text in seen if SECRET in text]
    assert SECRET not in caplog.text
