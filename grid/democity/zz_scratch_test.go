package democity

import (
	"fmt"
	"image"
	"image/color"
	"image/png"
	"math/rand/v2"
	"os"
	"testing"

	"github.com/paulmach/orb"
	orbgeo "github.com/paulmach/orb/geo"
	"github.com/paulmach/orb/planar"
)

func TestScratchRender(t *testing.T) {
	for _, seed := range []int64{1, 2, 3} {
		fc := Shapes(seed)
		d := newDiagram(seed)
		fmt.Println("origin slack", kernelSlack(d.outline, vec{}))
		rng := rand.New(rand.NewPCG(uint64(seed), 0x6a69616e6779696e))
		_, hw, hh := newOutline(rng)
		fmt.Println("half", hw, hh)
		W, H := 1200, 700
		img := image.NewRGBA(image.Rect(0, 0, W, H))
		minX, maxX, minY, maxY := 119.95, 120.61, 31.68, 31.99
		cols := []color.RGBA{}
		for i := 0; i < 17; i++ {
			cols = append(cols, color.RGBA{uint8(50 + i*37%200), uint8(80 + i*71%170), uint8(60 + i*113%190), 255})
		}
		total := 0.0
		for py := 0; py < H; py++ {
			for px := 0; px < W; px++ {
				lon := minX + (maxX-minX)*float64(px)/float64(W)
				lat := maxY - (maxY-minY)*float64(py)/float64(H)
				for i, f := range fc.Features {
					if planar.PolygonContains(f.Geometry.(orb.Polygon), orb.Point{lon, lat}) {
						img.Set(px, py, cols[i])
					}
				}
			}
		}
		for i, f := range fc.Features {
			a := orbgeo.Area(f.Geometry) / 1e6
			total += a
			s := d.seats[i].lonLat()
			px := int((s[0] - minX) / (maxX - minX) * float64(W))
			py := int((maxY - s[1]) / (maxY - minY) * float64(H))
			for dx := -3; dx <= 3; dx++ {
				for dy := -3; dy <= 3; dy++ {
					img.Set(px+dx, py+dy, color.Black)
				}
			}
			fmt.Printf("%s %.1f km² %d verts slack %.2f\n", f.Properties["name"], a, len(f.Geometry.(orb.Polygon)[0]), kernelSlack(d.outline, d.seats[i]))
		}
		fmt.Println("total", total)
		out, _ := os.Create(fmt.Sprintf("/tmp/scratch/shapes%d.png", seed))
		png.Encode(out, img)
		out.Close()
	}
}
