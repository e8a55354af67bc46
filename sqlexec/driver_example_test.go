package sqlexec_test

import (
	"database/sql"
	"fmt"
	"log"
	"os"
	"path/filepath"

	_ "github.com/projstore/projstore/sqlexec" // registers the driver "projstore"
)

// Importing sqlexec registers the database/sql driver "projstore". Each
// write statement is one batch of the store's log, so a query can read a
// table as of any earlier position; "path?as_of=N" opens a read-only view
// of the whole database at N.
func Example_driver() {
	dir, err := os.MkdirTemp("", "projstore-example")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "shop.db")

	db, err := sql.Open("projstore", path) // created if missing
	if err != nil {
		log.Fatal(err)
	}
	defer db.Close()
	for _, q := range []string{
		"CREATE TABLE stock(item TEXT PRIMARY KEY, qty INTEGER)", // position 1
		"INSERT INTO stock VALUES ('apple', 5), ('pear', 2)",     // position 2
	} {
		if _, err := db.Exec(q); err != nil {
			log.Fatal(err)
		}
	}
	// position 3
	if _, err := db.Exec("UPDATE stock SET qty = qty - 1 WHERE item = :item", sql.Named("item", "apple")); err != nil {
		log.Fatal(err)
	}
	rows, err := db.Query("SELECT item, qty FROM stock FOR SYSTEM_TIME AS OF OFFSET ? ORDER BY item", 2)
	if err != nil {
		log.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var item string
		var qty int64
		if err := rows.Scan(&item, &qty); err != nil {
			log.Fatal(err)
		}
		fmt.Println("at 2:", item, qty)
	}
	var qty int64
	if err := db.QueryRow("SELECT qty FROM stock WHERE item = 'apple'").Scan(&qty); err != nil {
		log.Fatal(err)
	}
	fmt.Println("now: apple", qty)
	// Output:
	// at 2: apple 5
	// at 2: pear 2
	// now: apple 4
}
