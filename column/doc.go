// Package column maps typed SQL tables onto projstore's key-value store
// and delivers their rows as Apache Arrow arrays.
//
// It owns, for every table: the SQL types and values (Type, Value) with
// SQLite's column affinity rules (Affinity, Coerce); the order-preserving
// encoding of primary-key tuples (AppendKey, DecodeKey), so that a key
// range in SQL is a key range in the store; the encoding of a row's
// non-key columns (Layout, RowView), which decodes one column without
// touching the others and evaluates simple comparisons on the encoded
// bytes; and the catalog types (Table, Index, View) with their binary
// encoding for the system tables. The parts that read and write a store
// (catalog in system tables, writes into a batch.WriteBatch, scans of a
// store.Snapshot into arrow.RecordBatch) are built on these.
//
// # Types and the Arrow representation
//
// A column's Type is its home storage class, chosen from its declared
// type name (TypeOf); its Affinity follows SQLite's rules (AffinityOf).
//
//	Type       Arrow type                      Value
//	Null       arrow.Null                      the NULL value
//	Integer    int64                           int64
//	Real       float64                         float64, never NaN
//	Text       utf8                            bytes, unchecked
//	Blob       binary                          bytes
//	Boolean    bool                            integer 0 or 1 to SQLite
//	Timestamp  timestamp[us, tz=UTC]           integer µs since the epoch to SQLite
//	Any        MixedType (dense union)         column type only
//
// SQLite lets any column hold a value of another storage class ('abc' in
// an INTEGER column stays text). Such a column is delivered as MixedType,
// a dense union with one child per Type whose type code is the Type (so
// the code is the value's storage class), NULLs in the Null child. A
// dense union, rather than a tag column beside the typed one, because it
// is standard Arrow: an exported file carries the values with their
// classes to any Arrow reader, and one array holds the column. Columns
// whose values all have the home class (almost all of them) stay plain
// typed arrays; the write path records in the catalog, at the position
// where it first stores a foreign value, that the column is mixed
// (Column.Mixed), so the Arrow schema of a scan at any position is known
// before the scan starts. Any columns (no declared type, or NUMERIC
// affinity such as DECIMAL, where SQLite stores integers and reals side
// by side) are always mixed. AppendValue and ValueAt convert between
// Values and both representations.
//
// # Key encoding
//
// A primary-key tuple is the concatenation of its elements' encodings.
// Byte order of encodings is SQLite's order of the tuples: NULL <
// numbers (integers and reals compared by value) < text < blob, text and
// blobs by their bytes. An element is:
//
//	value                          bytes
//	NULL                           05
//	integer i                      15  8 bytes big-endian: uint64(i) XOR 1<<63
//	real r, -2^63 <= r < 2^63,     15  8 bytes as the integer floor(r)  F0
//	  integral
//	real r, -2^63 <= r < 2^63,     15  8 bytes as the integer floor(r)  F1  8 bytes big-endian:
//	  fractional                       float64 bits of r, NOT if negative, else OR 1<<63
//	real r < -2^63 (with -Inf)     14  8 bytes big-endian: NOT float64 bits of r
//	real r >= 2^63 (with +Inf)     16  8 bytes big-endian: float64 bits of r OR 1<<63
//	text                           25  bytes, each 00 as 00 FF, then 00 01
//	blob                           35  bytes, each 00 as 00 FF, then 00 01
//
// Integers and in-range reals share tag 15 and an 8-byte integer part,
// so they interleave by value: 2 < 2.0 < 2.5 < 3. An integer is followed
// by the next element's tag (at most 35) or the end of the key, so it
// sorts before a real of the same integer part (F0, F1); equal integer
// and real (2 and 2.0) are adjacent, distinct keys. Column affinity
// makes every value of an INTEGER, NUMERIC, REAL or TEXT column the same
// class before it is keyed (TestCoerceProperties), so only untyped key
// columns can hold both, and the one value SQLite itself keeps in both
// classes, -2^63.
// Booleans and timestamps are keyed as integers. -0.0 is keyed as 0.0
// (they are equal). Decoding checks that the bytes are the canonical
// encoding, so every key decodes to one tuple and re-encodes to itself.
// AppendKeyLow, AppendKeyHigh and PrefixEnd build range bounds.
//
// # Row encoding
//
// A row's value in the store holds its non-key columns, in the order of
// the table's Layout. Columns are only ever added at the end of a
// layout (a dropped column or a changed type rewrites every row under a
// new BaseVersion), so a row written under an older layout is a prefix
// of the current one and columns past its n read as their defaults.
//
//	field          size            meaning
//	version        uvarint         the table version the row was written under
//	n              uvarint         columns encoded: the first n of the layout
//	flags          1 byte          bits 0-1: offset width w (0: 1 byte, 1: 2, 2: 4);
//	                               bit 2: foreign bitmap present; bits 3-7 zero
//	nulls          ceil(n/8)       bit i (byte i/8, bit i%8) set: column i is NULL
//	foreign        ceil(n/8)       only if flags bit 2; bit i set: column i holds a
//	                               value of another Type than the column's
//	fixed area     sum of widths   per Integer, Real or Timestamp column among the first n,
//	                               8 bytes little-endian (int64, float64 bits); per Boolean
//	                               column, 1 byte (0 or 1); zero when NULL or foreign
//	ends           n * w           little-endian end offset of each column's payload
//	                               in the variable area; the last one is its length
//	variable area  rest            column i's payload is var[end(i-1):end(i)]:
//	                               Text and Blob columns, the bytes; a foreign value,
//	                               its Type byte and then 8 bytes (Integer, Real,
//	                               Timestamp), 1 byte (Boolean) or the bytes (Text,
//	                               Blob); empty otherwise
//
// Every offset in the row is computable from the layout, n and w, so
// reading column i costs two bitmap tests and one or two loads whatever
// the number of columns (RowView.Value, or RowView.AppendTo straight into
// an Arrow builder; a Projection does the same for a scan's column list
// with the builder types resolved once), and RowView.Match evaluates a
// Predicate (column op constant) on the same bytes without building a
// Value. A row's version
// outside [BaseVersion, Version] of the reading layout is ErrVersion.
//
// # Catalog entries
//
// Table, Index, View and Trigger encode (MarshalBinary) as a kind byte
// ('T', 'I', 'V', 'R'), a format version (1), then their fields as
// uvarints and length-prefixed strings (uvarint length, bytes); decoding
// validates the result as Validate does. A Trigger is
//
//	'R' 01  Name  Table  SQL       three length-prefixed strings
//
// where SQL is the whole CREATE TRIGGER statement: this package stores
// it and drops it with its table, the SQL layer parses and fires it. The catalog in the store keeps these as rows of a system table,
// versioned like any row, so the schema at position p is what reads at p
// use.
//
// # The catalog in the store
//
// The catalog is the store table CatalogID (1<<40). Store tables from
// CatalogID on belong to this package: user tables and index key spaces
// get ids from FirstUserID (CatalogID+1) up, taken in order from a
// counter in the catalog, so replicas applying the same log agree on
// them; ids below CatalogID are left to the caller. Catalog rows are
// versioned like any row, so the schema at position p (a column added
// at p+5 is absent at p) is what reads at p use, and DDL is ops in the
// caller's batch, next to the rows it enables.
//
//	key                        value
//	'T' name                   Table.MarshalBinary (ID, columns, primary key, version)
//	'I' name                   Index.MarshalBinary (ID, table name, columns, unique)
//	'V' name                   View.MarshalBinary
//	'R' name                   Trigger.MarshalBinary
//	'N'                        the next free table id, 8 bytes big-endian
//
// Names in keys have their ASCII letters lowered (tables, indexes and
// views share one namespace, compared as SQLite compares identifiers;
// triggers have their own, as in SQLite).
// A table's rows live in the store table Table.ID: key AppendKey of the
// primary-key columns (or of the rowid: an INTEGER PRIMARY KEY column,
// else a hidden one), value the row encoding of the other columns. A
// table with another PRIMARY KEY has no rowid (as SQLite's WITHOUT ROWID
// tables); "rowid", "_rowid_" and "oid" name the rowid where there is one
// and no column has the name. An
// index's entries live in Index.ID:
//
//	key                                       value
//	AppendKey(index columns) ‖ row's key      empty
//
// DropTable deletes the catalog row and the table's triggers and drops
// the store tables of the table and its indexes; a table made later under the same name gets a
// new id.
//
// # Transactions: Tx
//
// A Tx (NewTx(snapshot, pending batch)) is the read and write surface:
// DDL (CreateTable, AddColumn, DropTable, CreateIndex, DropIndex,
// CreateView, DropView, CreateTrigger, DropTrigger), writes (Insert,
// Update, Delete, Upsert, by primary key, with index entries maintained
// in the same batch), point
// reads (Get) and scans (Scan). Writes only add ops to the caller's
// batch; applying it is the caller's, at its own log position. Each
// write checks everything (unknown table or column, NOT NULL, duplicate
// key, unique indexes, rowid type, key and row size) before it appends
// anything, so a failed write leaves the batch exactly as it was; errors
// are *TableError naming the table, index and column, wrapping a
// sentinel (ErrNoTable, ErrNotNull, ErrDuplicateKey, ErrUnique, ErrType,
// ...). A column receiving a value of another storage class is marked
// mixed in the same batch. A rowid table's next rowid is max + 1 (1 when
// empty), as in SQLite.
//
// Reads see the snapshot with the pending batch's ops applied on top,
// so a SQL transaction reads its own writes. The overlay indexes the
// batch by table and key (a map per table to the index of the key's last
// op, and whether the batch drops the table), catching up on the ops
// appended since the last call: O(1) per op. A point read or uniqueness
// check costs one map lookup before the store read. A scan of a table
// the batch touched sorts that table's pending keys once (cached until
// the batch changes again) and merges them with the store's rows, O(k
// log k) for k pending keys of the table; tables the batch does not touch
// scan at the store's speed. The catalog is reloaded only after an op on
// the catalog table.
//
// # Scans
//
// Tx.Scan returns a Scanner, an array.RecordReader of record batches of
// ScanOptions.BatchSize rows (DefaultBatchSize, 4,096) in key order (or
// descending, with Reverse: through a store iterator, which copies each
// row and so costs more than the forward walk; Limit stops after as
// many rows),
// whose schema is the table's at the snapshot's position (a column of
// mixed classes as MixedType) with the table and position in its
// metadata. Only the projected columns are decoded; Lower and Upper
// bound the primary key (or the index columns, for an index scan) and
// become the store range; Filters (column op constant) are evaluated on
// the encoded row (RowView.Match) or the decoded key before anything is
// built. An index scan answers from the entries alone when every
// projected and filtered column is an index or key column (covering),
// else reads each row by its key. The scanner walks the store with
// Snapshot.Range a batch at a time, resuming past the last key, so it
// holds no lock between batches. A scan through a Tx sees, from its next
// batch on, ops appended to the pending batch while it runs: a statement
// that writes the table it scans (UPDATE t SET k = k + 10) collects the
// keys first. Get reads one row by primary key as Values, decoding only
// the asked-for columns, with no batch.
//
// Export writes a table as of a position as an Arrow IPC file or stream
// (schema metadata projstore.table, projstore.position,
// projstore.version), CSV or JSON Lines; projstore export is its command.
//
// # Errors
//
// Malformed keys, rows and catalog entries return errors wrapping
// ErrCorrupt, never a panic (fuzz targets FuzzDecodeKey, FuzzDecodeRow,
// FuzzUnmarshalTable). Invalid definitions return a *SchemaError
// wrapping a sentinel such as ErrDuplicateColumn. Reads and writes
// through a Tx return a *TableError naming the table, index and column
// (and, for ErrNoTable, the position read), wrapping ErrNoTable,
// ErrNoIndex, ErrNoView, ErrNoTrigger, ErrExists, ErrNotFound,
// ErrDuplicateKey, ErrNotNull, ErrUnique, ErrType, ErrTooLarge,
// ErrBadArgument or ErrUnknownColumn; a store error (ErrPositionAhead, ErrPruned,
// ErrClosed) comes through as it is.
package column
