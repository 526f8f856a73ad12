package hotspot_test

import (
	"context"
	"fmt"

	"github.com/gridwatch/gridwatch/patrol/hotspot"
)

func ExampleGiStar() {
	// esda's G_Local test data: six cells and their neighbours; Gi* adds
	// each cell to its own neighbourhood.
	values := []float64{2, 3, 3.2, 5, 8, 7}
	nb := hotspot.Neighbors{{1, 3}, {0, 3, 4}, {4}, {0, 1, 4}, {1, 2, 3, 5}, {4}}
	z, err := hotspot.GiStar(values, nb)
	if err != nil {
		fmt.Println(err)
		return
	}
	for i, zi := range z {
		fmt.Printf("cell %d: z = %.4f, p = %.4f\n", i, zi, hotspot.PValue(zi))
	}
	// Output:
	// cell 0: z = -1.3973, p = 0.1623
	// cell 1: z = -0.2892, p = 0.7724
	// cell 2: z = 0.6506, p = 0.5153
	// cell 3: z = -0.2892, p = 0.7724
	// cell 4: z = 1.2345, p = 0.2170
	// cell 5: z = 2.0242, p = 0.0429
}

func ExampleAnalyze() {
	values := []float64{2, 3, 3.2, 5, 8, 7}
	nb := hotspot.Neighbors{{1, 3}, {0, 3, 4}, {4}, {0, 1, 4}, {1, 2, 3, 5}, {4}}
	// Cell 5 is a 95 % hot spot on its raw p-value, but not once the false
	// discovery rate over the six cells is controlled (the default).
	for _, opts := range []hotspot.Options{{}, {NoFDR: true}} {
		res, err := hotspot.Analyze(context.Background(), values, nb, opts)
		if err != nil {
			fmt.Println(err)
			return
		}
		fmt.Printf("NoFDR=%v: bins %v, cell 5 p = %.4f, q = %.4f\n", opts.NoFDR, res.Bin, res.P[5], res.PFDR[5])
	}
	// Output:
	// NoFDR=false: bins [0 0 0 0 0 0], cell 5 p = 0.0429, q = 0.2577
	// NoFDR=true: bins [0 0 0 0 0 2], cell 5 p = 0.0429, q = 0.2577
}

func ExampleAdjustBH() {
	q := hotspot.AdjustBH([]float64{0.01, 0.04, 0.03, 0.2})
	fmt.Printf("%.4f\n", q)
	// Output:
	// [0.0400 0.0533 0.0533 0.2000]
}

func ExampleMannKendall() {
	tr := hotspot.MannKendall([]float64{1, 2, 3, 4, 5})
	fmt.Printf("S = %d, Var = %.3f, Z = %.4f, p = %.4f\n", tr.S, tr.Var, tr.Z, tr.P)
	// Output:
	// S = 10, Var = 16.667, Z = 2.2045, p = 0.0275
}

func ExampleClassify() {
	// A cell that was never hot until the last two weeks, and one that has
	// been hot throughout with rising z-scores.
	rising := hotspot.MannKendall([]float64{2.0, 2.2, 2.9, 3.1, 3.8, 4.4})
	fmt.Println(hotspot.Classify([]int{0, 0, 0, 0, 2, 3}, rising))
	fmt.Println(hotspot.Classify([]int{1, 1, 2, 2, 3, 3}, rising))
	// Output:
	// consecutive_hot
	// intensifying_hot
}
