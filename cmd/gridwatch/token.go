package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"
	"text/tabwriter"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/gridwatch/gridwatch/internal/auth"
)

func tokenCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		return errors.New("token: say create, list or revoke")
	}
	switch args[0] {
	case "create":
		return tokenCreate(ctx, args[1:], stdout, stderr)
	case "list":
		return tokenList(ctx, args[1:], stdout, stderr)
	case "revoke":
		return tokenRevoke(ctx, args[1:], stdout, stderr)
	default:
		return fmt.Errorf("token: unknown subcommand %q (create, list, revoke)", args[0])
	}
}

// openTokens opens the database for a token subcommand.
func openTokens(ctx context.Context, url string) (*pgxpool.Pool, *auth.Store, error) {
	pool, err := openDB(ctx, url)
	if err != nil {
		return nil, nil, err
	}
	return pool, auth.NewStore(pool), nil
}

func tokenCreate(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("token create", stderr)
	db := dbFlag(fs)
	role := fs.String("role", "", "admin|supervisor|analyst|officer|device|reporter|legal")
	name := fs.String("name", "", "who or what the token is for")
	township := fs.String("township", "", "confine the token to this township code")
	officer := fs.String("officer", "", "officer ID (officer and device tokens; optional for legal ones)")
	qualification := fs.String("qualification", "", "legal tokens: the holder's legal professional qualification certificate number (法律职业资格证书编号)")
	ttl := fs.Duration("ttl", 0, "lifetime, e.g. 720h; 0 = no expiry")
	if err := parse(fs, args, 0); err != nil {
		return err
	}
	r, err := auth.ParseRole(*role)
	if err != nil {
		return err
	}
	pool, tokens, err := openTokens(ctx, *db)
	if err != nil {
		return err
	}
	defer pool.Close()
	token, id, err := tokens.Create(ctx, auth.TokenSpec{Name: *name, Role: r, Township: *township, Officer: *officer, TTL: *ttl,
		Qualification: *qualification})
	if err != nil {
		return err
	}
	fmt.Fprintf(stderr, "token %d created for %q (role %s); it is shown only this once:\n", id.TokenID, id.Name, id.Role)
	fmt.Fprintln(stdout, token)
	return nil
}

func tokenList(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("token list", stderr)
	db := dbFlag(fs)
	if err := parse(fs, args, 0); err != nil {
		return err
	}
	pool, tokens, err := openTokens(ctx, *db)
	if err != nil {
		return err
	}
	defer pool.Close()
	list, err := tokens.List(ctx)
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(stdout, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tNAME\tROLE\tTOWNSHIP\tOFFICER\tCREATED\tEXPIRES\tLAST USED\tSTATE")
	for _, t := range list {
		state := "live"
		switch {
		case t.RevokedAt != nil:
			state = "revoked"
		case t.ExpiresAt != nil && t.ExpiresAt.Before(time.Now()):
			state = "expired"
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", t.TokenID, t.Name, t.Role, dash(t.Township),
			dash(t.Officer), t.CreatedAt.Format(time.RFC3339), timeOrDash(t.ExpiresAt), timeOrDash(t.LastUsedAt), state)
	}
	return tw.Flush()
}

func tokenRevoke(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("token revoke", stderr)
	db := dbFlag(fs)
	if err := parse(fs, args, 1); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return errors.New("token revoke: give the token's ID (see token list)")
	}
	tokenID, err := strconv.ParseInt(fs.Arg(0), 10, 64)
	if err != nil {
		return fmt.Errorf("token revoke: %q is not a token ID", fs.Arg(0))
	}
	pool, tokens, err := openTokens(ctx, *db)
	if err != nil {
		return err
	}
	defer pool.Close()
	if err := tokens.Revoke(ctx, tokenID); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "token %d revoked\n", tokenID)
	return nil
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func timeOrDash(t *time.Time) string {
	if t == nil {
		return "-"
	}
	return t.Format(time.RFC3339)
}
