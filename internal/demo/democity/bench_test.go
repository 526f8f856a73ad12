package democity

import (
	"github.com/uber/h3-go/v4"
	"testing"
)

func BenchmarkShapes(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		Shapes(1)
	}
}

// BenchmarkPartition divides the biggest township of Shapes(1) at resolution 9.
func BenchmarkPartition(b *testing.B) {
	var cells []h3.Cell
	for _, cs := range townshipCells(b, 1, 9) {
		if len(cs) > len(cells) {
			cells = cs
		}
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Partition(cells, 1, PartitionOptions{}); err != nil {
			b.Fatal(err)
		}
	}
}
