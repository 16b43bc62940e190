"""Changing the deals table in batch mode without losing what SQLite's copy of it cannot carry.

SQLite alters no column or constraint in place (a new stage in the CHECK on deals.stage, for one),
so batch mode copies `deals` into a new table. The copy keeps the columns, the constraints and the
indexes that can be read back, and drops the rest: the triggers that keep the full-text search
index in step with the names (0003) and the indexes on an expression (0011). Search would then
miss every new or renamed deal, and lists sorted by amount would scan. (Dropping the old table
while activities refer to its deals is why migrations run with SQLite's foreign keys off and
checked at the end: migrations/env.py.)

A migration that batch-alters deals does it through batch_alter_deals(), which makes those again
as they were; tests/test_database.py refuses a later migration that calls
op.batch_alter_table("deals") itself. The search index's rows stay valid: the copy keeps each
deal's search_key and name.
"""
import warnings
from collections.abc import Iterator
from contextlib import contextmanager

from alembic import op
from alembic.operations import BatchOperations
from sqlalchemy.exc import SAWarning

_DEAL_OBJECTS = "SELECT type, name, sql FROM sqlite_master WHERE tbl_name = 'deals' AND sql IS NOT NULL"


@contextmanager
def batch_alter_deals(**kwargs) -> Iterator[BatchOperations]:
    """op.batch_alter_table("deals", **kwargs); on SQLite, the triggers and expression indexes that
    a rebuild of the table dropped are made again afterwards."""
    uncopied = _uncopied_objects() if op.get_bind().dialect.name == "sqlite" else {}
    # The expression indexes SQLite's reflection skips are made again below.
    with skipping_expression_indexes(), op.batch_alter_table("deals", **kwargs) as batch_op:
        yield batch_op
    if not uncopied:
        return
    remaining = {name for _, name, _ in op.get_bind().exec_driver_sql(_DEAL_OBJECTS)}
    for name, sql in uncopied.items():
        if name not in remaining:
            op.execute(sql)


@contextmanager
def skipping_expression_indexes() -> Iterator[None]:
    """Quiet SQLite's reflection saying it skips the indexes on an expression of deals: a batch
    change of deals, or of a table referring to deals (which reflects deals too), is told that."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*expression-based index", category=SAWarning)
        yield


def _uncopied_objects() -> dict[str, str]:
    """name -> CREATE statement of the deals table's triggers and indexes on an expression."""
    connection = op.get_bind()
    objects = {}
    for kind, name, sql in connection.exec_driver_sql(_DEAL_OBJECTS).all():
        # index_xinfo names an expression's column -2.
        if kind == "trigger" or (
            kind == "index" and any(row[1] == -2 for row in connection.exec_driver_sql(f'PRAGMA index_xinfo("{name}")'))
        ):
            objects[name] = sql
    return objects
