"""The execution list's order has an index, and a catalog made before the index gains it when opened."""

from __future__ import annotations

from sqlalchemy import create_engine, inspect, text

from modelmonitor.storage.catalog import Catalog

INDEX = "ix_executions_scheduled_time_id"


def _engine_url(catalog_url: str) -> str:
    return catalog_url.replace("postgresql://", "postgresql+psycopg://")


def _indexes(catalog_url: str) -> set[str]:
    engine = create_engine(_engine_url(catalog_url))
    try:
        return {index["name"] for index in inspect(engine).get_indexes("executions")}
    finally:
        engine.dispose()


def test_a_catalog_without_the_list_index_gains_it(catalog_url: str) -> None:
    Catalog(catalog_url).close()
    assert INDEX in _indexes(catalog_url)
    engine = create_engine(_engine_url(catalog_url))
    with engine.begin() as connection:  # as a catalog of the version before the index left it
        connection.execute(text(f"DROP INDEX {INDEX}"))
        connection.execute(text("DROP INDEX ix_executions_schedule_name"))
    engine.dispose()
    assert not {INDEX, "ix_executions_schedule_name"} & _indexes(catalog_url)

    Catalog(catalog_url).close()  # upgrades in place
    assert {INDEX, "ix_executions_schedule_name"} <= _indexes(catalog_url)
    Catalog(catalog_url).close()  # and a second opening finds nothing to do


def test_a_page_of_executions_reads_the_index_instead_of_sorting(tmp_path: object) -> None:
    url = f"sqlite:///{tmp_path}/c.sqlite"
    Catalog(url).close()
    engine = create_engine(url)
    with engine.connect() as connection:
        plan = connection.execute(
            text(
                "EXPLAIN QUERY PLAN SELECT * FROM executions "
                "ORDER BY scheduled_time DESC, id DESC LIMIT 100 OFFSET 5000"
            )
        ).fetchall()
    engine.dispose()
    details = " ".join(str(row[-1]) for row in plan)
    assert f"USING INDEX {INDEX}" in details
    assert "TEMP B-TREE" not in details
