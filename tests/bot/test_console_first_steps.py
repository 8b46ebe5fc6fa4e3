"""A newcomer at the console of an empty database is pointed at the demo."""

from bot.app import Rapport
from bot.console import first_steps
from bot.settings import Settings


def test_empty_database_suggests_the_demo(engine, tmp_path):
    app = Rapport(Settings(database_url="sqlite://", output_dir=tmp_path), engine=engine)

    assert "setup demo" in first_steps(app)
