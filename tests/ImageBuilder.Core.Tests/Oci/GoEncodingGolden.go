// Generates the golden JSON of GoEncodingGoldenTests with Go's encoding/json.
// Run: GO111MODULE=off go run GoEncodingGolden.go   (Go 1.19 here; Go >= 1.22 writes \b and \f
// as short escapes, which ibuild also does; the golden data holds neither).
// The types copy the field order and tags of image-spec specs-go/v1 (v1.1) and of
// moby/docker-image-spec (Healthcheck, OnBuild, Shell); the config top level is a
// map of raw values, as BuildKit's exporter writes it.
//go:build ignore

package main

import (
	"encoding/json"
	"fmt"
	"time"
)

// Field order and tags as in github.com/opencontainers/image-spec/specs-go/v1 (v1.1)
// and github.com/moby/docker-image-spec/specs-go/v1 (DockerOCIImageConfigExt).
type Platform struct {
	Architecture string   `json:"architecture"`
	OS           string   `json:"os"`
	OSVersion    string   `json:"os.version,omitempty"`
	OSFeatures   []string `json:"os.features,omitempty"`
	Variant      string   `json:"variant,omitempty"`
}
type Descriptor struct {
	MediaType    string            `json:"mediaType"`
	Digest       string            `json:"digest"`
	Size         int64             `json:"size"`
	URLs         []string          `json:"urls,omitempty"`
	Annotations  map[string]string `json:"annotations,omitempty"`
	Data         []byte            `json:"data,omitempty"`
	Platform     *Platform         `json:"platform,omitempty"`
	ArtifactType string            `json:"artifactType,omitempty"`
}
type Manifest struct {
	SchemaVersion int               `json:"schemaVersion"`
	MediaType     string            `json:"mediaType,omitempty"`
	ArtifactType  string            `json:"artifactType,omitempty"`
	Config        Descriptor        `json:"config"`
	Layers        []Descriptor      `json:"layers"`
	Subject       *Descriptor       `json:"subject,omitempty"`
	Annotations   map[string]string `json:"annotations,omitempty"`
}
type Index struct {
	SchemaVersion int               `json:"schemaVersion"`
	MediaType     string            `json:"mediaType,omitempty"`
	ArtifactType  string            `json:"artifactType,omitempty"`
	Manifests     []Descriptor      `json:"manifests"`
	Subject       *Descriptor       `json:"subject,omitempty"`
	Annotations   map[string]string `json:"annotations,omitempty"`
}
type HealthConfig struct {
	Test          []string      `json:",omitempty"`
	Interval      time.Duration `json:",omitempty"`
	Timeout       time.Duration `json:",omitempty"`
	StartPeriod   time.Duration `json:",omitempty"`
	StartInterval time.Duration `json:",omitempty"`
	Retries       int           `json:",omitempty"`
}
type ImageConfig struct {
	User         string              `json:"User,omitempty"`
	ExposedPorts map[string]struct{} `json:"ExposedPorts,omitempty"`
	Env          []string            `json:"Env,omitempty"`
	Entrypoint   []string            `json:"Entrypoint,omitempty"`
	Cmd          []string            `json:"Cmd,omitempty"`
	Volumes      map[string]struct{} `json:"Volumes,omitempty"`
	WorkingDir   string              `json:"WorkingDir,omitempty"`
	Labels       map[string]string   `json:"Labels,omitempty"`
	StopSignal   string              `json:"StopSignal,omitempty"`
	ArgsEscaped  bool                `json:"ArgsEscaped,omitempty"`
	Healthcheck  *HealthConfig       `json:"Healthcheck,omitempty"`
	OnBuild      []string            `json:"OnBuild,omitempty"`
	Shell        []string            `json:"Shell,omitempty"`
}
type RootFS struct {
	Type    string   `json:"type"`
	DiffIDs []string `json:"diff_ids"`
}
type History struct {
	Created    *time.Time `json:"created,omitempty"`
	CreatedBy  string     `json:"created_by,omitempty"`
	Author     string     `json:"author,omitempty"`
	Comment    string     `json:"comment,omitempty"`
	EmptyLayer bool       `json:"empty_layer,omitempty"`
}

func must(b []byte, err error) []byte {
	if err != nil {
		panic(err)
	}
	return b
}

func main() {
	created := time.Date(2024, 3, 5, 10, 11, 12, 123456789, time.UTC)
	whole := time.Date(2024, 3, 5, 10, 11, 12, 0, time.UTC)
	d1 := "sha256:9d3dd9504c685a304985025df4ed0283e47ac9ffa9bd0326fddf4d59513f0827"
	d2 := "sha256:2b689805fbd00b2db1df73fae47562faac1a626d5f61744bfe29946ecff5d73d"
	cfg := ImageConfig{
		User:         "app:app",
		ExposedPorts: map[string]struct{}{"8080/tcp": {}, "443/tcp": {}, "53/udp": {}},
		Env:          []string{"PATH=/usr/local/bin:/usr/bin", "GREETING=<héllo> & \"bye\"\t\n", "EMOJI=🐳\u2028x"},
		Entrypoint:   []string{"/bin/sh", "-c"},
		Cmd:          []string{"echo a && echo b > /dev/null"},
		Volumes:      map[string]struct{}{"/data": {}, "/cache": {}},
		WorkingDir:   "/srv",
		Labels:       map[string]string{"z": "last", "a": "first", "org.opencontainers.image.title": "ünïcode", "B": "upper"},
		StopSignal:   "SIGTERM",
		ArgsEscaped:  true,
		Healthcheck:  &HealthConfig{Test: []string{"CMD-SHELL", "curl -f http://localhost/ || exit 1"}, Interval: 30 * time.Second, Timeout: 5 * time.Second, StartPeriod: 1500 * time.Millisecond, Retries: 3},
		OnBuild:      []string{"RUN echo onbuild"},
		Shell:        []string{"/bin/bash", "-o", "pipefail", "-c"},
	}
	// BuildKit writes the top level as a Go map (sorted keys) of raw values.
	top := map[string]json.RawMessage{
		"architecture": must(json.Marshal("arm64")),
		"variant":      must(json.Marshal("v8")),
		"os":           must(json.Marshal("linux")),
		"config":       must(json.Marshal(cfg)),
		"created":      must(json.Marshal(created)),
		"rootfs":       must(json.Marshal(RootFS{Type: "layers", DiffIDs: []string{d1, d2}})),
		"history": must(json.Marshal([]History{
			{Created: &whole, CreatedBy: "ADD rootfs.tar.gz / # buildkit", Comment: "buildkit.dockerfile.v0"},
			{Created: &created, CreatedBy: "CMD [\"sh\"]", Comment: "buildkit.dockerfile.v0", EmptyLayer: true},
		})),
		"moby.buildkit.buildinfo.v1": must(json.Marshal("eyJmcm9udGVuZCI6ImRvY2tlcmZpbGUudjAifQ==")),
	}
	fmt.Println(string(must(json.Marshal(top))))

	m := Manifest{
		SchemaVersion: 2,
		MediaType:     "application/vnd.oci.image.manifest.v1+json",
		Config:        Descriptor{MediaType: "application/vnd.oci.image.config.v1+json", Digest: d1, Size: 1234},
		Layers: []Descriptor{
			{MediaType: "application/vnd.oci.image.layer.v1.tar+gzip", Digest: d2, Size: 0},
			{MediaType: "application/vnd.oci.image.layer.v1.tar+zstd", Digest: d1, Size: 99, URLs: []string{"https://example.com/a?b=1&c=2"}, Annotations: map[string]string{"y": "2", "x": "1"}},
		},
		Subject:     &Descriptor{MediaType: "application/vnd.oci.image.manifest.v1+json", Digest: d2, Size: 7, Data: []byte("{}\n"), ArtifactType: "application/vnd.example+type"},
		Annotations: map[string]string{"org.opencontainers.image.created": "2024-03-05T10:11:12Z", "com.example.key": "<v>"},
	}
	fmt.Println(string(must(json.Marshal(m))))

	ix := Index{
		SchemaVersion: 2,
		MediaType:     "application/vnd.oci.image.index.v1+json",
		Manifests: []Descriptor{
			{MediaType: "application/vnd.oci.image.manifest.v1+json", Digest: d1, Size: 500, Platform: &Platform{Architecture: "arm", OS: "linux", Variant: "v7"}},
			{MediaType: "application/vnd.oci.image.manifest.v1+json", Digest: d2, Size: 501, Platform: &Platform{Architecture: "amd64", OS: "windows", OSVersion: "10.0.17763.1", OSFeatures: []string{"win32k"}}, Annotations: map[string]string{"org.opencontainers.image.ref.name": "v1"}},
		},
	}
	fmt.Println(string(must(json.Marshal(ix))))
}
