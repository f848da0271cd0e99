package mskauthz

import (
	"fmt"
	"reflect"
	"sort"
	"strings"
	"testing"
)

var testCluster = Cluster{Region: "us-east-1", Account: "123456789012", Name: "demo", UUID: "abcd1234-0123-abcd-5678-1234abcd-1"}

// stmt renders one Allow/Deny statement.
func stmt(effect string, actions []string, resources ...string) string {
	q := func(ss []string) string {
		parts := make([]string, len(ss))
		for i, s := range ss {
			parts[i] = fmt.Sprintf("%q", s)
		}
		return "[" + strings.Join(parts, ",") + "]"
	}
	return fmt.Sprintf(`{"Effect":%q,"Action":%s,"Resource":%s}`, effect, q(actions), q(resources))
}

func mustPolicy(t testing.TB, stmts ...string) *Policy {
	t.Helper()
	doc := `{"Version":"2012-10-17","Statement":[` + strings.Join(stmts, ",") + `]}`
	p, err := ParsePolicy([]byte(doc))
	if err != nil {
		t.Fatalf("ParsePolicy(%s): %v", doc, err)
	}
	return p
}

func acts(names ...string) []string {
	out := make([]string, len(names))
	for i, n := range names {
		out[i] = "kafka-cluster:" + n
	}
	return out
}

var (
	clusterARN = testCluster.ARN()
	topicARN   = testCluster.TopicARN
	groupARN   = testCluster.GroupARN
	txnARN     = testCluster.TransactionalIDARN
)

// errorCodes walks a response and returns "path -> code" for every non-zero
// ErrorCode (and ConfigErrorCode), the path built from identifier fields, e.g.
// "t2/0" for topic t2 partition 0 and "" for the top level.
func errorCodes(resp any) map[string]int16 {
	out := map[string]int16{}
	var walk func(v reflect.Value, path []string)
	walk = func(v reflect.Value, path []string) {
		if v.Kind() == reflect.Pointer {
			if v.IsNil() {
				return
			}
			v = v.Elem()
		}
		if v.Kind() != reflect.Struct {
			return
		}
		t := v.Type()
		p := path
		for _, id := range []string{"Topic", "Group", "GroupID", "Key", "ResourceName", "TransactionalID", "Partition"} {
			f := v.FieldByName(id)
			if !f.IsValid() {
				continue
			}
			switch f.Kind() {
			case reflect.String:
				p = append(p, f.String())
			case reflect.Int32:
				p = append(p, fmt.Sprint(f.Int()))
			case reflect.Pointer:
				if !f.IsNil() && f.Elem().Kind() == reflect.String {
					p = append(p, f.Elem().String())
				}
			}
		}
		for _, name := range []string{"ErrorCode", "ConfigErrorCode"} {
			if f := v.FieldByName(name); f.IsValid() && f.Kind() == reflect.Int16 && f.Int() != 0 {
				k := strings.Join(p, "/")
				if name == "ConfigErrorCode" {
					k += "#config"
				}
				out[k] = int16(f.Int())
			}
		}
		for i := 0; i < t.NumField(); i++ {
			f := v.Field(i)
			if f.Kind() == reflect.Slice && f.Type().Elem().Kind() == reflect.Struct {
				for j := 0; j < f.Len(); j++ {
					walk(f.Index(j), append([]string(nil), p...))
				}
			}
		}
	}
	walk(reflect.ValueOf(resp), nil)
	return out
}

// names returns the identifiers (Topic, Group, ...) of the entries of a
// request or response slice field, sorted.
func names(msg any, field string) []string {
	v := reflect.ValueOf(msg).Elem().FieldByName(field)
	var out []string
	for i := 0; i < v.Len(); i++ {
		e := v.Index(i)
		if e.Kind() == reflect.String {
			out = append(out, e.String())
			continue
		}
		for _, id := range []string{"Topic", "Group", "GroupID", "Key", "ResourceName", "TransactionalID"} {
			f := e.FieldByName(id)
			if !f.IsValid() {
				continue
			}
			if f.Kind() == reflect.String {
				out = append(out, f.String())
			} else if f.Kind() == reflect.Pointer && !f.IsNil() {
				out = append(out, f.Elem().String())
			}
			break
		}
	}
	sort.Strings(out)
	return out
}

// fill populates a request the way a client would: one entry in every slice,
// "t1"-like names for strings, a known topic ID, defaults elsewhere.
func fill(v reflect.Value, id [16]byte, depth int) {
	if depth > 6 {
		return
	}
	switch v.Kind() {
	case reflect.Struct:
		if d, ok := v.Addr().Interface().(interface{ Default() }); ok {
			d.Default()
		}
		for i := 0; i < v.NumField(); i++ {
			name := v.Type().Field(i).Name
			f := v.Field(i)
			switch {
			case name == "Version" || name == "UnknownTags":
			case name == "ResourceType" && f.Kind() == reflect.Int8:
				f.SetInt(2) // topic; also a valid ACL resource type
			case f.Kind() == reflect.String:
				f.SetString("t1")
			case f.Kind() == reflect.Array && f.Type() == reflect.TypeOf(id):
				f.Set(reflect.ValueOf(id))
			case f.Kind() == reflect.Pointer && f.Type().Elem().Kind() == reflect.String && name != "TransactionID" && name != "TransactionalID":
				s := "t1"
				f.Set(reflect.ValueOf(&s))
			case f.Kind() == reflect.Slice && f.Type().Elem().Kind() != reflect.Uint8:
				e := reflect.New(f.Type().Elem()).Elem()
				fill(e, id, depth+1)
				f.Set(reflect.Append(reflect.MakeSlice(f.Type(), 0, 1), e))
			case f.Kind() == reflect.Struct:
				fill(f, id, depth+1)
			}
		}
	case reflect.String:
		v.SetString("t1")
	case reflect.Int32:
		v.SetInt(0)
	}
}
