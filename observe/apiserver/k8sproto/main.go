// Command k8sproto turns Kubernetes protobuf request bodies into their JSON encoding.
//
// The observe apiserver (Python) cannot decode the gogo-protobuf encoding of the built-in
// API types, which kubectl's typed clients send for writes. It keeps one k8sproto process
// running and exchanges length-prefixed frames with it over stdin/stdout:
//
//	request:  uint32 big-endian length, then the body exactly as the client sent it
//	          (the "k8s\x00" magic followed by a runtime.Unknown envelope)
//	response: one status byte, a uint32 big-endian length, then the payload:
//	          status 0: the object as JSON, apiVersion and kind set from the envelope
//	          status 1: the decoder's error message (UTF-8)
//
// Requests are answered one at a time and in order. A body that does not decode never ends
// the process: only a broken frame stream (or end of input) does.
package main

import (
	"bufio"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"os"

	"k8s.io/apimachinery/pkg/runtime/serializer/protobuf"
	"k8s.io/client-go/kubernetes/scheme"
)

const (
	statusOK    byte = 0
	statusError byte = 1
	// Far above kube-apiserver's 3 MiB body limit; guards against a corrupt length prefix
	// making the helper allocate without bound.
	maxFrame = 64 << 20
)

var decoder = protobuf.NewSerializer(scheme.Scheme, scheme.Scheme)

// transcode decodes one protobuf body with client-go's scheme and encodes it as JSON.
func transcode(body []byte) (out []byte, err error) {
	defer func() {
		// A decoder panic on hostile input is that body's error, not the helper's end.
		if r := recover(); r != nil {
			out, err = nil, fmt.Errorf("protobuf decoder failed: %v", r)
		}
	}()
	obj, gvk, err := decoder.Decode(body, nil, nil)
	if err != nil {
		return nil, err
	}
	// The object's own encoding has no type meta: it travels in the envelope.
	obj.GetObjectKind().SetGroupVersionKind(*gvk)
	return json.Marshal(obj)
}

func readFrame(r io.Reader) ([]byte, error) {
	var header [4]byte
	if _, err := io.ReadFull(r, header[:]); err != nil {
		return nil, err
	}
	size := binary.BigEndian.Uint32(header[:])
	if size > maxFrame {
		return nil, fmt.Errorf("frame of %d bytes exceeds the limit of %d", size, maxFrame)
	}
	body := make([]byte, size)
	if _, err := io.ReadFull(r, body); err != nil {
		return nil, err
	}
	return body, nil
}

func writeFrame(w *bufio.Writer, status byte, payload []byte) error {
	var header [5]byte
	header[0] = status
	binary.BigEndian.PutUint32(header[1:], uint32(len(payload)))
	if _, err := w.Write(header[:]); err != nil {
		return err
	}
	if _, err := w.Write(payload); err != nil {
		return err
	}
	return w.Flush()
}

func serve(in io.Reader, out io.Writer) error {
	r := bufio.NewReaderSize(in, 1<<16)
	w := bufio.NewWriterSize(out, 1<<16)
	for {
		body, err := readFrame(r)
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
		status, payload := statusOK, []byte(nil)
		if payload, err = transcode(body); err != nil {
			status, payload = statusError, []byte(err.Error())
		}
		if err := writeFrame(w, status, payload); err != nil {
			return err
		}
	}
}

func main() {
	if err := serve(os.Stdin, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "k8sproto:", err)
		os.Exit(1)
	}
}
