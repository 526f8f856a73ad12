package apptest

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"testing"
)

// Client sends requests to a test server, each with the bearer token of a name.
type Client struct {
	TB     testing.TB
	URL    string            // the server's base URL
	Tokens map[string]string // token by name
}

// Do sends body (JSON-encoded when not nil) with the named token and returns the status
// and the raw answer; a 2xx answer is also decoded into out when out is not nil.
func (c Client) Do(method, path, who string, body, out any) (int, []byte) {
	c.TB.Helper()
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			c.TB.Fatal(err)
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, c.URL+path, rd)
	if err != nil {
		c.TB.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+c.Tokens[who])
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		c.TB.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if out != nil && resp.StatusCode < 300 {
		if err := json.Unmarshal(raw, out); err != nil {
			c.TB.Fatalf("%s %s: %v: %s", method, path, err, raw)
		}
	}
	return resp.StatusCode, raw
}
