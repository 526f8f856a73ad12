package position

import "github.com/gridwatch/gridwatch/patrol/ingest"

// Fix returns the fix as the device sent it, after datum conversion: its readings, its
// mock flag and its alarm, for consumers of stored positions (alerts). A Stored that
// came from another instance has only Officer, Time and Point.
func (s Stored) Fix() ingest.Fix { return s.fix }

// Cell returns the H3 cell of the fix (0 for a Stored from another instance).
func (s Stored) Cell() int64 { return s.cell }
