// Package sqlexec runs SQLite's dialect of SQL (parsed by package
// sqlparse) with SQLite's semantics, over tables read as Apache Arrow
// record batches.
//
// # Entry points
//
// NewMemory returns a DB whose tables live in memory; DB.Exec runs a
// script, DB.Query returns the last statement's rows as int64, float64,
// string, []byte or nil (as SQLite's drivers do), DB.QueryArrow streams
// them as Arrow record batches (stream.go: a query over one table hands
// out each batch as its scan produces it; Release stops the query), and
// DB.QueryRecords returns them as a slice of batches. DB.AttachTx adds the tables of a
// column.Tx (a store snapshot, with pending writes) so that queries read
// them through package column's scanner; DB.AttachStore reads a store's
// tables at its applied position, or at a past one with
// "FROM t FOR SYSTEM_TIME AS OF OFFSET n" (per table reference) and
// "SELECT ... AS OF OFFSET n" (per statement); these tables are read-only
// to SQL (ErrStoreReadOnly). OpenStore returns a DB whose tables, views
// and triggers live in a store's catalog, every write statement or
// transaction one WriteBatch (storewrite.go). EXPLAIN shows the operator
// tree.
//
// # Values
//
// Values are column.Value. value.go holds SQLite's arithmetic (integer
// overflow of + - * becomes real, integer division truncates, division
// and remainder by zero are NULL, remainder through integer values),
// text-to-number conversions (numeric prefixes, NUL-terminated as C
// reads them), comparison affinity (sqlite3CompareAffinity: a column of
// INTEGER, REAL or NUMERIC affinity against text converts the text; TEXT
// against an expression without affinity converts the number), CAST and
// collations (BINARY, NOCASE, RTRIM). funcs.go holds the scalar
// functions, LIKE (ASCII case folding, ESCAPE; a blob never matches, as
// SQLite is built) and GLOB; printf.go SQLite's printf (at most 16
// significant digits, as sqlite3FpDecode); agg.go the aggregates (sum as
// sumStep: exact integers, an overflow is an error, Kahan-Babuska-Neumaier
// once a real arrives).
//
// # Plans
//
// expr.go compiles expressions into closures over an env (the row of
// the query level, its aggregate results and GROUP BY values, and the
// enclosing level's env for correlated references), resolving names
// through a chain of scopes. select.go and core.go plan a SELECT: FROM
// items (tables, views expanded from their SQL, derived tables, CTEs;
// recursive CTEs in cte.go), WHERE split into AND-terms that filter each
// item alone first and then drive hash joins on equalities (greedy order
// for inner joins, source order with LEFT JOIN), GROUP BY and aggregates
// (bare columns as SQLite copies them: the group's first row, then each
// row the last min()/max() takes), HAVING, DISTINCT, compound operators,
// ORDER BY (ordinals, aliases, expressions; NULLs first ascending) and
// LIMIT/OFFSET. Subqueries that do not refer to an enclosing query run
// once per statement. A WITH clause on INSERT, UPDATE or DELETE is a
// scope above the target table.
//
// # Vectorised execution
//
// Tables are read a batch at a time (vec.go): a store table's Arrow
// records stream from package column's scanner, reading only the columns
// the query uses (scope.used), and an in-memory table's rows are cut into
// 1,024-row batches; a column becomes a vec, a Go slice of int64, float64
// or string read in place from the Arrow buffers, or of Values when the
// column mixes storage classes. A compiled expression carries, beside
// its closure, a vectorised form (cexpr.vf) built from the kernels of
// vkernel.go: comparisons, arithmetic, AND/OR/NOT and IS NULL, with
// typed loops for typed vecs and value.go's functions for the rest, over
// a selection vector of the rows still alive. An expression without one
// (a function call, CASE, a subquery) is evaluated a row at a time over
// the selection, so the semantics are always those of value.go. On
// these, vcore.go runs a core over one table as scan, filter (WHERE
// terms shrink the selection), then either project or hash aggregate
// (GROUP BY keys by value in an integer map or by appendKey, typed
// sum/count/min/max loops), with LIMIT ending the scan; a join filters
// each item's batches the same way, then builds and probes its hash
// table with keys evaluated a batch at a time and filters the candidate
// pairs a batch at a time. ORDER BY, DISTINCT and compound operators
// work on the materialised result rows.
//
// # Storage
//
// Source is what the executor scans: a stream of Arrow record batches.
// memTable (in memory; its batches are column.MixedType dense unions,
// followed by the rowid) and txSource (package column's scanner over a
// store snapshot, which can also read a subset of the columns) satisfy
// it. Values that outlive a batch are copied out of its memory, so an
// Arrow allocator's accounting ends at zero with the statement. Writes (INSERT, UPDATE, DELETE, with constraint
// checks, OR REPLACE/IGNORE, triggers and RAISE) change memTables, or,
// in an OpenStore DB, add ops to the statement's WriteBatch through a
// column.Tx (which checks the constraints; storewrite.go deletes the rows
// an OR REPLACE conflicts with). A statement's triggers run in its
// WriteBatch, so a failing statement leaves nothing in memory or in the
// store, and BEGIN/COMMIT/ROLLBACK keep a copy of the catalog (and, over
// a store, one batch, with a savepoint per statement). Views and
// triggers of a store are kept as SQL text in its catalog (column.View,
// column.Trigger) and parsed once per DB.
//
// Package sqlexec/slt runs sqllogictest files against a DB.
package sqlexec
