// Package scripts embeds the project's shell scripts so that the gridwatch binary can run
// them where the source tree is absent (e.g. `gridwatch demo` starting its own PostGIS).
package scripts

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	_ "embed"
)

//go:embed devdb
var devdb []byte

// StartDevDB runs the embedded devdb script: it installs PostgreSQL and PostGIS when
// missing, starts a local cluster whose state lives in stateDir, and returns its
// DATABASE_URL. The script's progress goes to stderr.
func StartDevDB(ctx context.Context, stateDir string) (string, error) {
	abs, err := filepath.Abs(stateDir)
	if err != nil {
		return "", err
	}
	f, err := os.CreateTemp("", "gridwatch-devdb-*.sh")
	if err != nil {
		return "", err
	}
	defer os.Remove(f.Name())
	if _, err := f.Write(devdb); err != nil {
		f.Close()
		return "", err
	}
	if err := f.Close(); err != nil {
		return "", err
	}
	cmd := exec.CommandContext(ctx, "bash", f.Name(), "start")
	cmd.Env = append(os.Environ(), "GRIDWATCH_DEVDB_DIR="+abs)
	cmd.Stderr = os.Stderr
	out, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("start the local PostGIS: %w", err)
	}
	url := strings.TrimSpace(string(out))
	if !strings.HasPrefix(url, "postgres://") {
		return "", fmt.Errorf("start the local PostGIS: unexpected output %q", url)
	}
	return url, nil
}
