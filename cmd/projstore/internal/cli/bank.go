package cli

import (
	"fmt"
	"maps"
	"math/rand/v2"
	"slices"
	"strings"
	"time"

	"github.com/projstore/projstore/batch"
)

// The demo's tables.
const (
	accountsTable  batch.TableID = 1 // account -> balance
	transfersTable batch.TableID = 2 // tx-NNNNNNN -> "from -> to amount date"
	ledgerTable    batch.TableID = 3 // day/DATE -> running totals; close/DATE -> end-of-day balances
)

// bankConfig sizes the demo's log.
type bankConfig struct {
	batches  int // positions 1..batches
	perDay   int // batches per business day
	accounts int // opened at position 1
	keepDays int // transfers older than this are archived (deleted)
	featured string
	seed     uint64
}

var demoConfig = bankConfig{
	batches:  3000,
	perDay:   100,
	accounts: 200,
	keepDays: 7,
	featured: "acct-0007",
	seed:     2025,
}

var demoEpoch = time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)

// bank generates the demo's event log deterministically and keeps the
// model of its state, which the tour compares the store against.
type bank struct {
	cfg      bankConfig
	rng      *rand.Rand
	balances map[string]int64 // open accounts, in cents
	open     []string         // open account names, for picking
	nextAcct int
	nextTx   int
	txByDay  map[int][]string
	dayCount int
	dayCents int64

	opened, transfers, archived int
	closures                    []closure
}

type closure struct {
	account string
	pos     batch.Offset
}

func newBank(cfg bankConfig) *bank {
	return &bank{
		cfg:      cfg,
		rng:      rand.New(rand.NewPCG(cfg.seed, cfg.seed*0x9e3779b97f4a7c15)),
		balances: map[string]int64{},
		txByDay:  map[int][]string{},
	}
}

func (k *bank) day(pos batch.Offset) int { return int(pos-1) / k.cfg.perDay }

func (k *bank) date(pos batch.Offset) string {
	return demoEpoch.AddDate(0, 0, k.day(pos)).Format(time.DateOnly)
}

// cents formats an amount: 123456 -> "1234.56".
func cents(c int64) string { return fmt.Sprintf("%d.%02d", c/100, c%100) }

// money formats an amount for people: 123456 -> "1,234.56".
func money(c int64) string { return commas(uint64(c/100)) + fmt.Sprintf(".%02d", c%100) }

func (k *bank) openAccount(cents int64) string {
	k.nextAcct++
	name := fmt.Sprintf("acct-%04d", k.nextAcct)
	k.balances[name] = cents
	k.open = append(k.open, name)
	k.opened++
	return name
}

func (k *bank) pick() string { return k.open[k.rng.IntN(len(k.open))] }

func (k *bank) closeAccount(name string) {
	delete(k.balances, name)
	i := slices.Index(k.open, name)
	k.open = slices.Delete(k.open, i, i+1)
}

// next returns the batch at position pos; call it for 1, 2, 3, ... in turn.
func (k *bank) next(pos batch.Offset) *batch.WriteBatch {
	b := batch.New(pos)
	touched := map[string]bool{}
	date := k.date(pos)
	if pos == 1 {
		for range k.cfg.accounts {
			touched[k.openAccount(10000+k.rng.Int64N(490000))] = true
		}
	} else if (pos-1)%batch.Offset(k.cfg.perDay) == 0 {
		// A new day: the end-of-day statement of the one before (large
		// enough for overflow pages), and the archiving of old transfers.
		prev := k.day(pos) - 1
		var stmt strings.Builder
		for _, a := range slices.Sorted(maps.Keys(k.balances)) {
			fmt.Fprintf(&stmt, "%s %s\n", a, cents(k.balances[a]))
		}
		b.Put(ledgerTable, []byte("close/"+demoEpoch.AddDate(0, 0, prev).Format(time.DateOnly)), []byte(stmt.String()))
		for _, tx := range k.txByDay[prev-k.cfg.keepDays+1] {
			b.Delete(transfersTable, []byte(tx))
			k.archived++
		}
		delete(k.txByDay, prev-k.cfg.keepDays+1)
		k.dayCount, k.dayCents = 0, 0
	}
	transfer := func(from, to string, amount int64, what string) {
		k.balances[from] -= amount
		k.balances[to] += amount
		touched[from], touched[to] = true, true
		k.nextTx++
		tx := fmt.Sprintf("tx-%07d", k.nextTx)
		b.Put(transfersTable, []byte(tx), []byte(fmt.Sprintf("%s -> %s %s %s%s", from, to, cents(amount), date, what)))
		k.txByDay[k.day(pos)] = append(k.txByDay[k.day(pos)], tx)
		k.transfers++
		k.dayCount++
		k.dayCents += amount
	}
	if pos > 1 {
		for range 1 + k.rng.IntN(4) {
			from, to := k.pick(), k.pick()
			if from == to || k.balances[from] < 100 {
				continue
			}
			transfer(from, to, 1+k.rng.Int64N(k.balances[from]/5), "")
		}
		if k.rng.IntN(60) == 0 && len(k.open) > k.cfg.accounts/4 {
			victim := k.pick()
			if victim != k.cfg.featured {
				heir := k.pick()
				for heir == victim {
					heir = k.pick()
				}
				if k.balances[victim] > 0 {
					transfer(victim, heir, k.balances[victim], " (account closed)")
				}
				k.closeAccount(victim)
				k.closures = append(k.closures, closure{victim, pos})
			}
		}
		if k.rng.IntN(50) == 0 {
			touched[k.openAccount(1000+k.rng.Int64N(100000))] = true
		}
	}
	for _, a := range slices.Sorted(maps.Keys(touched)) {
		if c, ok := k.balances[a]; ok {
			b.Put(accountsTable, []byte(a), []byte(cents(c)))
		} else {
			b.Delete(accountsTable, []byte(a))
		}
	}
	b.Put(ledgerTable, []byte("day/"+date), []byte(fmt.Sprintf("%d transfers, %s moved", k.dayCount, money(k.dayCents))))
	return b
}
