package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"sync"
	"time"

	"github.com/gridwatch/gridwatch/internal/app"
	"github.com/gridwatch/gridwatch/internal/auth"
	"github.com/gridwatch/gridwatch/internal/demo"
	"github.com/gridwatch/gridwatch/internal/demo/live"
	"github.com/gridwatch/gridwatch/patrol/roads"
)

// demoTokenName names the admin token that each demo run creates (and the next revokes).
const demoTokenName = "demo-admin"

func demoCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("demo", stderr)
	addr := addrFlag(fs)
	database := localDBFlags(fs)
	alive := fs.Bool("live", true, "keep the demo city alive: ~300 phones sending fixes, hotline cases, an SOS, a wanderer, a silent phone")
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
	var phones []live.Phone
	if *alive {
		if phones, err = live.Prepare(ctx, live.Stores{Grid: srv.Grid, Officers: srv.Officers, Tokens: srv.Tokens}); err != nil {
			return err
		}
	}
	if err := srv.Listen(); err != nil {
		return err
	}
	url := baseURL(srv.Addr())
	fmt.Fprintf(stdout, "Gridwatch demo is up.\n  URL:          %s\n  DATABASE_URL: %s\n  admin token:  %s\n", url, db, token)
	if *alive {
		fmt.Fprintf(stdout, "  live:         %d phones on shift (%d OsmAnd), hotline cases; --live=false stops them\n",
			len(phones), osmandPhones(phones))
	}
	fmt.Fprintln(stdout, "Stop with Ctrl-C.")
	simCtx, stopSim := context.WithCancel(ctx)
	var sim sync.WaitGroup
	if *alive {
		sim.Add(1)
		go func() {
			defer sim.Done()
			n, err := live.Run(simCtx, live.Config{BaseURL: url, AdminToken: token, Phones: phones,
				Options: live.Options{Seed: uint64(demo.DefaultSeed)}})
			if err != nil {
				slog.Error("live demo", "err", err)
			}
			slog.Info("live demo stopped", "json_fixes", n.JSONFixes, "osmand_fixes", n.OsmAndFixes, "cases", n.Cases, "failed", n.Failed)
		}()
	}
	err = srv.Serve(ctx)
	stopSim()
	sim.Wait()
	return err
}

// osmandPhones counts the phones that send through the OsmAnd protocol.
func osmandPhones(phones []live.Phone) int {
	n := 0
	for _, p := range phones {
		if p.OsmAnd {
			n++
		}
	}
	return n
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
