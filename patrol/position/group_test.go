package position_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"math/rand/v2"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/paulmach/orb"

	"github.com/gridwatch/gridwatch/patrol/position"
)

// groupLog records the group transactions of a Store.
type groupLog struct {
	mu   sync.Mutex
	runs []position.GroupRun
}

func (l *groupLog) observe(r position.GroupRun) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.runs = append(l.runs, r)
}

func (l *groupLog) largest() (requests int, retried bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, r := range l.runs {
		requests = max(requests, r.Requests)
		retried = retried || r.Retried
	}
	return requests, retried
}

// TestGroupCommitAnswersEachRequest sends many small requests at once, two senders per
// officer, with bad and repeated fixes among them: each request gets the answer it
// would get alone, everything is stored once, and coverage still equals a recomputation
// from the stored fixes.
func TestGroupCommitAnswersEachRequest(t *testing.T) {
	c := newCity(t)
	var log groupLog
	c.srv.Positions.SetGroupCommit(position.GroupConfig{Window: 20 * time.Millisecond}, log.observe)
	officers := []string{"o1", "o2", "o3"}
	const perOfficer = 150
	rng := rand.New(rand.NewPCG(18, 18))
	tracks := map[string][]fix{}
	for _, id := range officers {
		p := orb.Point{120.25, 31.84}
		tm := now.Add(-6 * time.Hour)
		for range perOfficer {
			tm = tm.Add(time.Duration(5+rng.IntN(10)) * time.Second)
			p = orb.Point{p[0] + (rng.Float64()-0.5)*0.0008, p[1] + (rng.Float64()-0.5)*0.0008}
			tracks[id] = append(tracks[id], fix{Officer: id, Time: tm.Format(time.RFC3339Nano), Lat: p[1], Lon: p[0]})
		}
	}
	var wg sync.WaitGroup
	for _, id := range officers {
		for sender := range 2 {
			seed := uint64(len(id)*10 + sender)
			wg.Add(1)
			go func() {
				defer wg.Done()
				rng := rand.New(rand.NewPCG(seed, 1))
				var mine []fix
				for i := sender; i < perOfficer; i += 2 {
					mine = append(mine, tracks[id][i])
				}
				for i := 0; i < len(mine); {
					n := 1 + rng.IntN(3)
					req := mine[i:min(i+n, len(mine))]
					i += n
					bad := -1
					if rng.IntN(4) == 0 { // a fix off the globe: rejected, never failing the others
						bad = len(req)
						req = append(req[:len(req):len(req)], fix{Officer: id, Time: req[0].Time, Lat: 91, Lon: 120.25})
					}
					resend := i > 3 && rng.IntN(4) == 0 // a fix sent before: a duplicate
					if resend {
						req = append(req[:len(req):len(req)], mine[0])
					}
					a := c.postConcurrent(c.device[id], req)
					if a == nil {
						return
					}
					wantRejected := 0
					if bad >= 0 {
						wantRejected = 1
						if len(a.Rejected) != 1 || a.Rejected[0].Index != bad || a.Rejected[0].Code != "invalid_coordinates" {
							t.Errorf("%s: rejected %+v, want item %d invalid_coordinates", id, a.Rejected, bad)
						}
					}
					if a.Accepted+a.Duplicates+len(a.Rejected) != len(req) || len(a.Rejected) != wantRejected || (resend && a.Duplicates < 1) {
						t.Errorf("%s: answer %+v to %d fixes (bad %d, resend %v)", id, a, len(req), bad, resend)
					}
				}
			}()
		}
	}
	wg.Wait()
	if n := c.count("SELECT count(*) FROM positions"); n != perOfficer*len(officers) {
		t.Errorf("%d positions stored, want %d", n, perOfficer*len(officers))
	}
	c.checkCoverage(officers)
	if n, _ := log.largest(); n < 2 {
		t.Errorf("the largest group held %d requests: no request was grouped", n)
	}
}

// postConcurrent is post for a goroutine other than the test's: it reports failures
// with Errorf and returns nil.
func (c *city) postConcurrent(token string, fixes []fix) *answer {
	body, _ := json.Marshal(map[string]any{"positions": fixes})
	code, raw := c.doConcurrent(token, body)
	if code != http.StatusOK {
		c.t.Errorf("POST /positions = %d %s", code, raw)
		return nil
	}
	var a answer
	if err := json.Unmarshal(raw, &a); err != nil {
		c.t.Error(err)
		return nil
	}
	return &a
}

func (c *city) doConcurrent(token string, body []byte) (int, []byte) {
	req, _ := http.NewRequest("POST", c.http.URL+"/api/v1/positions", bytes.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, []byte(err.Error())
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b
}

// TestGroupCommitFailureFailsOnlyItsRequest: when the shared transaction fails because
// of one request's fixes, the others are committed all the same, each alone.
func TestGroupCommitFailureFailsOnlyItsRequest(t *testing.T) {
	c := newCity(t)
	var log groupLog
	c.srv.Positions.SetGroupCommit(position.GroupConfig{Window: 100 * time.Millisecond}, log.observe)
	ctx := context.Background()
	// Officer o3's fixes break any transaction they are in.
	for _, sql := range []string{
		`CREATE FUNCTION refuse_o3() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'o3 refused'; END $$`,
		`CREATE TRIGGER refuse_o3 BEFORE INSERT ON positions FOR EACH ROW WHEN (NEW.officer = 'o3') EXECUTE FUNCTION refuse_o3()`,
	} {
		if _, err := c.srv.DB.Exec(ctx, sql); err != nil {
			t.Fatal(err)
		}
	}
	codes := map[string]int{}
	var mu sync.Mutex
	var wg sync.WaitGroup
	for _, id := range []string{"o1", "o2", "o3"} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			body, _ := json.Marshal(map[string]any{"positions": []fix{{Officer: id, Time: at(0), Lat: 31.84, Lon: 120.25}}})
			code, _ := c.doConcurrent(c.device[id], body)
			mu.Lock()
			codes[id] = code
			mu.Unlock()
		}()
	}
	wg.Wait()
	if codes["o1"] != 200 || codes["o2"] != 200 || codes["o3"] == 200 {
		t.Errorf("answers %v, want o1 and o2 200 and o3 an error", codes)
	}
	if n := c.count("SELECT count(*) FROM positions"); n != 2 {
		t.Errorf("%d positions stored, want 2 (o1's and o2's)", n)
	}
	if n, retried := log.largest(); n < 2 || !retried {
		t.Errorf("largest group %d requests, retried %v: want a shared transaction that failed and was retried", n, retried)
	}
}
