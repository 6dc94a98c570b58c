"""Sign-in end to end: Streamlit's st.login against a local OpenID Connect provider; only people on
the allow-list get in. And without sign-in, a server that listens beyond this computer never lets
visitors send with its own token."""
from __future__ import annotations

import pytest
from browser import app_server, free_port, launch, opened, shot
from oidc_provider_mock import User, run_server_in_thread
from playwright.sync_api import sync_playwright

ALLOWED, STRANGER = "ali@shop.example", "eve@elsewhere.example"


def secrets_file(folder, app_port: int, provider_port: int):
    path = folder / "secrets.toml"
    path.write_text(f"""
[auth]
redirect_uri = "http://localhost:{app_port}/oauth2callback"
cookie_secret = "a-test-cookie-secret-that-is-long-enough"
client_id = "addrmig"
client_secret = "test-secret"
server_metadata_url = "http://localhost:{provider_port}/.well-known/openid-configuration"

[addrmig]
allowed_users = ["@shop.example"]
""", encoding="utf-8")
    return path


def sign_in_as(browser, url: str, who: str):
    page = opened(browser, url, wait_for="Sign in to upload")
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("button", name=who).click()  # the provider's one-click button for that user
    return page


@pytest.mark.timeout(180)
def test_an_allowed_user_gets_in_and_anyone_else_does_not(tmp_path):
    users = [User(sub=who, claims={"email": who, "email_verified": True}) for who in (ALLOWED, STRANGER)]
    with run_server_in_thread(user_claims=users) as provider:
        app_port = free_port()
        secrets = secrets_file(tmp_path, app_port, provider.server_port)
        with app_server(tmp_path, port=app_port, args=("--secrets.files", str(secrets))) as url, \
                sync_playwright() as pw:
            browser = launch(pw)
            try:
                url = url.replace("127.0.0.1", "localhost")  # the address the provider sends people back to
                page = sign_in_as(browser, url, ALLOWED)
                page.get_by_text("Upload your address file").first.wait_for(timeout=30_000)
                shot(page, "sign_in_allowed")

                stranger = sign_in_as(browser, url, STRANGER)
                stranger.get_by_text("is not on the list of people who may use this app").first.wait_for(
                    timeout=30_000)
                assert "Upload your address file" not in stranger.content()
                shot(stranger, "sign_in_refused")
            finally:
                browser.close()


@pytest.mark.timeout(120)
def test_an_open_server_without_sign_in_never_hands_its_token_to_visitors(tmp_path):
    token = "server-token-9f8e7d6c5b4a3f2e1d0c"
    with app_server(tmp_path, address="0.0.0.0", env={"AKINON_TOKEN": token}) as url, sync_playwright() as pw:
        browser = launch(pw)
        try:
            page = opened(browser, url)
            page.get_by_text("Akinon", exact=True).click()  # send to Akinon instead of the sandbox
            field = page.get_by_label("API token")
            field.wait_for(timeout=30_000)
            assert field.input_value() == ""
            assert "Use this server's Akinon token" not in page.content()
            assert token not in page.content()
            assert page.get_by_role("button", name="Test connection").is_disabled()
        finally:
            browser.close()
    log = (tmp_path / "streamlit.log").read_text()
    assert "AKINON_TOKEN is set but ignored" in log and token not in log
