"""The app on a team engagement: opened by its server address, it works as on a local one."""

from __future__ import annotations

import pytest

from fieldwork_tui.services.demo import DEMO_SLUG
from fieldwork_tui.services.engagements import open_engagement
from fieldwork_tui.services.team import publish_engagement
from fieldwork_tui.tui.app import create_app
from fieldwork_tui.tui.screens.control_detail import ControlDetailScreen
from fieldwork_tui.tui.screens.dashboard import DashboardScreen
from fieldwork_tui.tui.widgets.virtual_table import VirtualTable
from tests import pg
from tests.tui.support import settle

pytestmark = pytest.mark.postgres
SIZE = (130, 40)


@pytest.fixture
def server_address(demo_home):
    name = pg.new_name()
    url = pg.database_url(name)
    local = open_engagement(demo_home, DEMO_SLUG)
    try:
        publish_engagement(local, url)
    finally:
        local.close()
    yield url
    pg.drop_database(name)


async def test_the_app_opens_a_team_engagement_by_address(demo_home, server_address) -> None:
    app = create_app(demo_home, server_address)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, DashboardScreen)
        await pilot.press("2")
        await settle(pilot)
        table = app.screen.query_one(VirtualTable)
        assert table.cursor_key == "AC-01"
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, ControlDetailScreen) and app.screen.ref == "AC-01"
