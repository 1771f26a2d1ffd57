#!/bin/sh
# Creates Temporal's databases on PostgreSQL and brings both schemas up to date. Safe to rerun:
# a database or base schema that exists already is kept, and update-schema applies only what is new.
set -eu
: "${POSTGRES_SEEDS:?set POSTGRES_SEEDS to the PostgreSQL host}"
: "${POSTGRES_USER:?set POSTGRES_USER}"
: "${SQL_PASSWORD:?set SQL_PASSWORD to the PostgreSQL password}"
# The admin-tools image keeps the schema here; SCHEMA_DIR points elsewhere (the native rehearsal).
SCHEMA_DIR="${SCHEMA_DIR:-/etc/temporal/schema/postgresql/v12}"

sql_tool() {
  database="$1"
  shift
  temporal-sql-tool --plugin postgres12 --ep "$POSTGRES_SEEDS" -p "${DB_PORT:-5432}" \
    -u "$POSTGRES_USER" --db "$database" "$@"
}

for pair in temporal:temporal temporal_visibility:visibility; do
  database="${pair%%:*}"
  schema="${pair#*:}"
  sql_tool "$database" create >/dev/null 2>&1 && echo "created database $database" || echo "database $database exists"
  sql_tool "$database" setup-schema -v 0.0 >/dev/null 2>&1 || echo "base schema of $database is in place"
  sql_tool "$database" update-schema -d "$SCHEMA_DIR/$schema/versioned"
  echo "schema of $database is up to date"
done
