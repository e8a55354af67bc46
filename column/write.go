package column

import (
	"bytes"
	"context"
	"fmt"
	"math"

	"github.com/projstore/projstore/batch"
	"github.com/projstore/projstore/store"
)

// Every write builds its ops in a slice of its own and appends them to the
// pending batch only once every check has passed, so a failing write
// leaves the batch exactly as it was.

func (tx *Tx) writable() error {
	if tx.snap == nil {
		return errNoSnapshot
	}
	if tx.b == nil {
		return ErrReadOnly
	}
	return nil
}

var errNoSnapshot = fmt.Errorf("column: %w: Tx without a snapshot", ErrBadArgument)

func nilArg(what string) error { return fmt.Errorf("column: %w: nil %s", ErrBadArgument, what) }

func (tx *Tx) commit(ops []batch.WriteOp) {
	tx.b.Ops = append(tx.b.Ops, ops...)
	tx.sync()
}

func putOp(t batch.TableID, k, v []byte) batch.WriteOp {
	if v == nil {
		v = []byte{}
	}
	return batch.WriteOp{Kind: batch.OpPut, Table: t, Key: k, Value: v}
}

func delOp(t batch.TableID, k []byte) batch.WriteOp {
	return batch.WriteOp{Kind: batch.OpDelete, Table: t, Key: k}
}

// allocID returns the ops that take n ids from the catalog's counter,
// and the first id.
func allocID(c *Catalog, n int) (batch.TableID, batch.WriteOp) {
	return c.nextID, putOp(CatalogID, []byte{catNextID}, encodeID(c.nextID+batch.TableID(n)))
}

// CreateTable adds table t to the catalog: it validates the definition,
// gives it the next table id and version 1, and returns the stored
// definition. A name already taken by a table, index or view is ErrExists.
func (tx *Tx) CreateTable(t *Table) (*Table, error) {
	if err := tx.writable(); err != nil {
		return nil, err
	}
	if t == nil {
		return nil, nilArg("table")
	}
	c, err := tx.Catalog()
	if err != nil {
		return nil, err
	}
	nt := *t
	nt.Columns = append([]Column(nil), t.Columns...)
	nt.PrimaryKey = append([]int(nil), t.PrimaryKey...)
	nt.Version, nt.BaseVersion = 1, 1
	if err := nt.Validate(); err != nil {
		return nil, err
	}
	if kind := c.taken(nt.Name); kind != "" {
		return nil, &TableError{Table: nt.Name, Err: ErrExists, Detail: "a " + kind + " has this name"}
	}
	for i := range nt.Columns {
		col := &nt.Columns[i]
		if col.Type == Any {
			col.Mixed = true
		}
		if !col.Default.IsNull() {
			col.Default = storeValue(col, col.Default)
			col.Mixed = col.Mixed || col.Default.typ != col.Type
		}
	}
	id, op := allocID(c, 1)
	nt.ID = id
	enc, err := nt.MarshalBinary()
	if err != nil {
		return nil, err
	}
	tx.commit([]batch.WriteOp{op, putOp(CatalogID, catalogKey(catTable, nt.Name), enc)})
	return &nt, nil
}

// AddColumn adds column col at the end of table's columns (ALTER TABLE ADD
// COLUMN). Rows already stored read col's Default. As in SQLite, a NOT
// NULL column needs a non-NULL default.
func (tx *Tx) AddColumn(table string, col Column) error {
	if err := tx.writable(); err != nil {
		return err
	}
	ti, err := tx.table(table)
	if err != nil {
		return err
	}
	if col.NotNull && col.Default.IsNull() {
		return &TableError{Table: table, Column: col.Name, Err: ErrNotNull, Detail: "a NOT NULL column added to a table needs a non-NULL default"}
	}
	nt := *ti.t
	nt.Columns = append(append([]Column(nil), ti.t.Columns...), col)
	nc := &nt.Columns[len(nt.Columns)-1]
	if nc.Type == Any {
		nc.Mixed = true
	}
	if !nc.Default.IsNull() {
		nc.Default = storeValue(nc, nc.Default)
		nc.Mixed = nc.Mixed || nc.Default.typ != nc.Type
	}
	nt.Version++
	enc, err := nt.MarshalBinary()
	if err != nil {
		return err
	}
	tx.commit([]batch.WriteOp{putOp(CatalogID, catalogKey(catTable, nt.Name), enc)})
	return nil
}

// DropTable removes table, its indexes and its triggers from the catalog and drops
// their store tables: reads at this position and later do not find it.
func (tx *Tx) DropTable(table string) error {
	if err := tx.writable(); err != nil {
		return err
	}
	ti, err := tx.table(table)
	if err != nil {
		return err
	}
	ops := []batch.WriteOp{delOp(CatalogID, catalogKey(catTable, ti.t.Name)), {Kind: batch.OpDropTable, Table: ti.t.ID}}
	for _, x := range ti.indexes {
		ops = append(ops, delOp(CatalogID, catalogKey(catIndex, x.Name)), batch.WriteOp{Kind: batch.OpDropTable, Table: x.ID})
	}
	c, err := tx.Catalog()
	if err != nil {
		return err
	}
	for _, x := range c.Triggers(ti.t.Name) {
		ops = append(ops, delOp(CatalogID, catalogKey(catTrigger, x.Name)))
	}
	tx.commit(ops)
	return nil
}

// CreateIndex adds index x to the catalog, gives it the next id, and
// writes an entry for every row the table has (a unique index over rows
// that already repeat a value fails with ErrUnique).
func (tx *Tx) CreateIndex(ctx context.Context, x *Index) (*Index, error) {
	if err := tx.writable(); err != nil {
		return nil, err
	}
	if x == nil {
		return nil, nilArg("index")
	}
	if ctx == nil {
		ctx = context.Background()
	}
	c, err := tx.Catalog()
	if err != nil {
		return nil, err
	}
	ti, err := tx.table(x.Table)
	if err != nil {
		return nil, err
	}
	nx := *x
	nx.Columns = append([]string(nil), x.Columns...)
	nx.Table = ti.t.Name
	if err := nx.Validate(ti.t); err != nil {
		return nil, err
	}
	if kind := c.taken(nx.Name); kind != "" {
		return nil, &TableError{Index: nx.Name, Err: ErrExists, Detail: "a " + kind + " has this name"}
	}
	id, op := allocID(c, 1)
	nx.ID = id
	enc, err := nx.MarshalBinary()
	if err != nil {
		return nil, err
	}
	ops := []batch.WriteOp{op, putOp(CatalogID, catalogKey(catIndex, nx.Name), enc)}
	cols := make([]int, len(nx.Columns))
	for i, name := range nx.Columns {
		cols[i] = ti.t.ColumnIndex(name)
	}
	// Rows are copied out of the walk, then decoded (the walk's callback
	// runs under the store's read lock).
	var kvs [][2][]byte
	if err := tx.walk(ctx, ti.t.ID, nil, nil, func(k, v []byte) error {
		kvs = append(kvs, [2][]byte{append([]byte(nil), k...), append([]byte(nil), v...)})
		return nil
	}); err != nil {
		return nil, err
	}
	seen := map[string]bool{}
	for _, kv := range kvs {
		row, err := ti.decode(kv[0], kv[1])
		if err != nil {
			return nil, err
		}
		entry, prefix, hasNull := indexEntry(row, cols, kv[0])
		if nx.Unique && !hasNull {
			if seen[string(prefix)] {
				return nil, &TableError{Table: ti.t.Name, Index: nx.Name, Column: nx.Columns[0], Err: ErrUnique, Detail: "the table already holds equal values"}
			}
			seen[string(prefix)] = true
		}
		ops = append(ops, putOp(nx.ID, entry, nil))
	}
	tx.commit(ops)
	return &nx, nil
}

// DropIndex removes index name and its entries.
func (tx *Tx) DropIndex(name string) error {
	if err := tx.writable(); err != nil {
		return err
	}
	c, err := tx.Catalog()
	if err != nil {
		return err
	}
	x, err := c.Index(name)
	if err != nil {
		return err
	}
	tx.commit([]batch.WriteOp{delOp(CatalogID, catalogKey(catIndex, x.Name)), {Kind: batch.OpDropTable, Table: x.ID}})
	return nil
}

// CreateView adds view v to the catalog.
func (tx *Tx) CreateView(v *View) error {
	if err := tx.writable(); err != nil {
		return err
	}
	if v == nil {
		return nilArg("view")
	}
	c, err := tx.Catalog()
	if err != nil {
		return err
	}
	if kind := c.taken(v.Name); kind != "" {
		return &TableError{Table: v.Name, Err: ErrExists, Detail: "a " + kind + " has this name"}
	}
	enc, err := v.MarshalBinary()
	if err != nil {
		return err
	}
	tx.commit([]batch.WriteOp{putOp(CatalogID, catalogKey(catView, v.Name), enc)})
	return nil
}

// DropView removes view name.
func (tx *Tx) DropView(name string) error {
	if err := tx.writable(); err != nil {
		return err
	}
	c, err := tx.Catalog()
	if err != nil {
		return err
	}
	v, err := c.View(name)
	if err != nil {
		return err
	}
	tx.commit([]batch.WriteOp{delOp(CatalogID, catalogKey(catView, v.Name))})
	return nil
}

// Rows. A full row is one Value per column of the table, plus, last, the
// hidden rowid (NULL in tables that have none).

// decode returns the full row stored under key with value val.
func (ti *tableInfo) decode(key, val []byte) ([]Value, error) {
	n := len(ti.t.Columns)
	row := make([]Value, n+1)
	kv, err := DecodeKey(make([]Value, 0, 4), key)
	if err != nil {
		return nil, err
	}
	kc := ti.keyColumns()
	switch {
	case ti.hidden:
		if len(kv) != 1 || kv[0].typ != Integer {
			return nil, fmt.Errorf("%w: table %q: rowid key %x", ErrCorrupt, ti.t.Name, key)
		}
		row[n] = kv[0]
	case len(kv) != len(kc):
		return nil, fmt.Errorf("%w: table %q: key of %d elements, want %d", ErrCorrupt, ti.t.Name, len(kv), len(kc))
	default:
		for j, i := range kc {
			row[i] = ti.restore(i, kv[j])
		}
	}
	var rv RowView
	if err := rv.Reset(ti.layout, val); err != nil {
		return nil, fmt.Errorf("table %q: %w", ti.t.Name, err)
	}
	for j, i := range ti.valCols {
		if row[i], err = rv.Value(j); err != nil {
			return nil, fmt.Errorf("table %q: %w", ti.t.Name, err)
		}
	}
	return row, nil
}

// restore gives a key element decoded as an integer back its column's
// type: keys hold booleans and timestamps as integers.
func (ti *tableInfo) restore(col int, v Value) Value {
	if v.typ == Integer {
		switch ti.t.Columns[col].Type {
		case Boolean:
			if v.bits <= 1 {
				return Value{typ: Boolean, bits: v.bits}
			}
		case Timestamp:
			return Value{typ: Timestamp, bits: v.bits}
		}
	}
	return v
}

// key returns the store key of a full row.
func (ti *tableInfo) key(row []Value) []byte {
	if ti.hidden {
		return AppendKey(nil, row[len(ti.t.Columns)])
	}
	var k []byte
	for _, i := range ti.keyColumns() {
		k = appendKeyValue(k, row[i])
	}
	return k
}

// indexEntry returns the entry of a row in an index over cols: the
// index values then the row's key; prefix is the index values alone, and
// hasNull whether one is NULL (NULLs never conflict in a unique index).
func indexEntry(row []Value, cols []int, key []byte) (entry, prefix []byte, hasNull bool) {
	for _, i := range cols {
		entry = appendKeyValue(entry, row[i])
		hasNull = hasNull || row[i].typ == Null
	}
	prefix = entry
	return append(entry[:len(entry):len(entry)], key...), prefix, hasNull
}

// keyValues returns the key tuple of a full row, as Insert returns it.
func (ti *tableInfo) keyValues(row []Value) []Value {
	if ti.hidden {
		return []Value{row[len(ti.t.Columns)]}
	}
	kc := ti.keyColumns()
	out := make([]Value, len(kc))
	for j, i := range kc {
		out[j] = row[i]
	}
	return out
}

func (ti *tableInfo) errorf(col int, err error, format string, args ...any) error {
	e := &TableError{Table: ti.t.Name, Err: err}
	if col >= 0 && col < len(ti.t.Columns) {
		e.Column = ti.t.Columns[col].Name
	} else if col == len(ti.t.Columns) {
		e.Column = "rowid"
	}
	if format != "" {
		e.Detail = fmt.Sprintf(format, args...)
	}
	return e
}

// column resolves a column name to its index in a full row; the names of
// the rowid name the hidden rowid of a table without an INTEGER PRIMARY
// KEY, or the INTEGER PRIMARY KEY itself, unless a column has the name.
func (ti *tableInfo) column(name string) (int, error) {
	if i := ti.t.ColumnIndex(name); i >= 0 {
		return i, nil
	}
	if isRowidName(name) {
		if ti.hidden {
			return len(ti.t.Columns), nil
		}
		if ti.rowid >= 0 {
			return ti.rowid, nil
		}
	}
	return -1, &TableError{Table: ti.t.Name, Column: name, Err: ErrUnknownColumn}
}

// assign sets the columns cols (nil: every column, in order) of row to
// vals, coerced to the columns' affinities.
func (ti *tableInfo) assign(row []Value, cols []string, vals []Value) error {
	n := len(ti.t.Columns)
	set := func(i int, v Value) error {
		if !v.typ.Valid() || v.typ == Any {
			return ti.errorf(i, ErrType, "invalid value type %s", v.typ)
		}
		row[i] = ti.coerce(i, v)
		return nil
	}
	if cols == nil {
		if len(vals) != n {
			return ti.errorf(-1, ErrBadArgument, "%d values for %d columns", len(vals), n)
		}
		for i, v := range vals {
			if err := set(i, v); err != nil {
				return err
			}
		}
		return nil
	}
	if len(vals) != len(cols) {
		return ti.errorf(-1, ErrBadArgument, "%d values for %d columns", len(vals), len(cols))
	}
	done := make([]bool, n+1)
	for j, name := range cols {
		i, err := ti.column(name)
		if err != nil {
			return err
		}
		if done[i] {
			return ti.errorf(i, ErrBadArgument, "column given twice")
		}
		done[i] = true
		if err := set(i, vals[j]); err != nil {
			return err
		}
	}
	return nil
}

// newRow returns a full row of defaults with cols set to vals.
func (ti *tableInfo) newRow(cols []string, vals []Value) ([]Value, error) {
	n := len(ti.t.Columns)
	row := make([]Value, n+1)
	for i := range ti.t.Columns {
		row[i] = ti.t.Columns[i].Default
	}
	if err := ti.assign(row, cols, vals); err != nil {
		return nil, err
	}
	return row, nil
}

// rowidOf returns the rowid slot of a rowid table (the INTEGER PRIMARY KEY
// column or the hidden rowid), or -1.
func (ti *tableInfo) rowidSlot() int {
	if ti.hidden {
		return len(ti.t.Columns)
	}
	return ti.rowid
}

// fillRowid gives a rowid table's row the next rowid (max + 1, as SQLite)
// if it has none, and checks that a given one is an integer.
func (tx *Tx) fillRowid(ti *tableInfo, row []Value) error {
	s := ti.rowidSlot()
	if s < 0 {
		return nil
	}
	switch row[s].typ {
	case Integer:
		return nil
	case Null:
	default:
		return ti.errorf(s, ErrType, "datatype mismatch: rowid %s is not an integer", row[s])
	}
	max, ok := tx.maxRow[ti.t.ID]
	if !ok {
		k, found, err := tx.last(ti.t.ID)
		if err != nil {
			return err
		}
		max = 0
		if found {
			v, _, err := DecodeKeyValue(k)
			if err != nil || v.typ != Integer {
				return fmt.Errorf("%w: table %q: rowid key %x", ErrCorrupt, ti.t.Name, k)
			}
			max = v.Int()
		}
		if tx.maxRow == nil {
			tx.maxRow = map[batch.TableID]int64{}
		}
		tx.maxRow[ti.t.ID] = max
	}
	if max == math.MaxInt64 {
		return ti.errorf(s, ErrTooLarge, "the largest rowid is taken")
	}
	row[s] = MakeInt(max + 1)
	return nil
}

func (tx *Tx) noteRowid(ti *tableInfo, row []Value, deleted bool) {
	s := ti.rowidSlot()
	if s < 0 || row[s].typ != Integer {
		return
	}
	max, ok := tx.maxRow[ti.t.ID]
	if !ok {
		return
	}
	r := row[s].Int()
	switch {
	case deleted && r == max:
		delete(tx.maxRow, ti.t.ID)
	case !deleted && r > max:
		tx.maxRow[ti.t.ID] = r
	}
}

// writeRow builds the ops that replace old (stored under oldKey; nil if
// none) with row, after checking every constraint, and commits them.
func (tx *Tx) writeRow(ti *tableInfo, old []Value, oldKey []byte, row []Value) error {
	t := ti.t
	for i := range t.Columns {
		if t.Columns[i].NotNull && row[i].typ == Null {
			return ti.errorf(i, ErrNotNull, "")
		}
	}
	key := ti.key(row)
	if len(key) > store.MaxKeySize {
		return ti.errorf(-1, ErrTooLarge, "primary key of %d bytes, the limit is %d", len(key), store.MaxKeySize)
	}
	if oldKey == nil || !bytes.Equal(key, oldKey) {
		_, found, err := tx.get(t.ID, key)
		if err != nil {
			return err
		}
		if found {
			col := -1
			if kc := ti.keyColumns(); len(kc) > 0 {
				col = kc[0]
			} else {
				col = len(t.Columns)
			}
			return ti.errorf(col, ErrDuplicateKey, "key %s exists", tupleString(ti.keyValues(row)))
		}
	}
	vals := make([]Value, len(ti.valCols))
	for j, i := range ti.valCols {
		vals[j] = row[i]
	}
	enc, err := ti.layout.AppendRow(nil, vals)
	if err != nil {
		return ti.errorf(-1, ErrType, "%v", err)
	}
	if len(enc) > store.MaxValueSize {
		return ti.errorf(-1, ErrTooLarge, "row of %d bytes, the limit is %d", len(enc), store.MaxValueSize)
	}
	var ops []batch.WriteOp
	// A value of another storage class marks its column mixed, at this
	// position, so scans from here on deliver it as MixedType.
	var nt *Table
	for i := range t.Columns {
		c := &t.Columns[i]
		if v := row[i]; v.typ != Null && v.typ != c.Type && !c.Mixed {
			if nt == nil {
				cp := *t
				cp.Columns = append([]Column(nil), t.Columns...)
				nt = &cp
			}
			nt.Columns[i].Mixed = true
		}
	}
	if nt != nil {
		b, err := nt.MarshalBinary()
		if err != nil {
			return err
		}
		ops = append(ops, putOp(CatalogID, catalogKey(catTable, t.Name), b))
	}
	if oldKey != nil && !bytes.Equal(key, oldKey) {
		ops = append(ops, delOp(t.ID, oldKey))
	}
	ops = append(ops, putOp(t.ID, key, enc))
	for _, x := range ti.indexes {
		cols := ti.idxCols[x]
		entry, prefix, hasNull := indexEntry(row, cols, key)
		if len(entry) > store.MaxKeySize {
			return &TableError{Table: t.Name, Index: x.Name, Err: ErrTooLarge, Detail: fmt.Sprintf("index entry of %d bytes, the limit is %d", len(entry), store.MaxKeySize)}
		}
		var oldEntry []byte
		if old != nil {
			oldEntry, _, _ = indexEntry(old, cols, oldKey)
			if bytes.Equal(oldEntry, entry) {
				continue
			}
		}
		if x.Unique && !hasNull {
			if err := tx.checkUnique(ti, x, prefix, oldKey); err != nil {
				return err
			}
		}
		if oldEntry != nil {
			ops = append(ops, delOp(x.ID, oldEntry))
		}
		ops = append(ops, putOp(x.ID, entry, nil))
	}
	tx.commit(ops)
	tx.noteRowid(ti, row, false)
	return nil
}

// checkUnique fails if index x holds an entry with index values prefix
// for a row other than the one under self.
func (tx *Tx) checkUnique(ti *tableInfo, x *Index, prefix, self []byte) error {
	var clash []byte
	n := len(x.Columns)
	err := tx.walk(context.Background(), x.ID, prefix, PrefixEnd(prefix), func(k, v []byte) error {
		// The range also holds entries whose index values only start with
		// prefix's bytes (a real of the same integer part as an integer).
		rest := k
		for range n {
			_, r, err := DecodeKeyValue(rest)
			if err != nil {
				return fmt.Errorf("index %q: %w", x.Name, err)
			}
			rest = r
		}
		if len(k)-len(rest) != len(prefix) {
			return nil
		}
		if pk := rest; self == nil || !bytes.Equal(pk, self) {
			clash = append([]byte(nil), pk...)
			return errStop
		}
		return nil
	})
	if err != nil {
		return err
	}
	if clash != nil {
		vals, _ := DecodeKey(nil, prefix)
		return &TableError{Table: ti.t.Name, Index: x.Name, Column: x.Columns[0], Err: ErrUnique, Detail: fmt.Sprintf("%s exists", tupleString(vals))}
	}
	return nil
}

func tupleString(vals []Value) string {
	var b []byte
	b = append(b, '(')
	for i, v := range vals {
		if i > 0 {
			b = append(b, ", "...)
		}
		b = append(b, v.String()...)
	}
	return string(append(b, ')'))
}

// lookupKey returns the store key of the row whose key columns (or hidden
// rowid) are key, coerced to the columns' affinities.
func (ti *tableInfo) lookupKey(key []Value) ([]byte, error) {
	kc := ti.keyColumns()
	want := len(kc)
	if ti.hidden {
		want = 1
	}
	if len(key) != want {
		return nil, ti.errorf(-1, ErrBadArgument, "key of %d values, the primary key has %d columns", len(key), want)
	}
	row := make([]Value, len(ti.t.Columns)+1)
	for j, v := range key {
		i := len(ti.t.Columns)
		if !ti.hidden {
			i = kc[j]
		}
		if !v.typ.Valid() || v.typ == Any {
			return nil, ti.errorf(i, ErrType, "invalid value type %s", v.typ)
		}
		row[i] = ti.coerce(i, v)
	}
	k := ti.key(row)
	if len(k) > store.MaxKeySize {
		return nil, ti.errorf(-1, ErrTooLarge, "primary key of %d bytes", len(k))
	}
	return k, nil
}

// Insert adds a row to table: cols names the columns given (nil: all of
// them, in table order), the others take their defaults. It returns the
// row's primary key (for a rowid table, the rowid, allocated as max + 1
// when not given). A row with the same key is ErrDuplicateKey.
func (tx *Tx) Insert(table string, cols []string, vals []Value) ([]Value, error) {
	return tx.insert(table, cols, vals, false)
}

// Upsert inserts the row, or replaces the whole row with the same primary
// key (as SQLite's INSERT OR REPLACE does for the primary key: columns not
// given take their defaults). A clash in a unique index with another row
// is still ErrUnique.
func (tx *Tx) Upsert(table string, cols []string, vals []Value) ([]Value, error) {
	return tx.insert(table, cols, vals, true)
}

func (tx *Tx) insert(table string, cols []string, vals []Value, replace bool) ([]Value, error) {
	if err := tx.writable(); err != nil {
		return nil, err
	}
	ti, err := tx.table(table)
	if err != nil {
		return nil, err
	}
	row, err := ti.newRow(cols, vals)
	if err != nil {
		return nil, err
	}
	if err := tx.fillRowid(ti, row); err != nil {
		return nil, err
	}
	var old []Value
	var oldKey []byte
	if replace {
		key := ti.key(row)
		if v, found, err := tx.get(ti.t.ID, key); err != nil {
			return nil, err
		} else if found {
			if old, err = ti.decode(key, v); err != nil {
				return nil, err
			}
			oldKey = key
		}
	}
	if err := tx.writeRow(ti, old, oldKey, row); err != nil {
		return nil, err
	}
	return ti.keyValues(row), nil
}

// Update sets columns cols of the row with primary key key to vals. It may
// change the primary key (the row moves; a row already there is
// ErrDuplicateKey). No such row is ErrNotFound.
func (tx *Tx) Update(table string, key []Value, cols []string, vals []Value) error {
	if err := tx.writable(); err != nil {
		return err
	}
	ti, err := tx.table(table)
	if err != nil {
		return err
	}
	k, err := ti.lookupKey(key)
	if err != nil {
		return err
	}
	v, found, err := tx.get(ti.t.ID, k)
	if err != nil {
		return err
	}
	if !found {
		return ti.errorf(-1, ErrNotFound, "key %s", tupleString(key))
	}
	old, err := ti.decode(k, v)
	if err != nil {
		return err
	}
	row := append([]Value(nil), old...)
	if err := ti.assign(row, cols, vals); err != nil {
		return err
	}
	if s := ti.rowidSlot(); s >= 0 && row[s].typ != Integer {
		return ti.errorf(s, ErrType, "datatype mismatch: rowid %s is not an integer", row[s])
	}
	if err := tx.writeRow(ti, old, k, row); err != nil {
		return err
	}
	if !bytes.Equal(ti.key(row), k) {
		tx.noteRowid(ti, old, true)
	}
	return nil
}

// Delete removes the row with primary key key and its index entries. It
// reports whether there was such a row (deleting none is not an error).
func (tx *Tx) Delete(table string, key []Value) (bool, error) {
	if err := tx.writable(); err != nil {
		return false, err
	}
	ti, err := tx.table(table)
	if err != nil {
		return false, err
	}
	k, err := ti.lookupKey(key)
	if err != nil {
		return false, err
	}
	v, found, err := tx.get(ti.t.ID, k)
	if err != nil || !found {
		return false, err
	}
	old, err := ti.decode(k, v)
	if err != nil {
		return false, err
	}
	ops := []batch.WriteOp{delOp(ti.t.ID, k)}
	for _, x := range ti.indexes {
		entry, _, _ := indexEntry(old, ti.idxCols[x], k)
		ops = append(ops, delOp(x.ID, entry))
	}
	tx.commit(ops)
	tx.noteRowid(ti, old, true)
	return true, nil
}

// Get returns columns cols (nil: every column) of the row with primary
// key key, or ErrNotFound. It reads the one row, building no batch.
func (tx *Tx) Get(table string, key []Value, cols []string) ([]Value, error) {
	ti, err := tx.table(table)
	if err != nil {
		return nil, err
	}
	idx, err := ti.projection(cols)
	if err != nil {
		return nil, err
	}
	k, err := ti.lookupKey(key)
	if err != nil {
		return nil, err
	}
	v, found, err := tx.get(ti.t.ID, k)
	if err != nil {
		return nil, err
	}
	if !found {
		return nil, ti.errorf(-1, ErrNotFound, "key %s", tupleString(key))
	}
	// Only the asked-for columns are decoded: key columns from the key
	// (which is the one looked up), the others from the row.
	var rv RowView
	if err := rv.Reset(ti.layout, v); err != nil {
		return nil, fmt.Errorf("table %q: %w", ti.t.Name, err)
	}
	out := make([]Value, len(idx))
	for j, i := range idx {
		if p := ti.valPosAt(i); p >= 0 {
			if out[j], err = rv.Value(p); err != nil {
				return nil, fmt.Errorf("table %q: %w", ti.t.Name, err)
			}
			continue
		}
		out[j] = ti.lookupVal(i, key)
	}
	return out, nil
}

// valPosAt is valPos for a full-row index (-1 for the hidden rowid).
func (ti *tableInfo) valPosAt(i int) int {
	if i >= len(ti.t.Columns) {
		return -1
	}
	return ti.valPos[i]
}

// lookupVal returns key column i (full-row index) of a looked-up key
// tuple, as stored.
func (ti *tableInfo) lookupVal(i int, key []Value) Value {
	if ti.hidden {
		return Coerce(key[0], Integer, AffinityInteger)
	}
	for j, c := range ti.keyColumns() {
		if c == i {
			return ti.coerce(i, key[j])
		}
	}
	return Value{}
}

// projection resolves column names to full-row indexes; nil is every
// column, in table order.
func (ti *tableInfo) projection(cols []string) ([]int, error) {
	if cols == nil {
		out := make([]int, len(ti.t.Columns))
		for i := range out {
			out[i] = i
		}
		return out, nil
	}
	out := make([]int, len(cols))
	for j, name := range cols {
		i, err := ti.column(name)
		if err != nil {
			return nil, err
		}
		out[j] = i
	}
	return out, nil
}

// storeValue returns v as column c stores it: coerced to its affinity
// (Column.Coerce), and, in an untyped (ANY) column, a boolean or
// timestamp as the integer it is to SQLite, since keys (primary and
// index) could not tell them from integers.
func storeValue(c *Column, v Value) Value {
	v = c.Coerce(v)
	if c.Type == Any && (v.typ == Boolean || v.typ == Timestamp) {
		v = Value{typ: Integer, bits: v.bits}
	}
	return v
}
