"""Two app servers on one PostgreSQL behave as one service: a workspace started on one continues on
the other, and a second person sees nobody's submissions until they show a token Akinon accepts for
that connection."""
from __future__ import annotations

import contextlib
import re

import pytest
from browser import app_server, goto, launch, opened, shot, upload_small, wait_sidebar
from playwright.sync_api import sync_playwright


def use_akinon(page, url: str, token: str = "") -> None:
    """Set the sidebar's connection to an Akinon installation (channel 1), with ``token`` if given."""
    page.get_by_text("Akinon", exact=True).click()
    page.get_by_label("Akinon URL").fill(url)
    page.get_by_label("Akinon URL").press("Enter")
    if token:
        page.get_by_label("API token").fill(token)
        page.get_by_label("API token").press("Enter")
    page.wait_for_timeout(800)


@pytest.mark.timeout(300)
def test_two_servers_on_one_database_share_workspaces_and_keep_histories_to_their_owners(tmp_path, postgres_url,
                                                                                         make_sandbox):
    shop = make_sandbox(token="shop-token-for-replica-test-0123456789", rows_per_second=5000)
    env = {"ADDRMIG_DATABASE_URL": postgres_url}
    with contextlib.ExitStack() as stack:
        one = stack.enter_context(app_server(tmp_path, env=env, log_name="one.log"))
        two = stack.enter_context(app_server(tmp_path, env=env, log_name="two.log"))
        pw = stack.enter_context(sync_playwright())
        browser = launch(pw)
        stack.callback(browser.close)

        # Started on server one…
        page = opened(browser, one)
        upload_small(page)
        page.wait_for_timeout(1500)  # saved at the end of the run
        workspace = re.search(r"\?w=[\w-]+", page.url).group(0)
        # …continued on server two (a load balancer may send the next request anywhere).
        elsewhere = page.context.new_page()
        goto(elsewhere, two + workspace, "79 rows")
        shot(elsewhere, "replica_second_server")

        # The first person sends to the shop's Akinon from server one.
        use_akinon(page, shop.url, shop.token)
        page.get_by_role("link", name="5. Submit").first.click()
        page.get_by_role("button", name="Send the addresses").click()
        page.get_by_text("Finished:").first.wait_for(timeout=60_000)
        assert len(shop.state.migrations) == 1

        # Somebody else, on server two, pointed at the same shop without its token, sees nothing of it.
        other = opened(browser, two)
        other.get_by_role("link", name="5. Submit").first.click()
        use_akinon(other, shop.url)
        other.get_by_text("Nothing sent yet").first.wait_for(timeout=30_000)
        assert "addresses_small" not in other.content()
        # A wrong token opens nothing either.
        other.get_by_label("API token").fill("wrong-token-wrong-token-wrong")
        other.get_by_label("API token").press("Enter")
        other.get_by_role("button", name="Test connection").click()
        other.get_by_text("refused the API token").first.wait_for(timeout=30_000)
        assert "addresses_small" not in other.content()
        # With the token Akinon accepts, that shop's history is theirs to see too.
        other.get_by_label("API token").fill(shop.token)
        other.get_by_label("API token").press("Enter")
        other.get_by_role("button", name="Test connection").click()
        wait_sidebar(other, "accepted the token")
        other.get_by_role("link", name="5. Submit").first.click()
        # The history table draws on a canvas; glide keeps its cells for screen readers.
        other.locator('[id^="glide-cell-"]', has_text="addresses_small.csv").first.wait_for(state="attached",
                                                                                           timeout=30_000)
        shot(other, "replica_history_after_token")
