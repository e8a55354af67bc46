package cli

import (
	"bufio"
	"flag"
	"fmt"
	"strconv"
	"strings"

	"github.com/projstore/projstore/cmd/projstore/internal/inspect"
	"github.com/projstore/projstore/page"
)

var pagesCmd = &command{
	name:    "pages",
	args:    "DB",
	summary: "list every page of the file: type, generation, count, free space",
	help: `List every page of DB's file, one per line, read straight from the file
without opening the store (so a damaged file can be listed too): its id,
type, the generation of the commit that wrote it, its count (cells of branch
and leaf pages, payload bytes of overflow pages, ids of free-list pages),
free bytes (branch and leaf), and the next page of an overflow chain or the
free list. Pages that fail verification say why. Pages no longer in use
keep their last contents until reused, so they are listed too.`,
	examples: []string{
		"projstore pages app.db",
		"projstore pages app.db | grep -c leaf",
		"projstore pages app.db | grep CORRUPT",
	},
	setup: noFlags(runPages),
}

func runPages(e *env, args []string) (err error) {
	if err := wantArgs(args, 1, 1); err != nil {
		return err
	}
	if err := mustExist(args[0]); err != nil {
		return err
	}
	f, err := inspect.Open(args[0])
	if err != nil {
		return err
	}
	defer f.Close()
	w := bufio.NewWriter(e.stdout)
	// Fixed widths rather than a grid: a file can have millions of pages,
	// and lines go out as they are read.
	line := func(cells ...any) {
		s := fmt.Sprintf("%8s  %-10s  %6s  %5s  %5s  %8s  %s", cells...)
		fmt.Fprintln(w, strings.TrimRight(s, " "))
	}
	line("ID", "TYPE", "GEN", "COUNT", "FREE", "NEXT", "NOTE")
	sb := f.Newest()
	bad := 0
	for id := range f.NumPages() {
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
			line(u(id), "blank", "-", "-", "-", "-", note)
			continue
		}
		free, next, note := "-", "-", s.Note
		if s.Type == page.TypeLeaf || s.Type == page.TypeBranch {
			free = strconv.Itoa(s.Free)
		}
		if s.Next != 0 {
			next = u(s.Next)
		}
		if s.Err != nil {
			bad++
			note = "CORRUPT: " + message(s.Err)
		}
		line(u(id), s.Type.String(), u(s.Gen), strconv.Itoa(s.Count), free, next, note)
	}
	fmt.Fprintf(w, "%s pages in %s bytes", commas(f.NumPages()), commas(uint64(f.Size())))
	if sb != nil {
		fmt.Fprintf(w, "; the newest superblock (generation %d, position %d) counts %s pages", sb.Generation, sb.Applied, commas(sb.PageCount))
	}
	if bad > 0 {
		fmt.Fprintf(w, "; %d fail verification (a page no longer in use may hold a torn write from a crash)", bad)
	}
	fmt.Fprintln(w)
	return w.Flush()
}

func u(n uint64) string { return strconv.FormatUint(n, 10) }

var pageCmd = &command{
	name:    "page",
	args:    "DB ID [--history] [--full]",
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
position: --history shows them split.`,
	examples: []string{
		"projstore page app.db 0",
		"projstore page app.db 17 --history",
		"projstore page app.db 230 --full | less",
	},
	setup: func(fs *flag.FlagSet) runFunc {
		var o inspect.DescribeOptions
		fs.BoolVar(&o.History, "history", false, "split leaf keys into key and created position (history trees)")
		fs.BoolVar(&o.Full, "full", false, fmt.Sprintf("dump whole cells and payloads (default: the first %d bytes of each)", inspect.DumpLimit))
		return func(e *env, args []string) error { return runPage(e, args, o) }
	},
}

func runPage(e *env, args []string, o inspect.DescribeOptions) (err error) {
	if err := wantArgs(args, 2, 2); err != nil {
		return err
	}
	id, err := strconv.ParseUint(args[1], 10, 64)
	if err != nil {
		return usagef("ID must be a page number, not %q", args[1])
	}
	if err := mustExist(args[0]); err != nil {
		return err
	}
	f, err := inspect.Open(args[0])
	if err != nil {
		return err
	}
	defer f.Close()
	b, err := f.ReadPage(id)
	if err != nil {
		return err
	}
	w := bufio.NewWriter(e.stdout)
	if err := inspect.Describe(w, b, id, o); err != nil {
		return err
	}
	return w.Flush()
}
