package pgdb

import "github.com/jackc/pgx/v5"

// CollectMap reads rows of two columns, a key and its value, into a map and closes rows.
// A key met twice keeps its last value. It returns the error of the query or of a scan,
// untranslated.
func CollectMap[K comparable, V any](rows pgx.Rows) (map[K]V, error) {
	out := map[K]V{}
	var k K
	var v V
	_, err := pgx.ForEachRow(rows, []any{&k, &v}, func() error {
		out[k] = v
		return nil
	})
	return out, err
}
