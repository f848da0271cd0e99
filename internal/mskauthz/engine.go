package mskauthz

import (
	"reflect"

	"github.com/twmb/franz-go/pkg/kmsg"
)

// This file builds Kafka responses for denied requests or denied parts of
// requests. Kafka answers an unauthorized part (a topic of a Produce, a group
// of a DescribeGroups, ...) with an entry that mirrors the request entry (same
// topic, same partitions) and carries the error code. Rather than write one
// mirror per API, the entries are mirrored by reflection over kmsg's generated
// structs, which name the same things the same way in requests and responses
// (Topic, TopicID, Partition, Group, ResourceType, ResourceName, ...).

// idFields are the request fields copied into a mirrored response entry. Only
// identifiers are copied: a request's Timestamp or Offset means something else
// in the response.
var idFields = map[string]bool{
	"Topic": true, "TopicID": true, "Partition": true, "Group": true,
	"ResourceType": true, "ResourceName": true, "TransactionalID": true,
	"Key": true, "ProducerID": true, "MemberID": true, "GroupID": true,
}

// keyFields, in order, are where a bare string request entry (a group name in
// DescribeGroups, a coordinator key in FindCoordinator v4+) lands in the
// response entry.
var keyFields = []string{"Topic", "Group", "GroupID", "Key", "TransactionalID", "Name"}

// respFieldSources maps, per API key, a response slice field to the request
// slice fields it mirrors when the names differ.
var respFieldSources = map[int16]map[string][]string{
	10: {"Coordinators": {"CoordinatorKeys"}},
	20: {"Topics": {"TopicNames", "Topics"}},
	30: {"Results": {"Creations"}},
	31: {"Results": {"Filters"}},
	51: {"Results": {"Deletions", "Upsertions"}},
	65: {"TransactionStates": {"TransactionalIDs"}},
	77: {"Groups": {"GroupIDs"}},
}

func sourcesFor(key int16, respField string) []string {
	if m, ok := respFieldSources[key]; ok {
		if s, ok := m[respField]; ok {
			return s
		}
	}
	return []string{respField}
}

type defaulter interface{ Default() }

// newResponse returns req's response kind at req's version with kmsg defaults.
func newResponse(req kmsg.Request) kmsg.Response {
	resp := req.ResponseKind()
	if d, ok := resp.(defaulter); ok {
		d.Default()
	}
	resp.SetVersion(req.GetVersion())
	emptyBytes(reflect.ValueOf(resp).Elem())
	return resp
}

// mirror builds one response entry of type dt for the request entry src,
// setting code on the outermost ErrorCode found (entry level if it has one,
// otherwise its partitions, ...).
func mirror(src reflect.Value, dt reflect.Type, code int16) reflect.Value {
	p := reflect.New(dt)
	if d, ok := p.Interface().(defaulter); ok {
		d.Default()
	}
	e := p.Elem()
	switch src.Kind() {
	case reflect.String:
		for _, k := range keyFields {
			if f := e.FieldByName(k); f.IsValid() && assign(f, src) {
				break
			}
		}
	case reflect.Int32:
		if f := e.FieldByName("Partition"); f.IsValid() {
			assign(f, src)
		}
	case reflect.Struct:
		for i := 0; i < dt.NumField(); i++ {
			name := dt.Field(i).Name
			if idFields[name] {
				if sf := src.FieldByName(name); sf.IsValid() {
					assign(e.Field(i), sf)
				}
			}
		}
	}
	emptyBytes(e)
	if ec := e.FieldByName("ErrorCode"); ec.IsValid() && ec.Kind() == reflect.Int16 {
		ec.SetInt(int64(code))
		return e
	}
	if src.Kind() != reflect.Struct {
		return e
	}
	for i := 0; i < dt.NumField(); i++ {
		f := e.Field(i)
		if f.Kind() != reflect.Slice || f.Type().Elem().Kind() != reflect.Struct {
			continue
		}
		sf := src.FieldByName(dt.Field(i).Name)
		if !sf.IsValid() || sf.Kind() != reflect.Slice {
			continue
		}
		f.Set(mirrorSlice(sf, f.Type(), code))
	}
	return e
}

var bytesType = reflect.TypeFor[[]byte]()

// emptyBytes sets every nil []byte field of the struct e to an empty slice.
// kmsg encodes a nil nullable field as null, but Kafka answers an errored
// entry with empty bytes: a Fetch partition's records are null-able on the
// wire, yet clients such as sarama reject null records below Fetch v12
// ("invalid byteslice length").
func emptyBytes(e reflect.Value) {
	for i := 0; i < e.NumField(); i++ {
		if f := e.Field(i); f.Type() == bytesType && f.IsNil() && f.CanSet() {
			f.SetBytes([]byte{})
		}
	}
}

func mirrorSlice(src reflect.Value, st reflect.Type, code int16) reflect.Value {
	out := reflect.MakeSlice(st, 0, src.Len())
	for i := 0; i < src.Len(); i++ {
		out = reflect.Append(out, mirror(src.Index(i), st.Elem(), code))
	}
	return out
}

// assign copies an identifier, converting between string and *string (request
// and response disagree on nullability in places). It reports whether it set.
func assign(dst, src reflect.Value) bool {
	switch {
	case dst.Type() == src.Type():
		dst.Set(src)
	case dst.Kind() == reflect.String && src.Kind() == reflect.Pointer && src.Type().Elem().Kind() == reflect.String:
		if !src.IsNil() {
			dst.SetString(src.Elem().String())
		}
	case dst.Kind() == reflect.Pointer && dst.Type().Elem().Kind() == reflect.String && src.Kind() == reflect.String:
		s := src.String()
		dst.Set(reflect.ValueOf(&s))
	case dst.Kind() == reflect.Int32 && src.Kind() == reflect.Int32:
		dst.SetInt(src.Int())
	default:
		return false
	}
	return true
}

// denyWhole answers req entirely with code: the top-level ErrorCode when the
// response has one, otherwise every entry mirrored from the request with code.
func denyWhole(req kmsg.Request, code int16) kmsg.Response {
	resp := newResponse(req)
	rv := reflect.ValueOf(resp).Elem()
	if ec := rv.FieldByName("ErrorCode"); ec.IsValid() && ec.Kind() == reflect.Int16 {
		ec.SetInt(int64(code))
		return resp
	}
	if r, ok := req.(*kmsg.AlterReplicaLogDirsRequest); ok {
		// The request groups topics by directory; the response does not.
		out := resp.(*kmsg.AlterReplicaLogDirsResponse)
		for _, d := range r.Dirs {
			for _, t := range d.Topics {
				rt := kmsg.NewAlterReplicaLogDirsResponseTopic()
				rt.Topic = t.Topic
				for _, p := range t.Partitions {
					rp := kmsg.NewAlterReplicaLogDirsResponseTopicPartition()
					rp.Partition, rp.ErrorCode = p, code
					rt.Partitions = append(rt.Partitions, rp)
				}
				out.Topics = append(out.Topics, rt)
			}
		}
		return resp
	}
	qv := reflect.ValueOf(req).Elem()
	rt := rv.Type()
	for i := 0; i < rt.NumField(); i++ {
		f := rv.Field(i)
		if f.Kind() != reflect.Slice || f.Type().Elem().Kind() != reflect.Struct {
			continue
		}
		out := reflect.MakeSlice(f.Type(), 0, 0)
		for _, srcName := range sourcesFor(req.Key(), rt.Field(i).Name) {
			sf := qv.FieldByName(srcName)
			if sf.IsValid() && sf.Kind() == reflect.Slice {
				out = reflect.AppendSlice(out, mirrorSlice(sf, f.Type(), code))
			}
		}
		f.Set(out)
	}
	return resp
}

// split divides the request entries in field reqField by codes (0 = allowed).
// When nothing is denied it returns the request itself; when everything is,
// a complete response; otherwise a trimmed copy of the request to relay and
// the mirrored denied entries for the Filter to append.
type splitResult struct {
	relay    kmsg.Request // nil when nothing is allowed
	resp     kmsg.Response
	field    string        // response field of the denied entries
	denied   reflect.Value // response entries for denied parts
	nDenied  int
	nAllowed int
}

func split(req kmsg.Request, reqField string, codes []int16) splitResult {
	qv := reflect.ValueOf(req).Elem()
	fv := qv.FieldByName(reqField)
	respField := reqField
	for rf, srcs := range respFieldSources[req.Key()] {
		for _, s := range srcs {
			if s == reqField {
				respField = rf
			}
		}
	}
	r := splitResult{field: respField}
	for _, c := range codes {
		if c != 0 {
			r.nDenied++
		}
	}
	r.nAllowed = fv.Len() - r.nDenied
	if r.nDenied == 0 {
		r.relay = req
		return r
	}
	r.resp = newResponse(req)
	rf := reflect.ValueOf(r.resp).Elem().FieldByName(respField)
	r.denied = reflect.MakeSlice(rf.Type(), 0, r.nDenied)
	allowed := reflect.MakeSlice(fv.Type(), 0, r.nAllowed)
	for i := 0; i < fv.Len(); i++ {
		if codes[i] != 0 {
			r.denied = reflect.Append(r.denied, mirror(fv.Index(i), rf.Type().Elem(), codes[i]))
		} else {
			allowed = reflect.Append(allowed, fv.Index(i))
		}
	}
	if r.nAllowed == 0 {
		rf.Set(r.denied)
		return r
	}
	cp := reflect.New(qv.Type())
	cp.Elem().Set(qv)
	cp.Elem().FieldByName(reqField).Set(allowed)
	r.relay = cp.Interface().(kmsg.Request)
	return r
}

// appendEntries returns a Filter that appends the denied entries to the
// relayed response's field.
func (r splitResult) appendEntries() func(kmsg.Response) {
	if r.nDenied == 0 || r.relay == nil {
		return nil
	}
	field, denied := r.field, r.denied
	return func(resp kmsg.Response) {
		f := reflect.ValueOf(resp).Elem().FieldByName(field)
		if f.IsValid() {
			f.Set(reflect.AppendSlice(f, denied))
		}
	}
}

// answerAll builds a complete response mirroring every entry of reqField,
// denied ones with their code and allowed ones with notAttempted: for APIs
// that Kafka does not apply partially (AddPartitionsToTxn).
func answerAll(req kmsg.Request, reqField string, codes []int16, notAttempted int16) kmsg.Response {
	cc := make([]int16, len(codes))
	for i, c := range codes {
		if c == 0 {
			c = notAttempted
		}
		cc[i] = c
	}
	return split(req, reqField, cc).resp
}

// chain runs filters in order, skipping nil ones.
func chain(fs ...func(kmsg.Response)) func(kmsg.Response) {
	var out []func(kmsg.Response)
	for _, f := range fs {
		if f != nil {
			out = append(out, f)
		}
	}
	switch len(out) {
	case 0:
		return nil
	case 1:
		return out[0]
	}
	return func(r kmsg.Response) {
		for _, f := range out {
			f(r)
		}
	}
}
