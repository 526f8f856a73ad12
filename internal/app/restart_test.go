package app_test

import (
	"context"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gridwatch/gridwatch/internal/app"
)

// devdb runs scripts/devdb with its state in dir and returns its standard output.
func devdb(t *testing.T, dir string, args ...string) (string, error) {
	t.Helper()
	cmd := exec.Command("bash", append([]string{"../../scripts/devdb"}, args...)...)
	cmd.Env = append(os.Environ(), "GRIDWATCH_DEVDB_DIR="+dir)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Logf("devdb %v: %s", args, stderr.String())
	}
	return strings.TrimSpace(string(out)), err
}

// privateCluster starts a PostgreSQL cluster of the test's own (scripts/devdb with its
// state in a temporary folder), stopped and removed at cleanup, and returns the state
// folder and the URL. Under CI a failure to start it fails the test.
func privateCluster(t *testing.T) (dir, url string) {
	t.Helper()
	dir = t.TempDir()
	url, err := devdb(t, dir, "start")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("scripts/devdb start: %v", err)
		}
		t.Skipf("cannot start a private PostgreSQL here: %v", err)
	}
	t.Cleanup(func() {
		_, _ = devdb(t, dir, "stop")
		if target, err := filepath.EvalSymlinks(filepath.Join(dir, "cluster")); err == nil {
			_ = os.RemoveAll(target)
		}
	})
	return dir, url
}

// TestHealthzFollowsDatabaseCrash kills a PostgreSQL of the test's own while the server
// runs: /healthz must turn 503 and the server keep going, then recover by itself when
// PostgreSQL is back.
func TestHealthzFollowsDatabaseCrash(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a PostgreSQL cluster of its own")
	}
	dir, url := privateCluster(t)

	srv, err := app.Open(context.Background(), app.Config{DatabaseURL: url, Migrate: true})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	ts := httptest.NewServer(srv.Handler())
	defer ts.Close()
	e := &env{t: t, srv: srv, http: ts}

	if resp, body := e.do("GET", "/healthz", "", nil); resp.StatusCode != 200 {
		t.Fatalf("healthz before the crash = %d %s", resp.StatusCode, body)
	}
	if _, err := devdb(t, dir, "kill"); err != nil {
		t.Fatalf("devdb kill: %v", err)
	}
	resp, body := e.do("GET", "/healthz", "", nil)
	wantProblem(t, resp, body, 503, "unavailable")

	if _, err := devdb(t, dir, "start"); err != nil {
		t.Fatalf("devdb start again: %v", err)
	}
	deadline := time.Now().Add(15 * time.Second)
	for {
		resp, _ := e.do("GET", "/healthz", "", nil)
		if resp.StatusCode == 200 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("healthz still %d 15 s after PostgreSQL came back", resp.StatusCode)
		}
		time.Sleep(200 * time.Millisecond)
	}
}
