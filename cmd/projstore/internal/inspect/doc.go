// Package inspect reads a projstore file page by page, without the store,
// for the `projstore pages` and `projstore page` debugging commands. It
// opens the file read-only and trusts nothing it reads: a page that fails
// page.Verify is still described, with every length bounds-checked, so a
// damaged file can be looked at as easily as a sound one.
//
// It knows the page layout (package page), the superblock (package
// superblock) and the B+tree cell layouts documented in package btree;
// it does not know what the trees mean, so leaf keys are shown as stored
// (DescribeOptions.History splits the version suffix of history keys).
package inspect
