// Package pgcluster creates and drops databases on every node of the server a URL names:
// that server alone, or when its database has the citus extension, a Citus coordinator
// and its workers. Tests (internal/pgtest) and benchmarks (internal/bench) get their
// scratch databases through it, laid out on the cluster like a real one.
package pgcluster

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// Cluster is the set of servers a database lives on: the one of a URL, and when that is
// a Citus coordinator (scripts/citus), its workers too. A Citus database exists on every
// node under the same name, each with the citus and postgis extensions; the coordinator's
// holds the metadata, the workers' the shards. Cloning a template on every node clones
// the shards with the metadata that names them, so a test database on Citus costs what
// it costs on one node. The workers must accept the coordinator's credentials
// (scripts/citus gives every node the same).
type Cluster struct {
	urls []string // the coordinator (or the single node) first
	// coordinator's host and port as the workers reach it; empty on a single node.
	host string
	port int
}

// Of returns the cluster behind base, read on admin (a connection to base) from Citus'
// node list when base's database has the citus extension.
func Of(ctx context.Context, admin *pgx.Conn, base string) (*Cluster, error) {
	c := &Cluster{urls: []string{base}}
	var citus bool
	if err := admin.QueryRow(ctx, "SELECT EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'citus')").Scan(&citus); err != nil || !citus {
		return c, err
	}
	u, err := url.Parse(base)
	if err != nil || u.Scheme == "" {
		return nil, errors.New("a Citus coordinator's DATABASE_URL must be a URL (postgres://…)")
	}
	rows, err := admin.Query(ctx, `SELECT nodename, nodeport, groupid = 0 FROM pg_dist_node
		WHERE noderole = 'primary' ORDER BY groupid`)
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		var host string
		var port int
		var coordinator bool
		if err := rows.Scan(&host, &port, &coordinator); err != nil {
			return nil, err
		}
		if coordinator {
			c.host, c.port = host, port
			continue
		}
		w := *u
		w.Host = net.JoinHostPort(host, strconv.Itoa(port))
		c.urls = append(c.urls, w.String())
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if c.host == "" {
		return nil, errors.New("the Citus coordinator has no host of its own: run citus_set_coordinator_host (scripts/citus does)")
	}
	return c, nil
}

// Citus tells whether the cluster is a Citus coordinator with workers.
func (c *Cluster) Citus() bool { return c.host != "" }

// Coordinator returns the URL of the coordinator (or the single node).
func (c *Cluster) Coordinator() string { return c.urls[0] }

// each runs f on an administrative connection to every node, the workers first and the
// coordinator last, so that the coordinator's database, whose existence says a template
// is complete, comes last.
func (c *Cluster) each(ctx context.Context, f func(conn *pgx.Conn) error) error {
	for i := len(c.urls) - 1; i >= 0; i-- {
		conn, err := pgx.Connect(ctx, c.urls[i])
		if err != nil {
			return fmt.Errorf("connect to %s: %w", Redacted(c.urls[i]), err)
		}
		err = f(conn)
		conn.Close(context.Background())
		if err != nil {
			return fmt.Errorf("on %s: %w", Redacted(c.urls[i]), err)
		}
	}
	return nil
}

// Create makes an empty database on every node, with Citus and PostGIS on a cluster.
func (c *Cluster) Create(ctx context.Context, name string) error {
	return c.each(ctx, func(conn *pgx.Conn) error {
		if _, err := conn.Exec(ctx, "CREATE DATABASE "+pgx.Identifier{name}.Sanitize()); err != nil || !c.Citus() {
			return err
		}
		db, err := pgx.Connect(ctx, WithDatabase(conn.Config().ConnString(), name))
		if err != nil {
			return err
		}
		defer db.Close(context.Background())
		_, err = db.Exec(ctx, "CREATE EXTENSION citus; CREATE EXTENSION postgis")
		return err
	})
}

// Join makes the database on conn (the coordinator's) a Citus cluster of the nodes.
func (c *Cluster) Join(ctx context.Context, conn *pgx.Conn) error {
	if !c.Citus() {
		return nil
	}
	if _, err := conn.Exec(ctx, "SELECT citus_set_coordinator_host($1, $2)", c.host, c.port); err != nil {
		return fmt.Errorf("set the coordinator: %w", err)
	}
	for _, w := range c.urls[1:] {
		u, _ := url.Parse(w)
		port, _ := strconv.Atoi(u.Port())
		if _, err := conn.Exec(ctx, "SELECT citus_add_node($1, $2)", u.Hostname(), port); err != nil {
			return fmt.Errorf("add worker %s: %w", u.Host, err)
		}
	}
	return nil
}

// Clone creates name from the template tmpl on every node.
func (c *Cluster) Clone(ctx context.Context, name, tmpl string) error {
	return c.each(ctx, func(conn *pgx.Conn) error {
		return c.whileIdle(ctx, conn, tmpl, "CREATE DATABASE "+pgx.Identifier{name}.Sanitize()+" TEMPLATE "+pgx.Identifier{tmpl}.Sanitize())
	})
}

// Rename renames a database on every node.
func (c *Cluster) Rename(ctx context.Context, from, to string) error {
	return c.each(ctx, func(conn *pgx.Conn) error {
		return c.whileIdle(ctx, conn, from, "ALTER DATABASE "+pgx.Identifier{from}.Sanitize()+" RENAME TO "+pgx.Identifier{to}.Sanitize())
	})
}

// Drop drops a database on every node, whoever is connected to it.
func (c *Cluster) Drop(ctx context.Context, name string) error {
	return c.each(ctx, func(conn *pgx.Conn) error {
		_, err := conn.Exec(ctx, "DROP DATABASE IF EXISTS "+pgx.Identifier{name}.Sanitize()+" WITH (FORCE)")
		return err
	})
}

// whileIdle runs sql, which needs nobody connected to db. On Citus, the maintenance
// daemon of each database with the extension stays connected to it: it is ended first,
// and sql retried while the daemon comes back in between.
func (c *Cluster) whileIdle(ctx context.Context, conn *pgx.Conn, db, sql string) error {
	for attempt := 0; ; attempt++ {
		if c.Citus() {
			if _, err := conn.Exec(ctx, `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
				WHERE datname = $1 AND pid <> pg_backend_pid()`, db); err != nil {
				return err
			}
		}
		_, err := conn.Exec(ctx, sql)
		var pgErr *pgconn.PgError
		if err == nil || attempt == 50 || !errors.As(err, &pgErr) || pgErr.Code != "55006" {
			return err
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// WithDatabase returns base with its database replaced by name.
func WithDatabase(base, name string) string {
	u, err := url.Parse(base)
	if err != nil || u.Scheme == "" {
		// key=value form: a later dbname wins.
		return base + " dbname=" + name
	}
	u.Path = "/" + name
	return u.String()
}

// Redacted returns base without its password, for messages.
func Redacted(base string) string {
	u, err := url.Parse(base)
	if err != nil || u.Scheme == "" {
		return "the database"
	}
	return u.Redacted()
}
