package main

import (
	"context"
	"fmt"
	"io"
	"net"
	"os"
	"time"

	"github.com/gridwatch/gridwatch/internal/app"
	"github.com/gridwatch/gridwatch/internal/auth"
	"github.com/gridwatch/gridwatch/internal/demo"
	"github.com/gridwatch/gridwatch/patrol/roads"
)

// demoTokenName names the admin token that each demo run creates (and the next revokes).
const demoTokenName = "demo-admin"

func demoCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("demo", stderr)
	addr := addrFlag(fs)
	database := localDBFlags(fs)
	if err := parse(fs, args, 0); err != nil {
		return err
	}
	db, err := database.URL(ctx)
	if err != nil {
		return err
	}
	srv, err := app.Open(ctx, app.Config{Addr: *addr, DatabaseURL: db, Migrate: true})
	if err != nil {
		return err
	}
	defer srv.Close()
	if err := demo.Load(ctx, srv.Grid, demo.DefaultSeed, 0); err != nil {
		return err
	}
	patrols := demo.Patrol{Grid: srv.Grid, Officers: srv.Officers, Positions: srv.Positions}
	if err := demo.LoadPatrols(ctx, patrols, demo.DefaultSeed, time.Now()); err != nil {
		return err
	}
	if err := demo.LoadPowers(ctx, srv.Grid, srv.Powers); err != nil {
		return err
	}
	if _, err := demo.LoadCases(ctx, srv.Grid, srv.Officers, srv.Cases, srv.Powers, demo.DefaultSeed, time.Now()); err != nil {
		return err
	}
	streets, err := demo.LoadRoads(ctx, roads.NewStore(srv.DB), demo.DefaultSeed)
	if err != nil {
		return err
	}
	if !streets.Routing {
		fmt.Fprintln(stderr, "gridwatch: pgRouting is not installed: plans will use straight lines, not the demo streets")
	}
	token, err := demoToken(ctx, srv.Tokens)
	if err != nil {
		return err
	}
	if err := srv.Listen(); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "Gridwatch demo is up.\n  URL:          %s\n  DATABASE_URL: %s\n  admin token:  %s\nStop with Ctrl-C.\n",
		baseURL(srv.Addr()), db, token)
	return srv.Serve(ctx)
}

// demoToken revokes the admin tokens of earlier demo runs and creates a new one.
func demoToken(ctx context.Context, tokens *auth.Store) (string, error) {
	list, err := tokens.List(ctx)
	if err != nil {
		return "", err
	}
	for _, t := range list {
		if t.Name == demoTokenName && t.RevokedAt == nil {
			if err := tokens.Revoke(ctx, t.TokenID); err != nil {
				return "", err
			}
		}
	}
	token, _, err := tokens.Create(ctx, auth.TokenSpec{Name: demoTokenName, Role: auth.Admin})
	return token, err
}

// baseURL turns a listening address into a URL a browser on this machine can open.
func baseURL(a net.Addr) string {
	tcp, ok := a.(*net.TCPAddr)
	if !ok || tcp.IP.IsUnspecified() || tcp.IP.IsLoopback() {
		port := 0
		if ok {
			port = tcp.Port
		}
		return fmt.Sprintf("http://localhost:%d/", port)
	}
	return fmt.Sprintf("http://%s/", a.String())
}

func envOr(key, def string) string {
	if v := os.Getenv(key); v != "" {
		return v
	}
	return def
}
