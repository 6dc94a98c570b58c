"""Who gets in, and when the server's Akinon token may be used."""
from __future__ import annotations

from addrmig.access import (
    AccessPolicy,
    is_allowed,
    listens_on_loopback_only,
    owner_of,
    parse_allowed,
    policy_from,
    server_token,
)

AUTH = {"redirect_uri": "http://localhost:8501/oauth2callback", "cookie_secret": "x"}


def test_the_allow_list_takes_addresses_and_whole_domains():
    allowed = parse_allowed("ali@shop.com, @agency.example  veli@Other.org")
    assert allowed == ("ali@shop.com", "@agency.example", "veli@other.org")
    assert is_allowed("ALI@shop.com", allowed) and is_allowed("anyone@agency.example", allowed)
    assert not is_allowed("eve@shop.com", allowed) and not is_allowed("x@evil-agency.example", allowed)
    assert not is_allowed(None, allowed) and not is_allowed("ali@shop.com", ())


def test_loopback_is_only_a_loopback_address():
    assert all(listens_on_loopback_only(a) for a in ("127.0.0.1", "localhost", "::1", "[::1]", "127.0.0.2"))
    assert not any(listens_on_loopback_only(a) for a in (None, "", "0.0.0.0", "::", "192.168.1.5", "example.com"))


def test_without_sign_in_the_server_token_is_used_only_on_loopback():
    local = policy_from({}, {"AKINON_TOKEN": "t"}, "127.0.0.1")
    open_server = policy_from({}, {"AKINON_TOKEN": "t"}, "0.0.0.0")
    assert local.server_token_usable(None) and local.server_token_refusal() is None
    assert not open_server.server_token_usable(None)
    assert "ignored" in open_server.server_token_refusal() and "t" not in open_server.server_token_refusal().split()


def test_with_sign_in_the_server_token_is_for_allowed_users_only():
    policy = policy_from({"auth": AUTH, "addrmig": {"allowed_users": ["@shop.com"]}}, {"AKINON_TOKEN": "t"}, "0.0.0.0")
    assert policy.sign_in and policy.admits("ali@shop.com") and not policy.admits("eve@else.com")
    assert policy.server_token_usable("ali@shop.com") and not policy.server_token_usable("eve@else.com")
    assert policy.server_token_refusal() is None


def test_the_environment_allow_list_wins_over_secrets_and_no_token_means_none_to_use():
    policy = policy_from({"auth": AUTH, "addrmig": {"allowed_users": ["@shop.com"]}},
                         {"ADDRMIG_ALLOWED_USERS": "boss@hq.com"}, None)
    assert policy.admits("boss@hq.com") and not policy.admits("ali@shop.com")
    assert not policy.server_token and not policy.server_token_usable("boss@hq.com")
    assert server_token({"AKINON_TOKEN": "s"}, {}) == "s" and server_token({}, {}) == ""


def test_without_sign_in_everyone_gets_in_and_owns_their_workspace():
    policy = AccessPolicy(sign_in=False, allowed=(), loopback_only=True, server_token=False)
    assert policy.admits(None)
    assert owner_of(None, "abc") == "workspace:abc" and owner_of("Ali@Shop.com", "abc") == "user:ali@shop.com"
