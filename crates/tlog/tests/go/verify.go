// Command verify checks ailedger's transparency-log artifacts with Go's reference
// implementation, golang.org/x/mod/sumdb/note and golang.org/x/mod/sumdb/tlog.
//
// Usage:
//
//	verify checkpoint  VKEY CHECKPOINT
//	verify inclusion   VKEY RECEIPT ENTRY
//	verify consistency VKEY OLD_CHECKPOINT NEW_CHECKPOINT PROOF
//
// CHECKPOINT files are signed notes (C2SP tlog-checkpoint), RECEIPT files are C2SP
// tlog-proof@v1 texts, ENTRY is the raw entry, PROOF has one base64 hash per line.
// Exit status: 0 verified, 1 rejected (the reason on stderr), 2 usage or I/O error.
//
// Build without any module download:
//
//	GO111MODULE=off GOPATH=/usr/share/gocode go build -o verify verify.go
package main

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"os"
	"strconv"
	"strings"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

func main() {
	if len(os.Args) < 3 {
		usage()
	}
	verifier, err := note.NewVerifier(os.Args[2])
	if err != nil {
		fail(2, "verifier key: %v", err)
	}
	args := os.Args[3:]
	switch os.Args[1] {
	case "checkpoint":
		if len(args) != 1 {
			usage()
		}
		origin, size, root := openCheckpoint(verifier, read(args[0]))
		fmt.Printf("ok %s %d %s\n", origin, size, root)
	case "inclusion":
		if len(args) != 2 {
			usage()
		}
		index, proof, checkpoint := parseReceipt(read(args[0]))
		_, size, root := openCheckpoint(verifier, checkpoint)
		leaf := tlog.RecordHash(read(args[1]))
		if err := tlog.CheckRecord(proof, size, root, index, leaf); err != nil {
			fail(1, "inclusion of entry %d in tree %d: %v", index, size, err)
		}
		fmt.Printf("ok inclusion %d in %d\n", index, size)
	case "consistency":
		if len(args) != 3 {
			usage()
		}
		_, oldSize, oldRoot := openCheckpoint(verifier, read(args[0]))
		_, newSize, newRoot := openCheckpoint(verifier, read(args[1]))
		proof := tlog.TreeProof(parseHashes(strings.Split(strings.TrimSuffix(string(read(args[2])), "\n"), "\n")))
		if err := tlog.CheckTree(proof, newSize, newRoot, oldSize, oldRoot); err != nil {
			fail(1, "consistency of tree %d with tree %d: %v", oldSize, newSize, err)
		}
		fmt.Printf("ok consistency %d to %d\n", oldSize, newSize)
	default:
		usage()
	}
}

func usage() {
	fail(2, "usage: verify checkpoint VKEY FILE | inclusion VKEY RECEIPT ENTRY | consistency VKEY OLD NEW PROOF")
}

func fail(code int, format string, args ...interface{}) {
	fmt.Fprintf(os.Stderr, format+"\n", args...)
	os.Exit(code)
}

func read(path string) []byte {
	data, err := os.ReadFile(path)
	if err != nil {
		fail(2, "%v", err)
	}
	return data
}

// openCheckpoint verifies the note's signature and parses the C2SP checkpoint in it, whose
// origin must be the key's name.
func openCheckpoint(verifier note.Verifier, msg []byte) (string, int64, tlog.Hash) {
	n, err := note.Open(msg, note.VerifierList(verifier))
	if err != nil {
		fail(1, "signature: %v", err)
	}
	lines := strings.Split(n.Text, "\n")
	if len(lines) < 4 || lines[len(lines)-1] != "" {
		fail(1, "checkpoint: malformed text")
	}
	if lines[0] != verifier.Name() {
		fail(1, "checkpoint: origin %q, expected %q", lines[0], verifier.Name())
	}
	size, err := strconv.ParseInt(lines[1], 10, 64)
	if err != nil || size < 0 || strconv.FormatInt(size, 10) != lines[1] {
		fail(1, "checkpoint: bad tree size %q", lines[1])
	}
	root, err := tlog.ParseHash(lines[2])
	if err != nil {
		fail(1, "checkpoint: bad root hash %q", lines[2])
	}
	return lines[0], size, root
}

// parseReceipt splits a tlog-proof@v1 text into index, inclusion proof and checkpoint note.
func parseReceipt(data []byte) (int64, tlog.RecordProof, []byte) {
	head, checkpoint, found := bytes.Cut(data, []byte("\n\n"))
	if !found {
		fail(1, "receipt: no blank line before the checkpoint")
	}
	lines := strings.Split(string(head), "\n")
	if lines[0] != "c2sp.org/tlog-proof@v1" {
		fail(1, "receipt: header %q", lines[0])
	}
	lines = lines[1:]
	if len(lines) > 0 && strings.HasPrefix(lines[0], "extra ") {
		if _, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(lines[0], "extra ")); err != nil {
			fail(1, "receipt: bad extra line")
		}
		lines = lines[1:]
	}
	if len(lines) == 0 || !strings.HasPrefix(lines[0], "index ") {
		fail(1, "receipt: no index line")
	}
	index, err := strconv.ParseInt(strings.TrimPrefix(lines[0], "index "), 10, 64)
	if err != nil || index < 0 {
		fail(1, "receipt: bad index %q", lines[0])
	}
	return index, tlog.RecordProof(parseHashes(lines[1:])), checkpoint
}

func parseHashes(lines []string) []tlog.Hash {
	var hashes []tlog.Hash
	for _, line := range lines {
		if line == "" {
			continue
		}
		hash, err := tlog.ParseHash(line)
		if err != nil {
			fail(1, "bad hash %q", line)
		}
		hashes = append(hashes, hash)
	}
	return hashes
}
