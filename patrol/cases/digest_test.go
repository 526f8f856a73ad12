package cases

import (
	"encoding/hex"
	"testing"
	"time"
)

// TestDigestKeepsOldChains holds the digest of an event without evidence to the value
// it had before evidence events existed (computed with that code), so that stored chains
// still verify, and checks that an evidence hash changes the digest.
func TestDigestKeepsOldChains(t *testing.T) {
	officer, lat, lon := "a1-1", 31.84, 120.22
	e := Event{CaseID: 7, Seq: 3, Type: EventArrive, Status: StatusOnSite, Actor: "officer11", ActorRole: "officer",
		Officer: &officer, Note: "到场", At: time.Date(2026, 5, 1, 8, 0, 0, 123456000, time.UTC), Lat: &lat, Lon: &lon}
	prev, _ := hex.DecodeString("5f1c3a2e9c5b8f7d6e4a3b2c1d0e9f8a7b6c5d4e3f2a1b0c9d8e7f6a5b4c3d2e")
	const want = "85ede0e79334cdcb1eac30dea6290b90da5f69adfa5bede3396a0a8053fcdeb8"
	if got := hex.EncodeToString(Digest(prev, e)); got != want {
		t.Errorf("Digest(event without evidence) = %s, want %s (the digest of existing chains)", got, want)
	}
	sum := "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
	e.Evidence = &sum
	with := hex.EncodeToString(Digest(prev, e))
	other := "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b856"
	e.Evidence = &other
	if with == want || with == hex.EncodeToString(Digest(prev, e)) {
		t.Errorf("the evidence hash does not change the digest")
	}
}
