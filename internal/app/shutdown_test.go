package app

import (
	"context"
	"io"
	"net/http"
	"testing"
	"time"

	"github.com/gridwatch/gridwatch/internal/pgtest"
)

// TestServeFinishesInFlightRequests stops the server while a slow request runs: the
// request must complete and Serve must return cleanly.
func TestServeFinishesInFlightRequests(t *testing.T) {
	srv, err := Open(context.Background(), Config{Addr: "127.0.0.1:0", DatabaseURL: pgtest.NewDB(t)})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	started := make(chan struct{})
	srv.http.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		close(started)
		time.Sleep(300 * time.Millisecond)
		_, _ = io.WriteString(w, "finished")
	})
	if err := srv.Listen(); err != nil {
		t.Fatal(err)
	}
	ctx, stop := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ctx) }()

	type result struct {
		body string
		err  error
	}
	got := make(chan result, 1)
	go func() {
		resp, err := http.Get("http://" + srv.Addr().String() + "/slow")
		if err != nil {
			got <- result{err: err}
			return
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		got <- result{string(b), err}
	}()
	<-started
	stop()
	if r := <-got; r.err != nil || r.body != "finished" {
		t.Errorf("in-flight request: %q, %v; want it to finish", r.body, r.err)
	}
	if err := <-served; err != nil {
		t.Errorf("Serve = %v, want nil after a clean shutdown", err)
	}
	if _, err := http.Get("http://" + srv.Addr().String() + "/slow"); err == nil {
		t.Error("server still accepts connections after shutdown")
	}
}
