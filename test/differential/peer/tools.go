//go:build tools

// Package peer only pins the netpol-analyzer module; nothing here is compiled into a program.
// The build tag keeps `go mod tidy` from dropping the requirement.
package peer

import _ "github.com/np-guard/netpol-analyzer/cmd/netpolicy"
