package mvt_test

import (
	"fmt"

	"github.com/paulmach/orb"

	"github.com/gridwatch/gridwatch/tiles/mvt"
)

func ExampleParseTile() {
	t, err := mvt.ParseTile("14", "13490", "6208")
	fmt.Println(t, err)
	_, err = mvt.ParseTile("14", "13490", "99999")
	fmt.Println(err)
	// Output:
	// 14/13490/6208 <nil>
	// invalid: tile y "99999" is not a whole number from 0 to 16383 at zoom 14
}

func ExampleTilesAt() {
	for _, t := range mvt.TilesAt(orb.Point{116.3975, 39.9087}, 10, 13) {
		fmt.Println(t)
	}
	// Output:
	// 10/843/388
	// 11/1686/776
	// 12/3372/1552
	// 13/6744/3104
}

func ExampleEncode() {
	t := mvt.Covering(orb.Point{116.3975, 39.9087}, 14)
	data, err := mvt.Encode(t, mvt.Layer{Name: "cases", Features: []mvt.Feature{{
		ID:         17,
		Geometry:   orb.Point{116.3975, 39.9087},
		Properties: map[string]any{"sector": "work_safety", "open": true},
	}}})
	fmt.Println(len(data) > 0, err)

	// Nothing in the tile: no bytes, for a 204.
	data, err = mvt.Encode(t, mvt.Layer{Name: "cases"})
	fmt.Println(data == nil, err)
	// Output:
	// true <nil>
	// true <nil>
}
