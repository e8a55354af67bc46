package cli

import (
	"bufio"
	"errors"
	"flag"
	"fmt"
	"strconv"
	"strings"

	"github.com/projstore/projstore/cmd/projstore/internal/inspect"
	"github.com/projstore/projstore/page"
	"github.com/projstore/projstore/store"
	"github.com/projstore/projstore/superblock"
)

var pagesCmd = &command{
	name:    "pages",
	args:    "DB [--format text|json]",
	summary: "list every page of the file: type, generation, count, free space",
	help: `List every page of DB's file, one per line, read straight from the file
without opening the store (so a damaged file can be listed too): its id,
type, the generation of the commit that wrote it, its count (cells of branch
and leaf pages, payload bytes of overflow pages, ids of free-list pages),
free bytes (branch and leaf), and the next page of an overflow chain or the
free list. Pages no longer in use keep their last contents until reused, so
they are listed too.

Pages that fail verification say why, and make the exit status 1 once every
page is listed (a page no longer in use may hold a torn write from a crash:
'projstore check' says whether the state itself is sound).

--format json prints one object per page: "id", "type", "generation",
"count", "free", "next", "note", and "error" for a page that fails
verification ("type" is "blank" for a page never written).`,
	opens:         true,
	interruptible: true,
	examples: []string{
		"projstore pages app.db",
		"projstore pages app.db | grep -c leaf",
		"projstore pages app.db | grep CORRUPT",
		"projstore pages app.db --format json | jq -c 'select(.error)'",
	},
	setup: func(fs *flag.FlagSet) runFunc {
		format := formatFlag(fs, formatText, formatJSON)
		return func(e *env, args []string) error { return runPages(e, args, format.json()) }
	},
}

// pageJSON is one line of pages' JSON output.
type pageJSON struct {
	ID         uint64 `json:"id"`
	Type       string `json:"type"`
	Generation uint64 `json:"generation"`
	Count      int    `json:"count"`
	Free       int    `json:"free"`
	Next       uint64 `json:"next"`
	Note       string `json:"note,omitempty"`
	Error      string `json:"error,omitempty"`
}

// openPages opens DB's file for the page commands. A file that is not a
// store at all (no slot carries the magic) is refused as store.Open
// refuses it.
func (e *env) openPages(path string) (*inspect.File, error) {
	f, err := e.openFile(path)
	if err != nil {
		return nil, err
	}
	if f.Newest() == nil && errors.Is(f.Slots.Err[0], superblock.ErrNotDatabase) && errors.Is(f.Slots.Err[1], superblock.ErrNotDatabase) {
		f.Close()
		return nil, fmt.Errorf("%s: %w", path, store.ErrNotDatabase)
	}
	return f, nil
}

func runPages(e *env, args []string, asJSON bool) (err error) {
	if err := wantArgs(args, 1, 1); err != nil {
		return err
	}
	f, err := e.openPages(args[0])
	if err != nil {
		return err
	}
	defer f.Close()
	w := bufio.NewWriter(e.stdout)
	enc := newJSON(w)
	// Fixed widths rather than a grid: a file can have millions of pages,
	// and lines go out as they are read.
	line := func(cells ...any) {
		s := fmt.Sprintf("%8s  %-10s  %6s  %5s  %5s  %8s  %s", cells...)
		fmt.Fprintln(w, strings.TrimRight(s, " "))
	}
	if !asJSON {
		line("ID", "TYPE", "GEN", "COUNT", "FREE", "NEXT", "NOTE")
	}
	sb := f.Newest()
	bad := 0
	for id := range f.NumPages() {
		if err := e.ctx.Err(); err != nil {
			w.Flush()
			return fmt.Errorf("interrupted at page %d: %w", id, err)
		}
		b, err := f.ReadPage(id)
		if err != nil {
			return err
		}
		s := inspect.Summarize(b, id)
		if s.Blank {
			note := "never written"
			if sb != nil && id == sb.FreeTail {
				note = "reserved for the next free-list page"
			}
			if asJSON {
				enc.Encode(pageJSON{ID: id, Type: "blank", Note: note})
			} else {
				line(u(id), "blank", "-", "-", "-", "-", note)
			}
			continue
		}
		j := pageJSON{ID: id, Type: s.Type.String(), Generation: s.Gen, Count: s.Count, Next: s.Next, Note: s.Note}
		free, next, note := "-", "-", s.Note
		if s.Type == page.TypeLeaf || s.Type == page.TypeBranch {
			free = strconv.Itoa(s.Free)
			j.Free = s.Free
		}
		if s.Next != 0 {
			next = u(s.Next)
		}
		if s.Err != nil {
			bad++
			note = "CORRUPT: " + message(s.Err)
			j.Error = message(s.Err)
		}
		if asJSON {
			enc.Encode(j)
		} else {
			line(u(id), s.Type.String(), u(s.Gen), strconv.Itoa(s.Count), free, next, note)
		}
	}
	if !asJSON {
		fmt.Fprintf(w, "%s pages in %s bytes", commas(f.NumPages()), commas(uint64(f.Size())))
		if sb != nil {
			fmt.Fprintf(w, "; the newest superblock (generation %d, position %d) counts %s pages", sb.Generation, sb.Applied, commas(sb.PageCount))
		}
		if bad > 0 {
			fmt.Fprintf(w, "; %d fail verification (a page no longer in use may hold a torn write from a crash)", bad)
		}
		fmt.Fprintln(w)
	}
	if err := w.Flush(); err != nil {
		return err
	}
	if bad > 0 {
		return fmt.Errorf("%s: %s of %s fail verification", args[0], plural(bad, "page"), commas(f.NumPages()))
	}
	return nil
}

func u(n uint64) string { return strconv.FormatUint(n, 10) }

var pageCmd = &command{
	name:    "page",
	args:    "DB ID [--history] [--full] [--format text|json]",
	summary: "dump one page: header fields and every cell, decoded and in hex",
	help: `Describe page ID of DB's file, read straight from the file: every header
field, the stored and computed checksums and what verification says, then
the contents by type: the fields of a superblock; the cells of a branch page
(key, child) or of a leaf page (key, stamp, value length, inline value or the
first overflow page), each hex-dumped at its offset in the page; an overflow
page's payload; the ids of a free-list page.

A leaf's stamp is the position that created the row in a table's current
tree, and the position that closed the version in its history tree. History
keys end in 8 bytes holding the complement of the version's created
position: --history shows them split.

--format json prints one object: the header fields ("type", "generation",
"count", ..., "crc_stored", "crc_computed", "error" when the page fails
verification), then by type "superblock", "cells" (each with "index",
"offset", "length", "key", and "child", or "stamp", "value_length" and
"value" or "overflow"; "created" with --history), "payload" and "next", or
"free_ids" and "next". Keys and values are whole, as UTF-8 text or "base64:"
and standard base64.`,
	opens: true,
	examples: []string{
		"projstore page app.db 0",
		"projstore page app.db 17 --history",
		"projstore page app.db 230 --full | less",
		"projstore page app.db 17 --format json | jq '.cells[].key'",
	},
	setup: func(fs *flag.FlagSet) runFunc {
		var o inspect.DescribeOptions
		fs.BoolVar(&o.History, "history", false, "split leaf keys into key and created position (history trees)")
		fs.BoolVar(&o.Full, "full", false, fmt.Sprintf("dump whole cells and payloads (default: the first %d bytes of each)", inspect.DumpLimit))
		format := formatFlag(fs, formatText, formatJSON)
		return func(e *env, args []string) error { return runPage(e, args, o, format.json()) }
	},
}

func runPage(e *env, args []string, o inspect.DescribeOptions, asJSON bool) (err error) {
	if err := wantArgs(args, 2, 2); err != nil {
		return err
	}
	id, err := strconv.ParseUint(args[1], 10, 64)
	if err != nil {
		return usagef("ID must be a page number, not %q", args[1])
	}
	f, err := e.openPages(args[0])
	if err != nil {
		return err
	}
	defer f.Close()
	b, err := f.ReadPage(id)
	if err != nil {
		return err
	}
	if asJSON {
		j, err := inspect.DescribeJSON(b, id, o)
		if err != nil {
			return err
		}
		return writeJSON(e.stdout, j)
	}
	w := bufio.NewWriter(e.stdout)
	if err := inspect.Describe(w, b, id, o); err != nil {
		return err
	}
	return w.Flush()
}
