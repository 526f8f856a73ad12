package democity

import (
	"image"
	"image/color"
	"image/png"
	"os"
	"testing"

	"github.com/paulmach/orb"
	"github.com/uber/h3-go/v4"
)

func TestScratchRenderPartition(t *testing.T) {
	fc := Shapes(1)
	area := map[h3.Cell]int{}
	sq := map[h3.Cell]int{}
	k := 0
	for i, f := range fc.Features {
		cells := scratchCells(f.Geometry.(orb.Polygon), 9)
		d, _ := Partition(cells, int64(i), PartitionOptions{})
		for _, s := range d.Squadrons {
			for _, a := range s.GridAreas {
				k++
				for _, c := range a {
					area[c] = k
					sq[c] = i*10 + s.Index
				}
			}
		}
	}
	W, H := 1400, 800
	img := image.NewRGBA(image.Rect(0, 0, W, H))
	minX, maxX, minY, maxY := 119.95, 120.61, 31.68, 31.99
	grid := make([][]h3.Cell, H)
	for py := 0; py < H; py++ {
		grid[py] = make([]h3.Cell, W)
		for px := 0; px < W; px++ {
			lon := minX + (maxX-minX)*float64(px)/float64(W)
			lat := maxY - (maxY-minY)*float64(py)/float64(H)
			grid[py][px] = h3.LatLngToCell(h3.LatLng{Lat: lat, Lng: lon}, 9)
		}
	}
	for py := 1; py < H; py++ {
		for px := 1; px < W; px++ {
			c := grid[py][px]
			a, ok := area[c]
			if !ok {
				continue
			}
			col := color.RGBA{uint8(90 + a*37%160), uint8(90 + a*71%160), uint8(90 + a*113%160), 255}
			l, u := grid[py][px-1], grid[py-1][px]
			if sq[l] != sq[c] || sq[u] != sq[c] {
				col = color.RGBA{0, 0, 0, 255}
			} else if area[l] != a || area[u] != a {
				col = color.RGBA{255, 255, 255, 255}
			}
			img.Set(px, py, col)
		}
	}
	out, _ := os.Create("/tmp/scratch/partition.png")
	png.Encode(out, img)
	out.Close()
}
