package deploy

import (
	"context"
	"testing"

	"github.com/mskvpce/mskvpce/terraform"
)

// BenchmarkLayUnchanged is what every deploy command pays to make sure the
// working directory holds the embedded configuration: a re-lay where
// nothing changed (read, hash and compare every file, rewrite the manifest).
func BenchmarkLayUnchanged(b *testing.B) {
	wd := Workdir{Dir: b.TempDir(), Root: terraform.Root}
	if _, err := wd.Lay(context.Background(), terraform.FS, nil); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for b.Loop() {
		res, err := wd.Lay(context.Background(), terraform.FS, nil)
		if err != nil || len(res.Written) != 0 {
			b.Fatalf("re-lay wrote %v: %v", res.Written, err)
		}
	}
}
