// Command projstore builds, inspects and repairs projstore stores: apply a
// log of write batches, read the state now or at any earlier position, list
// tables and keys, dump the state as a log, back up or compact a store, and
// check, inspect or recover the file. Run 'projstore help' for the commands;
// the implementation lives in internal/cli.
package main
