package live

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Config is what [Run] needs: the server to talk to and the phones to simulate.
type Config struct {
	// BaseURL is the server's root, such as http://localhost:8080 (no trailing slash needed).
	BaseURL string
	// AdminToken files the hotline's cases (the hotline's system would hold a reporter
	// token; the demo has the admin's at hand).
	AdminToken string
	Phones     []Phone
	Options    Options
	// Tick is how often the simulation looks at the clock. Default 1 s.
	Tick time.Duration
	// Client sends the requests. Default: a client with a 10 s timeout.
	Client *http.Client
	// Now is the clock; default time.Now.
	Now func() time.Time
}

// Counts tells what a run sent and how the server answered.
type Counts struct {
	JSONFixes, OsmAndFixes, Cases, Failed int
}

// Run drives the simulation until ctx ends, sending each due fix and case as its own
// request in one goroutine, so a slow server slows the phones rather than piling up
// requests. It returns what it sent once ctx is done; a failed request is logged and
// counted, never fatal.
func Run(ctx context.Context, cfg Config) (Counts, error) {
	var n Counts
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Tick <= 0 {
		cfg.Tick = time.Second
	}
	if cfg.Client == nil {
		cfg.Client = &http.Client{Timeout: 10 * time.Second}
	}
	cfg.BaseURL = strings.TrimRight(cfg.BaseURL, "/")
	sim, err := NewSim(cfg.Phones, cfg.Now(), cfg.Options)
	if err != nil {
		return n, err
	}
	tick := time.NewTicker(cfg.Tick)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return n, nil
		case <-tick.C:
		}
		fixes, cases := sim.Due(cfg.Now())
		for _, f := range fixes {
			if ctx.Err() != nil {
				return n, nil
			}
			p := cfg.Phones[f.Phone]
			var err error
			if p.OsmAnd {
				err = sendOsmAnd(ctx, cfg, p, f)
			} else {
				err = sendJSON(ctx, cfg, p, f)
			}
			if err != nil && ctx.Err() != nil {
				return n, nil // cut off by the end of the run: not a failure
			}
			switch {
			case err != nil:
				n.Failed++
				slog.WarnContext(ctx, "live demo: fix not sent", "officer", p.Officer, "err", err)
			case p.OsmAnd:
				n.OsmAndFixes++
			default:
				n.JSONFixes++
			}
			if f.Alarm != "" && err == nil {
				slog.InfoContext(ctx, "live demo: SOS pressed", "officer", p.Officer)
			}
		}
		for _, c := range cases {
			if ctx.Err() != nil {
				return n, nil
			}
			if err := sendCase(ctx, cfg, c); err != nil {
				if ctx.Err() != nil {
					return n, nil
				}
				n.Failed++
				slog.WarnContext(ctx, "live demo: case not filed", "err", err)
				continue
			}
			n.Cases++
		}
	}
}

// sendOsmAnd sends a fix as Traccar Client does: GET /osmand/{key} with query parameters.
func sendOsmAnd(ctx context.Context, cfg Config, p Phone, f Fix) error {
	q := url.Values{
		"id":        {p.DeviceID},
		"lat":       {strconv.FormatFloat(f.Point[1], 'f', 6, 64)},
		"lon":       {strconv.FormatFloat(f.Point[0], 'f', 6, 64)},
		"timestamp": {strconv.FormatInt(f.Time.Unix(), 10)},
		"accuracy":  {"8"},
	}
	if f.Alarm != "" {
		q.Set("alarm", f.Alarm)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, cfg.BaseURL+"/osmand/"+url.PathEscape(p.Token)+"?"+q.Encode(), nil)
	if err != nil {
		return err
	}
	_, err = do(cfg.Client, req)
	return err
}

// sendJSON posts a fix as a one-item batch with the phone's device token.
func sendJSON(ctx context.Context, cfg Config, p Phone, f Fix) error {
	type item struct {
		Officer  string  `json:"officer"`
		Time     string  `json:"time"`
		Lat      float64 `json:"lat"`
		Lon      float64 `json:"lon"`
		Accuracy float64 `json:"accuracy"`
	}
	body := map[string][]item{"positions": {{Officer: p.Officer, Time: f.Time.UTC().Format(time.RFC3339Nano),
		Lat: f.Point[1], Lon: f.Point[0], Accuracy: 8}}}
	answer, err := postJSON(ctx, cfg, "/api/v1/positions", p.Token, body)
	if err != nil {
		return err
	}
	// A refused fix is answered 200 with its reason: a fix the server did not take is a failure here.
	var res struct {
		Rejected []struct {
			Code    string `json:"code"`
			Message string `json:"message"`
		} `json:"rejected"`
	}
	if err := json.Unmarshal(answer, &res); err != nil {
		return fmt.Errorf("positions answer: %w", err)
	}
	if len(res.Rejected) > 0 {
		return fmt.Errorf("fix rejected: %s: %s", res.Rejected[0].Code, res.Rejected[0].Message)
	}
	return nil
}

// sendCase files a hotline case at the case's point.
func sendCase(ctx context.Context, cfg Config, c Case) error {
	body := map[string]any{"sector": "urban_management", "title": "12345热线市民来电",
		"description": "12345热线市民来电反映:门店占道经营,影响通行。", "lat": c.Point[1], "lon": c.Point[0],
		"source": "hotline_12345", "reported_at": c.Time.UTC().Format(time.RFC3339)}
	_, err := postJSON(ctx, cfg, "/api/v1/cases", cfg.AdminToken, body)
	return err
}

// postJSON posts body as JSON with a bearer token and returns the answer's body.
func postJSON(ctx context.Context, cfg Config, path, token string, body any) ([]byte, error) {
	b, err := json.Marshal(body)
	if err != nil {
		return nil, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, cfg.BaseURL+path, bytes.NewReader(b))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+token)
	return do(cfg.Client, req)
}

// do sends req and returns the answer's body (its first 64 KiB), or an error carrying
// the body's start for an answer other than 2xx.
func do(c *http.Client, req *http.Request) ([]byte, error) {
	resp, err := c.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	msg, err := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	if resp.StatusCode/100 != 2 {
		return nil, fmt.Errorf("%s %s: %s: %.512s", req.Method, req.URL.Path, resp.Status, bytes.TrimSpace(msg))
	}
	return msg, err
}
