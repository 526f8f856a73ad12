package bench

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gridwatch/gridwatch/patrol/position"
)

// device takes a fix every interval from its walk, whatever happens to the network, and
// sends what is not yet acknowledged, one request at a time as a phone does: fixes taken
// while a request is under way go together in the next one. A device whose buffer is
// full forgets its oldest fix. Requests use ctx, so the last ones finish after loop ends.
func (r *soakRun) device(ctx, loop context.Context, client *http.Client, d *soakDevice, offset time.Duration) {
	next := time.Now().Add(offset)
	for {
		select {
		case <-loop.Done():
			return
		case <-time.After(time.Until(next)):
		}
		for now := time.Now(); !next.After(now); next = next.Add(r.opt.Interval) {
			p, speed := d.walk.step(r.opt.Interval)
			at := next.UTC().Truncate(time.Millisecond)
			d.pending = append(d.pending, genFix{Officer: d.officer, Time: at.Format(time.RFC3339Nano), Lat: p[1], Lon: p[0],
				Accuracy: 4 + 12*d.walk.rng.Float64(), Speed: speed, t: at})
			r.taken.Add(1)
			if len(d.pending) > devicePendingMax {
				d.pending = d.pending[1:]
				r.dropped.Add(1)
			}
		}
		if d.osmand {
			r.sendOsmAnd(ctx, client, d)
		} else {
			r.sendBatch(ctx, client, d)
		}
	}
}

// sendBatch posts the device's pending fixes to /api/v1/positions with its own token.
func (r *soakRun) sendBatch(ctx context.Context, client *http.Client, d *soakDevice) {
	body, err := json.Marshal(map[string]any{"positions": d.pending})
	if err != nil {
		panic(err) // plain structs of strings and numbers
	}
	h := http.Header{"Authorization": {"Bearer " + d.token}, "Content-Type": {"application/json"}}
	status, answer, took, err := r.do(ctx, client, http.MethodPost, r.base+"/api/v1/positions", h, body)
	if err != nil || status != http.StatusOK {
		r.rec.observe(groupPositions, took, status, failure(err, status, answer))
		return // the fixes stay pending: the next request carries them again
	}
	var res position.Result
	if err := json.Unmarshal(answer, &res); err != nil {
		r.rec.observe(groupPositions, took, status, "undecodable answer: "+err.Error())
		return
	}
	msg := ""
	if len(res.Rejected) > 0 {
		msg = fmt.Sprintf("fix rejected: %s: %s", res.Rejected[0].Code, res.Rejected[0].Message)
		r.rejected.Add(int64(len(res.Rejected)))
		r.rejMu.Lock()
		for _, rej := range res.Rejected {
			r.rejectedCodes[string(rej.Code)]++
		}
		r.rejMu.Unlock()
	}
	r.rec.observe(groupPositions, took, status, msg)
	// A duplicate is a pending fix that an earlier request stored although its answer
	// never arrived (a client timeout): the server has it, so this answer acknowledges it.
	r.acked.Add(int64(res.Accepted + res.Duplicates))
	r.ackedIn[d.township].Add(int64(res.Accepted + res.Duplicates))
	r.duplicates.Add(int64(res.Duplicates))
	d.pending = d.pending[:0]
}

// sendOsmAnd sends the device's pending fixes one request each, oldest first, as Traccar
// Client does, stopping at the first failure.
func (r *soakRun) sendOsmAnd(ctx context.Context, client *http.Client, d *soakDevice) {
	for len(d.pending) > 0 {
		f := d.pending[0]
		q := url.Values{
			"id":        {d.deviceID},
			"lat":       {strconv.FormatFloat(f.Lat, 'f', 7, 64)},
			"lon":       {strconv.FormatFloat(f.Lon, 'f', 7, 64)},
			"timestamp": {strconv.FormatInt(f.t.UnixMilli(), 10)},
			"speed":     {strconv.FormatFloat(f.Speed*3600/1852, 'f', 2, 64)}, // knots
			"accuracy":  {strconv.FormatFloat(f.Accuracy, 'f', 1, 64)},
		}
		status, answer, took, err := r.do(ctx, client, http.MethodPost, r.base+"/osmand/"+d.token+"?"+q.Encode(), nil, nil)
		if err != nil || status != http.StatusOK {
			r.rec.observe(groupOsmAnd, took, status, failure(err, status, answer))
			return
		}
		r.rec.observe(groupOsmAnd, took, status, "")
		r.acked.Add(1)
		r.ackedIn[d.township].Add(1)
		d.pending = d.pending[1:]
	}
}

// do sends one request and reads the whole answer; it returns the status (0 for no
// answer), the body, and the time to the end of the body.
func (r *soakRun) do(ctx context.Context, client *http.Client, method, u string, h http.Header, body []byte) (int, []byte, time.Duration, error) {
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, u, rd)
	if err != nil {
		return 0, nil, 0, err
	}
	if h != nil {
		req.Header = h
	}
	start := time.Now()
	resp, err := client.Do(req)
	if err != nil {
		return 0, nil, time.Since(start), err
	}
	defer resp.Body.Close()
	answer, err := io.ReadAll(resp.Body)
	return resp.StatusCode, answer, time.Since(start), err
}

// failure describes a failed request.
func failure(err error, status int, answer []byte) string {
	if err != nil {
		return err.Error()
	}
	return fmt.Sprintf("%d %s", status, strings.TrimSpace(string(answer[:min(len(answer), 300)])))
}

// wall fetches its viewport every WallRefresh, revalidating the tiles it holds with
// their ETags, until loop ends.
func (r *soakRun) wall(ctx, loop context.Context, client *http.Client, w *soakWall, offset time.Duration) {
	defer client.CloseIdleConnections()
	select {
	case <-loop.Done():
		return
	case <-time.After(offset):
	}
	tick := time.NewTicker(r.opt.WallRefresh)
	defer tick.Stop()
	var mu sync.Mutex // guards w.etags
	for {
		next := atomic.Int64{}
		var wg sync.WaitGroup
		for range wallFetchers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for {
					i := int(next.Add(1) - 1)
					if i >= len(w.urls) || loop.Err() != nil {
						return
					}
					u := w.urls[i]
					h := http.Header{"Authorization": {"Bearer " + w.token}, "Accept-Encoding": {"gzip"}}
					mu.Lock()
					if tag := w.etags[u]; tag != "" {
						h.Set("If-None-Match", tag)
					}
					mu.Unlock()
					status, tag, took, err := r.fetchTile(ctx, client, r.base+u, h)
					switch {
					case err != nil:
						r.rec.observe(w.group[i], took, status, err.Error())
					case status == http.StatusOK || status == http.StatusNoContent || status == http.StatusNotModified:
						r.rec.observe(w.group[i], took, status, "")
						if status != http.StatusNotModified {
							mu.Lock()
							w.etags[u] = tag
							mu.Unlock()
						}
					default:
						r.rec.observe(w.group[i], took, status, fmt.Sprintf("GET %s: %d", u, status))
					}
				}
			}()
		}
		wg.Wait()
		select {
		case <-loop.Done():
			return
		case <-tick.C:
		}
	}
}

// fetchTile requests one tile and reads the body; it returns the status and the ETag.
func (r *soakRun) fetchTile(ctx context.Context, client *http.Client, u string, h http.Header) (int, string, time.Duration, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return 0, "", 0, err
	}
	req.Header = h
	start := time.Now()
	resp, err := client.Do(req)
	if err != nil {
		return 0, "", time.Since(start), err
	}
	defer resp.Body.Close()
	_, err = io.Copy(io.Discard, resp.Body)
	return resp.StatusCode, resp.Header.Get("ETag"), time.Since(start), err
}

// follow holds wall w's live feed, counting position events, until ctx ends; a feed
// that ends early (the server dropped a slow client) is opened again. The first
// successful connection is signalled on connected.
func (r *soakRun) follow(ctx context.Context, client *http.Client, w *soakWall, connected chan<- struct{}) {
	first := true
	for ctx.Err() == nil {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, r.base+"/api/v1/live", nil)
		if err != nil {
			return
		}
		req.Header.Set("Authorization", "Bearer "+w.token)
		req.Header.Set("Accept", "text/event-stream")
		start := time.Now()
		resp, err := client.Do(req)
		took := time.Since(start)
		if ctx.Err() != nil {
			return
		}
		if err != nil || resp.StatusCode != http.StatusOK {
			status := 0
			var body []byte
			if resp != nil {
				status = resp.StatusCode
				body, _ = io.ReadAll(io.LimitReader(resp.Body, 300))
				resp.Body.Close()
			}
			r.rec.observe(groupLive, took, status, failure(err, status, body))
			time.Sleep(time.Second)
			continue
		}
		r.rec.observe(groupLive, took, resp.StatusCode, "")
		if first {
			first = false
			connected <- struct{}{}
		}
		br := bufio.NewReader(resp.Body)
		for {
			line, err := br.ReadSlice('\n')
			if err != nil && !errors.Is(err, bufio.ErrBufferFull) {
				break
			}
			if bytes.Equal(line, []byte("event: position\n")) {
				w.events.Add(1)
			}
		}
		resp.Body.Close()
		if ctx.Err() == nil {
			w.drops.Add(1)
		}
	}
}

// analyst sends an analytics query every AnalystEvery until loop ends, going round the
// kinds of query, each township one picked at random.
func (r *soakRun) analyst(ctx, loop context.Context, client *http.Client, token string, n int, offset time.Duration) {
	select {
	case <-loop.Done():
		return
	case <-time.After(offset):
	}
	rng := rand.New(rand.NewPCG(r.opt.Seed, uint64(n)+1_000_000))
	tick := time.NewTicker(r.opt.AnalystEvery)
	defer tick.Stop()
	for k := n; ; k++ {
		q := analystQueries[k%len(analystQueries)]
		path := q.path
		if q.township {
			path += url.QueryEscape(r.townships[rng.IntN(len(r.townships))].code)
		}
		h := http.Header{"Authorization": {"Bearer " + token}}
		status, answer, took, err := r.do(ctx, client, http.MethodGet, r.base+path, h, nil)
		msg := ""
		if err != nil || status != http.StatusOK {
			msg = failure(err, status, answer)
		}
		r.rec.observe(q.group, took, status, msg)
		select {
		case <-loop.Done():
			return
		case <-tick.C:
		}
	}
}
