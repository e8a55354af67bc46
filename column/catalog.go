package column

import (
	"fmt"
	"sort"
	"strings"

	"github.com/projstore/projstore/batch"
)

// Reserved store tables. The catalog lives in the store table CatalogID;
// user tables and index key spaces get ids from FirstUserID on, allocated
// in order from a counter kept in the catalog, so replicas applying the
// same log allocate the same ids. Ids below CatalogID are never used by
// this package (a caller may keep raw key-value tables there).
const (
	CatalogID   batch.TableID = 1 << 40
	FirstUserID batch.TableID = CatalogID + 1
)

// Catalog keys (see the package documentation for the layout).
const (
	catTable   = 'T'
	catIndex   = 'I'
	catView    = 'V'
	catTrigger = 'R'
	catNextID  = 'N'
)

// catalogKey is the key of an object of the given kind and name: the kind
// byte, then the name with ASCII letters lowered (names compare as SQLite
// compares identifiers).
func catalogKey(kind byte, name string) []byte {
	k := make([]byte, 1, 1+len(name))
	k[0] = kind
	for i := 0; i < len(name); i++ {
		c := name[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		k = append(k, c)
	}
	return k
}

// Catalog is the schema at one position (with a pending batch's DDL): the
// tables, their indexes, and the views. It is immutable once loaded.
type Catalog struct {
	tables   map[string]*tableInfo // by lowered name
	indexes  map[string]*Index
	views    map[string]*View
	triggers map[string]*Trigger // by lowered name: a namespace of their own, as in SQLite
	nextID   batch.TableID
}

// tableInfo is a table with what scans and writes need of it.
type tableInfo struct {
	t       *Table
	layout  *Layout
	valCols []int            // Table.ValueColumns
	valPos  []int            // per column: its index in the row layout, or -1 (key)
	rowid   int              // the rowid column, -1 if hidden or none
	hidden  bool             // keyed by a hidden rowid
	indexes []*Index         // sorted by name
	idxCols map[*Index][]int // column indexes of each index
}

func lower(s string) string { return string(catalogKey(0, s)[1:]) }

func newTableInfo(t *Table) (*tableInfo, error) {
	l, err := t.Layout()
	if err != nil {
		return nil, err
	}
	ti := &tableInfo{t: t, layout: l, valCols: t.ValueColumns(), rowid: -1, idxCols: map[*Index][]int{}}
	ti.valPos = make([]int, len(t.Columns))
	for i := range t.Columns {
		ti.valPos[i] = -1
	}
	for j, i := range ti.valCols {
		ti.valPos[i] = j
	}
	if col, ok := t.Rowid(); ok {
		ti.rowid = col
		ti.hidden = col < 0
	}
	return ti, nil
}

// keyColumns returns the columns making up the key, in key order; nil
// for a hidden rowid.
func (ti *tableInfo) keyColumns() []int {
	if ti.rowid >= 0 {
		return []int{ti.rowid}
	}
	if ti.hidden {
		return nil
	}
	return ti.t.PrimaryKey
}

// Table returns the definition of the table named name. The result is
// shared: do not modify it.
func (c *Catalog) Table(name string) (*Table, error) {
	ti, err := c.table(name)
	if err != nil {
		return nil, err
	}
	return ti.t, nil
}

func (c *Catalog) table(name string) (*tableInfo, error) {
	if ti := c.tables[lower(name)]; ti != nil {
		return ti, nil
	}
	return nil, &TableError{Table: name, Err: ErrNoTable}
}

// Tables returns every table, by name.
func (c *Catalog) Tables() []*Table {
	out := make([]*Table, 0, len(c.tables))
	for _, ti := range c.tables {
		out = append(out, ti.t)
	}
	sort.Slice(out, func(i, j int) bool { return lower(out[i].Name) < lower(out[j].Name) })
	return out
}

// Index returns the index named name.
func (c *Catalog) Index(name string) (*Index, error) {
	if x := c.indexes[lower(name)]; x != nil {
		return x, nil
	}
	return nil, &TableError{Index: name, Err: ErrNoIndex}
}

// Indexes returns the indexes of table, by name.
func (c *Catalog) Indexes(table string) ([]*Index, error) {
	ti, err := c.table(table)
	if err != nil {
		return nil, err
	}
	return append([]*Index(nil), ti.indexes...), nil
}

// View returns the view named name.
func (c *Catalog) View(name string) (*View, error) {
	if v := c.views[lower(name)]; v != nil {
		return v, nil
	}
	return nil, &TableError{Table: name, Err: ErrNoView}
}

// Views returns every view, by name.
func (c *Catalog) Views() []*View {
	out := make([]*View, 0, len(c.views))
	for _, v := range c.views {
		out = append(out, v)
	}
	sort.Slice(out, func(i, j int) bool { return lower(out[i].Name) < lower(out[j].Name) })
	return out
}

// Trigger returns the trigger named name.
func (c *Catalog) Trigger(name string) (*Trigger, error) {
	if x := c.triggers[lower(name)]; x != nil {
		return x, nil
	}
	return nil, &TableError{Table: name, Err: ErrNoTrigger}
}

// Triggers returns the triggers on table (every trigger if table is ""),
// by name.
func (c *Catalog) Triggers(table string) []*Trigger {
	var out []*Trigger
	for _, x := range c.triggers {
		if table == "" || lower(x.Table) == lower(table) {
			out = append(out, x)
		}
	}
	sort.Slice(out, func(i, j int) bool { return lower(out[i].Name) < lower(out[j].Name) })
	return out
}

// taken reports which kind of object already uses name, if any: tables,
// indexes and views share one namespace, as in SQLite.
func (c *Catalog) taken(name string) string {
	n := lower(name)
	switch {
	case c.tables[n] != nil:
		return "table"
	case c.indexes[n] != nil:
		return "index"
	case c.views[n] != nil:
		return "view"
	}
	return ""
}

// buildCatalog decodes the rows of the catalog table.
func buildCatalog(rows func(fn func(k, v []byte) error) error) (*Catalog, error) {
	c := &Catalog{tables: map[string]*tableInfo{}, indexes: map[string]*Index{}, views: map[string]*View{}, triggers: map[string]*Trigger{}, nextID: FirstUserID}
	err := rows(func(k, v []byte) error {
		if len(k) == 0 {
			return fmt.Errorf("%w: empty catalog key", ErrCorrupt)
		}
		switch k[0] {
		case catTable:
			t := new(Table)
			if err := t.UnmarshalBinary(v); err != nil {
				return fmt.Errorf("catalog entry %q: %w", k, err)
			}
			ti, err := newTableInfo(t)
			if err != nil {
				return err
			}
			c.tables[lower(t.Name)] = ti
		case catIndex:
			x := new(Index)
			if err := x.UnmarshalBinary(v); err != nil {
				return fmt.Errorf("catalog entry %q: %w", k, err)
			}
			c.indexes[lower(x.Name)] = x
		case catView:
			x := new(View)
			if err := x.UnmarshalBinary(v); err != nil {
				return fmt.Errorf("catalog entry %q: %w", k, err)
			}
			c.views[lower(x.Name)] = x
		case catTrigger:
			x := new(Trigger)
			if err := x.UnmarshalBinary(v); err != nil {
				return fmt.Errorf("catalog entry %q: %w", k, err)
			}
			c.triggers[lower(x.Name)] = x
		case catNextID:
			id, err := decodeID(v)
			if err != nil {
				return err
			}
			c.nextID = id
		default:
			return fmt.Errorf("%w: catalog key %q", ErrCorrupt, k)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	for _, x := range c.indexes {
		ti := c.tables[lower(x.Table)]
		if ti == nil {
			return nil, fmt.Errorf("%w: index %q on missing table %q", ErrCorrupt, x.Name, x.Table)
		}
		if err := x.Validate(ti.t); err != nil {
			return nil, fmt.Errorf("%w: %v", ErrCorrupt, err)
		}
		cols := make([]int, len(x.Columns))
		for i, name := range x.Columns {
			cols[i] = ti.t.ColumnIndex(name)
		}
		ti.idxCols[x] = cols
		ti.indexes = append(ti.indexes, x)
	}
	for _, x := range c.triggers {
		if c.tables[lower(x.Table)] == nil {
			return nil, fmt.Errorf("%w: trigger %q on missing table %q", ErrCorrupt, x.Name, x.Table)
		}
	}
	for _, ti := range c.tables {
		sort.Slice(ti.indexes, func(i, j int) bool { return lower(ti.indexes[i].Name) < lower(ti.indexes[j].Name) })
	}
	return c, nil
}

func encodeID(id batch.TableID) []byte {
	var b [8]byte
	for i := range b {
		b[i] = byte(id >> (56 - 8*i))
	}
	return b[:]
}

func decodeID(v []byte) (batch.TableID, error) {
	if len(v) != 8 {
		return 0, fmt.Errorf("%w: next id of %d bytes", ErrCorrupt, len(v))
	}
	var id batch.TableID
	for _, c := range v {
		id = id<<8 | batch.TableID(c)
	}
	if id < FirstUserID {
		return 0, fmt.Errorf("%w: next id %d below %d", ErrCorrupt, id, FirstUserID)
	}
	return id, nil
}

// isRowidName reports whether name is one of SQLite's names for the rowid.
func isRowidName(name string) bool {
	switch strings.ToLower(name) {
	case "rowid", "_rowid_", "oid":
		return true
	}
	return false
}

// Trigger is a trigger on a table, kept as the SQL text of its CREATE
// TRIGGER statement: the SQL layer parses and runs it, this package only
// stores it and drops it with its table.
type Trigger struct {
	Name  string
	Table string
	SQL   string
}

// Validate checks that the trigger has a name, a table and SQL text.
func (x *Trigger) Validate() error {
	errorf := func(err error) error { return &SchemaError{Kind: "trigger", Name: x.Name, Err: err} }
	switch {
	case x.Name == "":
		return errorf(ErrEmptyName)
	case x.Table == "":
		return errorf(fmt.Errorf("%w (table)", ErrEmptyName))
	case strings.TrimSpace(x.SQL) == "":
		return errorf(fmt.Errorf("%w (SQL)", ErrEmptyName))
	}
	return nil
}

// AppendBinary appends the catalog encoding of x, after validating it:
// 'R' 1 Name Table SQL.
func (x *Trigger) AppendBinary(b []byte) ([]byte, error) {
	if err := x.Validate(); err != nil {
		return b, err
	}
	b = append(b, catTrigger, catalogFormat)
	b = appendString(b, x.Name)
	b = appendString(b, x.Table)
	return appendString(b, x.SQL), nil
}

// MarshalBinary returns the catalog encoding of x.
func (x *Trigger) MarshalBinary() ([]byte, error) { return x.AppendBinary(nil) }

// UnmarshalBinary decodes a trigger encoded by MarshalBinary and validates it.
func (x *Trigger) UnmarshalBinary(data []byte) error {
	d := decoder{b: data}
	d.header(catTrigger)
	var nx Trigger
	nx.Name = d.string()
	nx.Table = d.string()
	nx.SQL = d.string()
	if err := d.finish(); err != nil {
		return err
	}
	if err := nx.Validate(); err != nil {
		return err
	}
	*x = nx
	return nil
}

// CreateTrigger adds trigger x on an existing table to the catalog.
func (tx *Tx) CreateTrigger(x *Trigger) error {
	if err := tx.writable(); err != nil {
		return err
	}
	if x == nil {
		return nilArg("trigger")
	}
	c, err := tx.Catalog()
	if err != nil {
		return err
	}
	ti, err := tx.table(x.Table)
	if err != nil {
		return err
	}
	if c.triggers[lower(x.Name)] != nil {
		return &TableError{Table: x.Name, Err: ErrExists, Detail: "a trigger has this name"}
	}
	nx := *x
	nx.Table = ti.t.Name
	enc, err := nx.MarshalBinary()
	if err != nil {
		return err
	}
	tx.commit([]batch.WriteOp{putOp(CatalogID, catalogKey(catTrigger, nx.Name), enc)})
	return nil
}

// DropTrigger removes trigger name.
func (tx *Tx) DropTrigger(name string) error {
	if err := tx.writable(); err != nil {
		return err
	}
	c, err := tx.Catalog()
	if err != nil {
		return err
	}
	x, err := c.Trigger(name)
	if err != nil {
		return err
	}
	tx.commit([]batch.WriteOp{delOp(CatalogID, catalogKey(catTrigger, x.Name))})
	return nil
}
