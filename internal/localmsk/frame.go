package localmsk

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"

	"github.com/twmb/franz-go/pkg/kbin"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// maxFrame is Kafka's socket.request.max.bytes default (100 MiB); a larger
// size prefix is a corrupt or hostile stream, and a real broker disconnects.
const maxFrame = 100 << 20

var errFrameTooLarge = errors.New("kafka frame larger than 100 MiB")

// readFrame reads one Kafka frame and returns it whole, size prefix
// included, so that it can be relayed with a single write.
func readFrame(r *bufio.Reader) ([]byte, error) {
	var size [4]byte
	if _, err := io.ReadFull(r, size[:]); err != nil {
		return nil, err
	}
	n := binary.BigEndian.Uint32(size[:])
	if n > maxFrame {
		return nil, fmt.Errorf("%w: size prefix %d", errFrameTooLarge, n)
	}
	b := make([]byte, 4+n)
	copy(b, size[:])
	if _, err := io.ReadFull(r, b[4:]); err != nil {
		return nil, err
	}
	return b, nil
}

// request is one parsed client request: the decoded message plus what is
// needed to relay or answer it.
type request struct {
	corr     int32
	clientID *string
	req      kmsg.Request
	raw      []byte // the frame as received, size prefix included
	version  int16  // the version the client sent; answers go back in it
}

// parseRequest decodes a whole request frame (size prefix included).
func parseRequest(frame []byte) (request, error) {
	if len(frame) < 4 {
		return request{}, errors.New("request frame truncated")
	}
	rd := kbin.Reader{Src: frame[4:]}
	key := rd.Int16()
	version := rd.Int16()
	corr := rd.Int32()
	if !rd.Ok() {
		return request{}, errors.New("request header truncated")
	}
	req := kmsg.RequestForKey(key)
	if req == nil {
		return request{}, fmt.Errorf("unknown request key %d", key)
	}
	req.SetVersion(version)
	if version < 0 || version > req.MaxVersion() {
		return request{}, fmt.Errorf("%s v%d is beyond the versions this broker knows (max v%d)", kmsg.NameForKey(key), version, req.MaxVersion())
	}
	var clientID *string
	if !(key == 7 && version == 0) { // ControlledShutdown v0 has no client ID
		clientID = rd.NullableString()
	}
	if req.IsFlexible() {
		kmsg.SkipTags(&rd)
	}
	if err := rd.Complete(); err != nil {
		return request{}, fmt.Errorf("%s v%d: request header: %w", kmsg.NameForKey(key), version, err)
	}
	if err := req.ReadFrom(rd.Src); err != nil {
		return request{}, fmt.Errorf("%s v%d: request body: %w", kmsg.NameForKey(key), version, err)
	}
	return request{corr: corr, clientID: clientID, req: req, raw: frame, version: version}, nil
}

// appendRequest encodes req as a full frame (with size prefix).
func appendRequest(dst []byte, clientID *string, req kmsg.Request, corr int32) []byte {
	var f *kmsg.RequestFormatter
	if clientID != nil {
		f = kmsg.NewRequestFormatter(kmsg.FormatterClientID(*clientID))
	} else {
		f = kmsg.NewRequestFormatter()
	}
	return f.AppendRequest(dst, req, corr)
}

// flexibleResponseHeader: response header v1 (with tags) for flexible
// versions, except ApiVersions, whose response header is always v0.
func flexibleResponseHeader(resp kmsg.Response) bool {
	return resp.IsFlexible() && resp.Key() != 18
}

// appendResponse encodes resp as a full frame (with size prefix).
func appendResponse(dst []byte, resp kmsg.Response, corr int32) []byte {
	start := len(dst)
	dst = append(dst, 0, 0, 0, 0)
	dst = binary.BigEndian.AppendUint32(dst, uint32(corr))
	if flexibleResponseHeader(resp) {
		dst = append(dst, 0)
	}
	dst = resp.AppendTo(dst)
	binary.BigEndian.PutUint32(dst[start:], uint32(len(dst)-start-4))
	return dst
}

// parseResponse decodes a whole response frame (size prefix included) into
// resp, whose version must already be set.
func parseResponse(frame []byte, resp kmsg.Response) (int32, error) {
	if len(frame) < 4 {
		return 0, errors.New("response frame truncated")
	}
	rd := kbin.Reader{Src: frame[4:]}
	corr := rd.Int32()
	if flexibleResponseHeader(resp) {
		kmsg.SkipTags(&rd)
	}
	if err := rd.Complete(); err != nil {
		return 0, fmt.Errorf("%s response header: %w", kmsg.NameForKey(resp.Key()), err)
	}
	if err := resp.ReadFrom(rd.Src); err != nil {
		return 0, fmt.Errorf("%s v%d response: %w", kmsg.NameForKey(resp.Key()), resp.GetVersion(), err)
	}
	return corr, nil
}

// expectsResponse is false only for acks=0 produce, which Kafka never answers.
func expectsResponse(req kmsg.Request) bool {
	if p, ok := req.(*kmsg.ProduceRequest); ok {
		return p.Acks != 0
	}
	return true
}
