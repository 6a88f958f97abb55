// The peer of the differential test: np-guard's netpol-analyzer (command netpolicy).
// test/differential/install-peer.mjs builds it from this module; the version here is the one used.
module netpolinspector.test/differential/peer

go 1.23.0

require github.com/np-guard/netpol-analyzer v1.4.4
