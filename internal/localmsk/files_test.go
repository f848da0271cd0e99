package localmsk

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// TestSecretFilesPrivateAndLinksNotFollowed: an info.json left 0644 by
// someone is replaced by a 0600 one (it holds the secret key and session
// token), and a ca.pem or client file that is a symbolic link is replaced,
// its target left as it was.
func TestSecretFilesPrivateAndLinksNotFollowed(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	outside := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, InfoFileName), []byte("stale"), 0o644); err != nil {
		t.Fatal(err)
	}
	targets := map[string]string{}
	for _, name := range []string{"ca.pem", JavaPropertiesFileName, LibrdkafkaPropertiesName, HostsFileName} {
		target := filepath.Join(outside, name)
		if err := os.WriteFile(target, []byte("someone else's "+name), 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.Symlink(target, filepath.Join(dir, name)); err != nil {
			t.Fatal(err)
		}
		targets[name] = target
	}
	e := startEnv(t, Options{Dir: dir, StockClients: true})

	fi, err := os.Lstat(filepath.Join(dir, InfoFileName))
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode() != 0o600 {
		t.Errorf("info.json is %v, want -rw------- (it holds the credentials)", fi.Mode())
	}
	b, err := os.ReadFile(filepath.Join(dir, InfoFileName))
	if err != nil || !strings.Contains(string(b), e.Info().Credentials.SecretAccessKey) {
		t.Errorf("info.json not rewritten: %v\n%s", err, b)
	}
	for name, target := range targets {
		if c, err := os.ReadFile(target); err != nil || string(c) != "someone else's "+name {
			t.Errorf("%s's link target %s was written through: %q, %v", name, target, c, err)
		}
		fi, err := os.Lstat(filepath.Join(dir, name))
		if err != nil || !fi.Mode().IsRegular() {
			t.Errorf("%s is not a regular file of its own: %v, %v", name, fi.Mode(), err)
		}
	}
	// No temporary file is left behind.
	ents, _ := os.ReadDir(dir)
	for _, en := range ents {
		if strings.HasPrefix(en.Name(), ".") {
			t.Errorf("left %s in the directory", en.Name())
		}
	}
}

// TestStartRefusesDirOfOthers: a --dir that is a symbolic link, a file, or
// another user's directory is refused before anything is written in it.
func TestStartRefusesDirOfOthers(t *testing.T) {
	t.Parallel()
	root := t.TempDir()
	real := filepath.Join(root, "real")
	if err := os.Mkdir(real, 0o700); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(root, "link")
	if err := os.Symlink(real, link); err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(root, "file")
	if err := os.WriteFile(file, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	foreign := filepath.Join(root, "foreign")
	if err := os.Mkdir(foreign, 0o700); err != nil {
		t.Fatal(err)
	}
	if os.Geteuid() == 0 {
		if err := os.Chown(foreign, 65534, 65534); err != nil {
			t.Fatal(err)
		}
	} else {
		foreign = "/" // root's: not this user's
	}
	for dir, want := range map[string]string{
		link:    "is a symbolic link (to " + real + "): name the directory itself",
		file:    "is not a directory",
		foreign: "is owned by uid ",
	} {
		_, err := Start(context.Background(), Options{Dir: dir})
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("Start(Dir: %s) = %v, want an error saying %q", dir, err, want)
		}
	}
	for _, d := range []string{real, filepath.Join(root, "foreign")} {
		if ents, _ := os.ReadDir(d); len(ents) > 0 {
			t.Errorf("%s: something was written: %v", d, ents)
		}
	}
}

// TestRelativeDirStoredAbsolute (issue 30): started with a relative --dir,
// info.json and the client settings name the CA by its absolute path, so a
// client in another directory finds it. Not parallel: it changes the
// working directory.
func TestRelativeDirStoredAbsolute(t *testing.T) {
	start := t.TempDir()
	t.Chdir(start)
	e := startEnv(t, Options{Dir: ".localmsk", StockClients: true})
	dir := filepath.Join(start, ".localmsk")
	ca := filepath.Join(dir, "ca.pem")
	if got := e.Info().CAFile; got != ca {
		t.Errorf("Info().CAFile = %q, want %q", got, ca)
	}
	if err := os.Chdir(t.TempDir()); err != nil { // a client elsewhere
		t.Fatal(err)
	}
	info, err := LoadInfo(context.Background(), filepath.Join(dir, InfoFileName))
	if err != nil {
		t.Fatal(err)
	}
	if info.CAFile != ca {
		t.Errorf("info.json ca_file = %q, want %q", info.CAFile, ca)
	}
	if _, err := os.Stat(info.CAFile); err != nil {
		t.Errorf("ca_file from another directory: %v", err)
	}
	for name, key := range map[string]string{JavaPropertiesFileName: "ssl.truststore.location=", LibrdkafkaPropertiesName: "ssl.ca.location="} {
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(string(b), "\n"+key+ca+"\n") {
			t.Errorf("%s lacks %s%s:\n%s", name, key, ca, b)
		}
	}
}

// TestLoadInfoMessages: each way --local-info can be wrong is named once,
// with the fix that applies to it.
func TestLoadInfoMessages(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	fifo := filepath.Join(dir, "fifo")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	notJSON := filepath.Join(dir, "notjson.json")
	if err := os.WriteFile(notJSON, []byte(`{"version":1} trailing`), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		path, want string
		not        string
	}{
		{dir, dir + " is a directory: pass the info.json in it (" + filepath.Join(dir, "info.json") + ")", "read read"},
		{"/nonexistent", "/nonexistent does not exist: pass the info.json a local environment writes into its --dir", "--dir /`"},
		{filepath.Join(dir, "gone", "info.json"), filepath.Join(dir, "gone", "info.json") + " does not exist: start the local environment with `go run ./cmd/localmsk --dir " + filepath.Join(dir, "gone") + "`", ""},
		{fifo, fifo + ": a named pipe (FIFO), not a regular file", ""},
		{notJSON, notJSON + " is not a local environment info.json: data after the JSON object", ""},
	} {
		_, err := LoadInfo(context.Background(), tc.path)
		if err == nil || !strings.HasPrefix(err.Error(), tc.want) || (tc.not != "" && strings.Contains(err.Error(), tc.not)) {
			t.Errorf("LoadInfo(%s) = %v\nwant it to start %q", tc.path, err, tc.want)
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := LoadInfo(ctx, notJSON); !errors.Is(err, context.Canceled) {
		t.Errorf("LoadInfo with an ended context = %v, want context.Canceled", err)
	}
}

// FuzzParseInfo: whatever info.json holds, ParseInfo does not panic, and
// what it accepts survives a round trip.
func FuzzParseInfo(f *testing.F) {
	valid, err := json.Marshal(Info{Version: 1, Region: DefaultRegion, Brokers: []BrokerInfo{{BrokerID: 1, Hostname: "b-1.x", Endpoint: "127.0.0.1:1"}}, CAFile: "/tmp/ca.pem"})
	if err != nil {
		f.Fatal(err)
	}
	f.Add(valid)
	f.Add([]byte(`{"version":1} {}`))
	f.Add([]byte(`{"version":1,"version":2}`))
	f.Add([]byte(`{"brokers":[{"broker_id":1e400}]}`))
	f.Add([]byte(`null`))
	f.Fuzz(func(t *testing.T, b []byte) {
		info, err := ParseInfo(b)
		if err != nil {
			return
		}
		again, err := json.Marshal(info)
		if err != nil {
			t.Fatalf("an accepted info does not encode: %v", err)
		}
		back, err := ParseInfo(again)
		if err != nil {
			t.Fatalf("an accepted info does not parse back: %v\n%s", err, again)
		}
		if b1, _ := json.Marshal(back); string(b1) != string(again) {
			t.Fatalf("round trip changed it:\n%s\n%s", again, b1)
		}
	})
}
