// Package cli implements the projstore command: every subcommand, its
// flags, its help text and its output. The command's main package only calls
// Run, so tests run commands in-process with their own standard streams.
//
// Conventions shared by every command:
//
//   - Flags may come before, between or after the positional arguments
//     ("--" ends the flags, so an argument starting with '-' goes after
//     it); -h or --help prints the command's usage, with examples, to
//     standard output.
//   - An error is one line on standard error, "projstore: <command>:
//     <message>". The exit status is 2 for a usage error (bad flag, wrong
//     number of arguments, an argument that does not parse), 1 for a
//     failure (missing file, corruption, key not found, rejected batch),
//     and 130 when an interrupt cancelled the command's context (Run
//     cancels it on SIGINT and SIGTERM for the commands marked
//     interruptible, which stop cleanly; the others keep the signals'
//     default. RunContext takes the context from tests).
//   - Commands that only read open the store read-only; none of them
//     creates a missing file. Every command that opens a store has
//     --timeout, how long to wait while another process holds it.
//   - Every command that prints data or figures has --format json: keys in
//     snake_case, digests as "0x" strings, rows one object per line with
//     the position they were read at (format.go).
//   - Keys on the command line are UTF-8, or "base64:" or "hex:" followed by
//     an encoding of any bytes. Output escapes bytes that are not printable
//     UTF-8 (\xNN, \n, \t), except where a format says otherwise (--raw,
//     json and csv use "base64:" for bytes that are not UTF-8).
//
// The history command lists every kept version of one key with
// store.History, which seeks the key's versions in the history tree.
package cli
