package auth

import (
	"context"
	"fmt"
	"net/http"
	"strings"

	"github.com/gridwatch/gridwatch/internal/apperr"
)

// Role is what a token may do. See api.md "Running".
type Role string

// The roles.
const (
	Admin      Role = "admin"      // everything
	Supervisor Role = "supervisor" // read and plan within its township, dispatch cases there
	Analyst    Role = "analyst"    // read everything, analytics
	Officer    Role = "officer"    // its own positions and cases
	Device     Role = "device"     // post positions for its officer only
	Reporter   Role = "reporter"   // create cases and Open311 requests only
	Legal      Role = "legal"      // 法制审核员: read cases, review penalty decisions (its township when scoped)
)

// Roles lists every role, in the order of the documentation.
var Roles = []Role{Admin, Supervisor, Analyst, Officer, Device, Reporter, Legal}

// ParseRole returns the Role named s, or an error listing the valid ones.
func ParseRole(s string) (Role, error) {
	for _, r := range Roles {
		if string(r) == s {
			return r, nil
		}
	}
	names := make([]string, len(Roles))
	for i, r := range Roles {
		names[i] = string(r)
	}
	return "", fmt.Errorf("unknown role %q (one of %s)", s, strings.Join(names, ", "))
}

// Identity is who makes a request: the token's name, role and scope.
type Identity struct {
	TokenID  int64
	Name     string
	Role     Role
	Township string // township code the token is confined to; "" when unscoped
	Officer  string // officer ID the token acts for; "" when none
	// Qualification is the legal professional qualification (法律职业资格证书编号) of a
	// legal token's holder; "" for other roles.
	Qualification string
}

// Scoped reports whether the identity is confined to one township.
func (id Identity) Scoped() bool { return id.Township != "" }

// MaySee reports whether the identity may see data of the township with the given code.
func (id Identity) MaySee(township string) bool {
	return !id.Scoped() || id.Township == township
}

type identityKey struct{}

// WithIdentity returns a context carrying id.
func WithIdentity(ctx context.Context, id Identity) context.Context {
	return context.WithValue(ctx, identityKey{}, id)
}

// FromContext returns the identity of the request, and false when it was not
// authenticated.
func FromContext(ctx context.Context) (Identity, bool) {
	id, ok := ctx.Value(identityKey{}).(Identity)
	return id, ok
}

// TownshipFilter returns the township a listing should be restricted to: the requested one
// for an unscoped identity ("" = all), the identity's own for a scoped one. A scoped
// identity asking for another township gets a forbidden error.
func (id Identity) TownshipFilter(requested string) (string, error) {
	if !id.Scoped() {
		return requested, nil
	}
	if requested != "" && requested != id.Township {
		return "", errOtherTownship(requested)
	}
	return id.Township, nil
}

// CheckTownship returns a forbidden error when the identity may not see the township.
func (id Identity) CheckTownship(township string) error {
	if !id.MaySee(township) {
		return errOtherTownship(township)
	}
	return nil
}

func errOtherTownship(code string) error {
	return apperr.Forbiddenf("this token is confined to another township than %s", code)
}

// Caller returns the identity of an authenticated request (the zero Identity, with no
// role, when there is none).
func Caller(r *http.Request) Identity {
	id, _ := FromContext(r.Context())
	return id
}
