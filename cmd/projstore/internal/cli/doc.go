// Package cli implements the projstore command: every subcommand, its
// flags, its help text and its output. The command's main package only calls
// Run, so tests run commands in-process with their own standard streams.
//
// Conventions shared by every command:
//
//   - Flags may come before, between or after the positional arguments
//     ("--" ends the flags); -h or --help prints the command's usage, with
//     examples, to standard output.
//   - An error is one line on standard error, "projstore: <command>:
//     <message>". The exit status is 2 for a usage error (bad flag, wrong
//     number of arguments, an argument that does not parse) and 1 for a
//     failure (missing file, corruption, key not found, rejected batch).
//   - Commands that only read open the store read-only; none of them
//     creates a missing file.
//   - Keys on the command line are UTF-8, or "base64:" or "hex:" followed by
//     an encoding of any bytes. Output escapes bytes that are not printable
//     UTF-8 (\xNN, \n, \t), except where a format says otherwise (--raw,
//     json and csv use "base64:" for bytes that are not UTF-8).
//
// The history command lists every kept version of one key with
// store.History, which seeks the key's versions in the history tree.
package cli
