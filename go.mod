module github.com/projstore/projstore

go 1.25.0

require (
	github.com/cespare/xxhash/v2 v2.3.0
	github.com/hashicorp/golang-lru/v2 v2.0.7
	golang.org/x/sys v0.47.0
	pgregory.net/rapid v1.3.0
)
