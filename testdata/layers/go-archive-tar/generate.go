// Writes layer.tar with Go's archive/tar, the library docker, containerd, BuildKit and skopeo
// use for layers. Regenerate with: go run generate.go
package main

import (
	"archive/tar"
	"os"
	"strings"
	"time"
)

func main() {
	f, err := os.Create("layer.tar")
	if err != nil {
		panic(err)
	}
	defer f.Close()
	w := tar.NewWriter(f)
	mtime := time.Unix(1700000000, 123456700)
	add := func(h *tar.Header, body string) {
		h.ModTime = mtime
		if h.Typeflag == tar.TypeReg {
			h.Size = int64(len(body))
		}
		if err := w.WriteHeader(h); err != nil {
			panic(err)
		}
		if body != "" {
			if _, err := w.Write([]byte(body)); err != nil {
				panic(err)
			}
		}
	}
	capability := string([]byte{0x01, 0x00, 0x00, 0x02, 0xc0, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00})
	longDir := "usr/share/" + strings.Repeat("d", 120)
	add(&tar.Header{Name: "etc/", Typeflag: tar.TypeDir, Mode: 0o755, Format: tar.FormatPAX}, "")
	add(&tar.Header{Name: "etc/.wh.shadow", Typeflag: tar.TypeReg, Mode: 0o600}, "")
	add(&tar.Header{Name: "etc/passwd", Typeflag: tar.TypeReg, Mode: 0o644, Uid: 0, Gid: 0}, "root:x:0:0::/root:/bin/sh\n")
	add(&tar.Header{Name: "usr/", Typeflag: tar.TypeDir, Mode: 0o755}, "")
	add(&tar.Header{Name: "usr/bin/", Typeflag: tar.TypeDir, Mode: 0o755}, "")
	add(&tar.Header{Name: "usr/bin/newuidmap", Typeflag: tar.TypeReg, Mode: 0o4755, Uid: 0, Gid: 0,
		PAXRecords: map[string]string{"SCHILY.xattr.security.capability": capability, "SCHILY.xattr.user.note": "go"},
		Format: tar.FormatPAX}, "#!/bin/true\n")
	add(&tar.Header{Name: "usr/bin/newuidmap-hardlink", Typeflag: tar.TypeLink, Linkname: "usr/bin/newuidmap"}, "")
	add(&tar.Header{Name: longDir + "/", Typeflag: tar.TypeDir, Mode: 0o755, Format: tar.FormatPAX}, "")
	add(&tar.Header{Name: longDir + "/pax-file", Typeflag: tar.TypeReg, Mode: 0o644, Uid: 1000, Gid: 1000, Format: tar.FormatPAX}, "pax\n")
	add(&tar.Header{Name: longDir + "/gnu-file", Typeflag: tar.TypeReg, Mode: 0o640, Uid: 1000, Gid: 100, Format: tar.FormatGNU}, "gnu\n")
	add(&tar.Header{Name: "usr/bin/long-link", Typeflag: tar.TypeSymlink, Linkname: "/" + longDir + "/gnu-file", Format: tar.FormatGNU}, "")
	add(&tar.Header{Name: "dev/", Typeflag: tar.TypeDir, Mode: 0o755}, "")
	add(&tar.Header{Name: "dev/null", Typeflag: tar.TypeChar, Mode: 0o666, Devmajor: 1, Devminor: 3}, "")
	add(&tar.Header{Name: "dev/fifo", Typeflag: tar.TypeFifo, Mode: 0o600}, "")
	add(&tar.Header{Name: "tmp/", Typeflag: tar.TypeDir, Mode: 0o1777}, "")
	add(&tar.Header{Name: "var/", Typeflag: tar.TypeDir, Mode: 0o755}, "")
	add(&tar.Header{Name: "var/.wh..wh..opq", Typeflag: tar.TypeReg, Mode: 0o600}, "")
	if err := w.Close(); err != nil {
		panic(err)
	}
}
