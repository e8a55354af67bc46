//go:build !(linux || darwin || dragonfly || freebsd || netbsd || openbsd)

package cli

// isTerminalFd reports false where there is no termios: no progress bar.
func isTerminalFd(int) bool { return false }
